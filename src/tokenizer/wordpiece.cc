// WordPiece (see models.h).
#include <algorithm>

#include "bertc/error.h"
#include "tokenizer/components.h"
#include "tokenizer/models.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

class WordPiece final : public Model {
 public:
  WordPiece(Vocabulary v, const WordPieceConfig& c, const std::string& where)
      : Model(false), prefix_(c.prefix), max_chars_(c.max_input_chars_per_word) {
    vocab = std::move(v.map);
    id_to_token = std::move(v.tokens);
    unk_id = vocab.find(c.unk_token);
    if (unk_id < 0) {
      throw Error(where + ": the unknown token '" + c.unk_token + "' is not in the vocabulary");
    }
    // Tokens that start with the prefix, keyed without it (when the prefix is empty, the
    // vocabulary itself is used).
    if (prefix_.empty()) return;
    for (std::size_t id = 0; id < id_to_token.size(); ++id) {
      const std::string& t = id_to_token[id];
      if (t.size() > prefix_.size() && t.starts_with(prefix_) &&
          vocab.find(t) == static_cast<int32_t>(id)) {
        continuation_.insert(std::string_view(t).substr(prefix_.size()), static_cast<int32_t>(id));
      }
    }
  }

  std::string_view continuing_subword_prefix() const override { return prefix_; }

  void tokenize_word(std::string_view word, std::vector<int32_t>& ids,
                     std::vector<SourceSpan>* spans) const override {
    auto add = [&](int32_t id, std::size_t b, std::size_t e) {
      ids.push_back(id);
      if (spans) spans->push_back({static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
    };
    if (count_chars(word) > max_chars_) {
      add(unk_id, 0, word.size());
      return;
    }
    const int32_t whole = vocab.find(word);
    if (whole >= 0) {
      add(whole, 0, word.size());
      return;
    }
    const std::size_t first_id = ids.size();
    const std::size_t first_span = spans ? spans->size() : 0;
    const VocabMap& cont = prefix_.empty() ? vocab : continuation_;
    const std::size_t len = word.size();
    std::size_t start = 0;
    while (start < len) {
      const VocabMap& map = start == 0 ? vocab : cont;
      std::size_t end = std::min(len, start + map.max_key_bytes());
      while (end < len && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
      int32_t found = -1;
      while (end > start) {
        found = map.find(word.substr(start, end - start));
        if (found >= 0) break;
        --end;
        while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
      }
      if (found < 0) {  // the whole word is unknown
        ids.resize(first_id);
        if (spans) spans->resize(first_span);
        add(unk_id, 0, len);
        return;
      }
      add(found, start, end);
      start = end;
    }
  }

 private:
  std::string prefix_;
  std::size_t max_chars_;
  VocabMap continuation_;
};

}  // namespace

std::unique_ptr<Model> make_wordpiece(Vocabulary vocab, const WordPieceConfig& config,
                                      const std::string& where) {
  return std::make_unique<WordPiece>(std::move(vocab), config, where);
}

}  // namespace bertc::tokenizer
