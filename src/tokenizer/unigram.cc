// Unigram (see models.h), as `tokenizers`' models/unigram (SentencePiece's encode): Viterbi over
// the byte positions of a word, each piece a prefix-trie match from a character boundary; a
// character that no one-character piece covers may be the unknown token. The best path's pieces
// are looked up again by text: the fused unknown runs become the unknown id, or their bytes'
// <0xXX> tokens with byte_fallback.
#include <cmath>
#include <cstdio>
#include <limits>

#include "bertc/error.h"
#include "tokenizer/components.h"
#include "tokenizer/models.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

// A byte trie: (node, byte) -> child in one open-addressing table; each node's piece id or -1.
class Trie {
 public:
  void build(const std::vector<std::pair<std::string, double>>& pieces) {
    std::size_t edges = 0;
    for (const auto& p : pieces) edges += p.first.size();
    std::size_t cap = 16;
    while (cap < edges * 2) cap *= 2;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    piece_.assign(1, -1);
    for (std::size_t id = 0; id < pieces.size(); ++id) {
      uint32_t node = 0;
      for (unsigned char c : pieces[id].first) {
        const int32_t child = find_slow(node, c);
        if (child >= 0) {
          node = static_cast<uint32_t>(child);
          continue;
        }
        const auto fresh = static_cast<uint32_t>(piece_.size());
        piece_.push_back(-1);
        insert(node, c, fresh);
        node = fresh;
      }
      if (piece_[node] < 0) piece_[node] = static_cast<int32_t>(id);  // the first duplicate wins
    }
    for (int c = 0; c < 256; ++c) root_[c] = find_slow(0, static_cast<unsigned char>(c));
  }
  // The child of `node` for byte c, or -1 (the root's children from a table: every position
  // of a word starts there).
  int32_t find(uint32_t node, unsigned char c) const { return node == 0 ? root_[c] : find_slow(node, c); }
  int32_t piece(uint32_t node) const { return piece_[node]; }

 private:
  int32_t find_slow(uint32_t node, unsigned char c) const {
    const uint64_t key = (static_cast<uint64_t>(node) << 8) | c;
    for (uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.child < 0) return -1;
      if (s.key == key) return s.child;
    }
  }
  struct Slot {
    uint64_t key = 0;
    int32_t child = -1;
  };
  void insert(uint32_t node, unsigned char c, uint32_t child) {
    const uint64_t key = (static_cast<uint64_t>(node) << 8) | c;
    uint64_t i = hash(key) & mask_;
    while (slots_[i].child >= 0) i = (i + 1) & mask_;
    slots_[i] = {key, static_cast<int32_t>(child)};
  }
  static uint64_t hash(uint64_t k) {
    k *= 0x9E3779B97F4A7C15ull;
    return k ^ (k >> 31);
  }
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  std::vector<int32_t> piece_;
  int32_t root_[256] = {};
};

constexpr double kUnkPenalty = 10.0;

