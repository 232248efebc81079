// The internals of bertc::Tokenizer: the immutable pipeline (normalizer, pre-tokenizer, model,
// post-processor, decoder, added tokens) and the encoding of one sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bertc/tokenizer.h"
#include "tokenizer/components.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/vocab_map.h"

namespace bertc::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;  // matched in the normalized text rather than in the raw text
  bool special = true;
  std::string match;  // what is searched for: content, or its normalized form
};

// A set of added tokens with the first bytes they can start with (to skip text quickly).
struct AddedSet {
  std::vector<AddedToken> tokens;
  bool first_byte[256] = {};

  void add(AddedToken t) {
    if (!t.match.empty()) first_byte[static_cast<unsigned char>(t.match[0])] = true;
    tokens.push_back(std::move(t));
  }
  bool empty() const { return tokens.empty(); }
};

struct ModelData {
  std::string source;  // the file it came from, for messages

  std::unique_ptr<Normalizer> normalizer;       // null: none
  std::unique_ptr<PreTokenizer> pre_tokenizer;  // null: the whole text is one word
  std::unique_ptr<Model> model;
  PostProcessor post;
  std::unique_ptr<Decoder> decoder;  // null: tokens joined with spaces
  // Whether a component needs source spans even without offsets (Metaspace's "first" scheme).
  bool needs_spans = false;

  // Every id's token (model vocabulary, then added tokens beyond it).
  std::vector<std::string> id_to_token;
  // Added tokens: raw ones are split out of the text before normalization, normalized ones after.
  AddedSet raw_added;
  AddedSet normalized_added;
  VocabMap added_map;                 // content -> id, for token_to_id
  std::vector<uint8_t> special_ids;  // per id: 1 for a special added token (decode skips it)

  std::optional<std::string> pad_token;
  std::optional<int32_t> pad_token_id;
  std::optional<std::size_t> model_max_length;
  TokenizerOptions default_options;

  // Registers added token `t` (id set, in [0, id_limit)); the normalizer must be set first.
  void add_token(AddedToken t, std::size_t id_limit);
  std::optional<int32_t> find_token(std::string_view token) const {
    const int32_t a = added_map.find(token);
    if (a >= 0) return a;
    const int32_t v = model->vocab.find(token);
    if (v >= 0) return v;
    return std::nullopt;
  }
};

// Reusable buffers of one encode call.
struct Scratch {
  std::string norm;
  std::vector<SourceSpan> norm_spans;
  NormalizeScratch normalize;
  PreTokenizeScratch pre;
  std::vector<SourceSpan> word_spans;
};

// The tokens of one sequence: ids, and with offsets each id's byte range in the text and word
// index (the pre-tokenized piece it came from), as `tokenizers` reports them.
struct SequenceTokens {
  std::vector<int32_t> ids;
  std::vector<std::pair<std::size_t, std::size_t>> offsets;
  std::vector<int64_t> words;
  void clear() {
    ids.clear();
    offsets.clear();
    words.clear();
  }
};

// Runs added-token splitting, the normalizer, the pre-tokenizer and the model on one sequence
// of valid UTF-8 (the caller checks it) and appends its tokens (offsets and words too when
// `offsets`), with byte-level offset trimming applied.
void encode_sequence(const ModelData& m, std::string_view text, Scratch& scratch,
                     SequenceTokens& out, bool offsets);

// Loaders; `name` is used in error messages.
ModelData load_tokenizer_json(std::string_view json, const std::string& name);
ModelData load_vocab_txt(const std::string& vocab_text, const std::string& name,
                         const std::optional<std::string>& config_json,
                         const std::string& config_name);
// vocab.json + merges.txt (GPT-2 / RoBERTa files) with an optional tokenizer_config.json.
ModelData load_bpe_files(const std::string& vocab_json, const std::string& vocab_name,
                         const std::string& merges_txt, const std::string& merges_name,
                         const std::optional<std::string>& config_json,
                         const std::string& config_name);
// Reads model_max_length (and nothing else) from a tokenizer_config.json.
void apply_config_max_length(ModelData& m, const std::string& config_json,
                             const std::string& config_name);

}  // namespace bertc::tokenizer