class Unigram final : public Model {
 public:
  Unigram(std::vector<std::pair<std::string, double>> pieces, const UnigramConfig& c,
          const std::string& where)
      : Model(true), where_(where), byte_fallback_(c.byte_fallback) {
    if (pieces.empty()) throw Error(where + ": model.vocab is empty");
    double min_score = std::numeric_limits<double>::infinity();
    scores_.reserve(pieces.size());
    id_to_token.reserve(pieces.size());
    for (std::size_t id = 0; id < pieces.size(); ++id) {
      const auto& [token, score] = pieces[id];
      if (!std::isfinite(score)) {
        throw Error(where + ": model.vocab[" + std::to_string(id) + "] ('" + token +
                    "'): the score is not a finite number");
      }
      if (vocab.find(token) < 0) vocab.insert(token, static_cast<int32_t>(id));
      id_to_token.push_back(token);
      scores_.push_back(score);
      min_score = std::min(min_score, score);
    }
    unk_score_ = min_score - kUnkPenalty;
    if (c.unk_id) {
      if (*c.unk_id < 0 || static_cast<std::size_t>(*c.unk_id) >= pieces.size()) {
        throw Error(where + ": model.unk_id " + std::to_string(*c.unk_id) +
                    " is outside the vocabulary (0.." + std::to_string(pieces.size() - 1) + ")");
      }
      unk_id = *c.unk_id;
    }
    if (byte_fallback_) {
      for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_ids_[static_cast<std::size_t>(b)] = vocab.find(name);
      }
    }
    trie_.build(pieces);
  }

  void tokenize_word(std::string_view word, std::vector<int32_t>& ids,
                     std::vector<SourceSpan>* spans) const override {
    struct Node {
      double score;
      int32_t start;  // -1: not reached
      int32_t id;
    };
    thread_local std::vector<Node> best;
    const std::size_t n = word.size();
    best.assign(n + 1, Node{0.0, -1, -1});
    best[0].start = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(word.data());
    for (std::size_t at = 0; at < n;) {
      const double here = best[at].score;
      std::size_t char_len;
      decode_utf8(p + at, char_len);
      bool single = false;
      uint32_t node = 0;
      for (std::size_t k = at; k < n; ++k) {
        const int32_t child = trie_.find(node, p[k]);
        if (child < 0) break;
        node = static_cast<uint32_t>(child);
        const int32_t id = trie_.piece(node);
        if (id < 0) continue;
        const std::size_t end = k + 1;
        const double score = here + scores_[static_cast<std::size_t>(id)];
        if (best[end].start < 0 || score > best[end].score) {
          best[end] = {score, static_cast<int32_t>(at), id};
        }
        if (end - at == char_len) single = true;
      }
      if (!single) {
        if (unk_id < 0) {
          throw Error(where_ + ": the Unigram model has no unk_id, and no piece covers '" +
                      std::string(word.substr(at, char_len)) + "'");
        }
        const std::size_t end = at + char_len;
        const double score = here + unk_score_;
        if (best[end].start < 0 || score > best[end].score) {
          best[end] = {score, static_cast<int32_t>(at), unk_id};
        }
      }
      at += char_len;
    }
    // Back from the end: the path's pieces, runs of unknown ones fused.
    thread_local std::vector<SourceSpan> path;
    path.clear();
    for (std::size_t end = n; end > 0;) {
      const Node& node = best[end];
      const auto start = static_cast<uint32_t>(node.start);
      if (node.id == unk_id && !path.empty() && path.back().begin == end &&
          best[path.back().end].id == unk_id) {
        path.back().begin = start;  // fuse with the unknown piece after it
      } else {
        path.push_back({start, static_cast<uint32_t>(end)});
      }
      end = start;
    }
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      const std::string_view text = word.substr(it->begin, it->end - it->begin);
      int32_t id = vocab.find(text);
      if (id < 0 && byte_fallback_ && all_bytes_known(text)) {
        for (unsigned char b : text) {
          ids.push_back(byte_ids_[b]);
          if (spans) spans->push_back(*it);
        }
        continue;
      }
      if (id < 0) id = unk_id;
      ids.push_back(id);
      if (spans) spans->push_back(*it);
    }
  }

 private:
  bool all_bytes_known(std::string_view text) const {
    for (unsigned char b : text) {
      if (byte_ids_[b] < 0) return false;
    }
    return true;
  }

  std::string where_;
  bool byte_fallback_;
  std::vector<double> scores_;
  double unk_score_ = 0;
  Trie trie_;
  int32_t byte_ids_[256] = {};
};

}  // namespace

std::unique_ptr<Model> make_unigram(std::vector<std::pair<std::string, double>> pieces,
                                    const UnigramConfig& config, const std::string& where) {
  return std::make_unique<Unigram>(std::move(pieces), config, where);
}

}  // namespace bertc::tokenizer
