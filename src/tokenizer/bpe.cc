// BPE (see models.h), as `tokenizers`' models/bpe: a word starts as its characters (with the
// continuing-subword prefix on all but the first and the end-of-word suffix on the last; unknown
// ones as byte-fallback tokens, the unknown token or nothing), then the pair of adjacent symbols
// with the lowest merge rank is merged, the leftmost first, until no pair has a merge.
#include <algorithm>
#include <cstdio>
#include <queue>

#include "bertc/error.h"
#include "tokenizer/components.h"
#include "tokenizer/models.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

// (left id, right id) -> (rank, merged id): open addressing on 64-bit keys.
class PairMap {
 public:
  struct Value {
    uint32_t rank;
    int32_t id;
  };
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < n * 2) cap *= 2;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  // Keeps the first insertion of a pair (the lowest rank), as `tokenizers` does.
  void insert(int32_t a, int32_t b, Value v) {
    const uint64_t key = pack(a, b);
    for (uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].value.id < 0) {
        slots_[i] = {key, v};
        return;
      }
      if (slots_[i].key == key) return;
    }
  }
  const Value* find(int32_t a, int32_t b) const {
    const uint64_t key = pack(a, b);
    for (uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value.id < 0) return nullptr;
      if (s.key == key) return &s.value;
    }
  }

 private:
  struct Slot {
    uint64_t key = 0;
    Value value{0, -1};
  };
  static uint64_t pack(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static uint64_t hash(uint64_t k) {
    k *= 0x9E3779B97F4A7C15ull;
    return k ^ (k >> 29);
  }
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

class Bpe final : public Model {
 public:
  Bpe(Vocabulary v, const std::vector<std::pair<std::string, std::string>>& merges,
      const BpeConfig& c, const std::string& where)
      : Model(true), config_(c) {
    vocab = std::move(v.map);
    id_to_token = std::move(v.tokens);
    if (c.unk_token) {
      unk_id = vocab.find(*c.unk_token);
      if (unk_id < 0) {
        throw Error(where + ": model.unk_token '" + *c.unk_token + "' is not in the vocabulary");
      }
    }
    if (c.byte_fallback) {
      for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_ids_[static_cast<std::size_t>(b)] = vocab.find(name);
      }
    }
    merges_.reserve(merges.size());
    for (std::size_t r = 0; r < merges.size(); ++r) {
      const auto& [a, b] = merges[r];
      const int32_t ia = vocab.find(a), ib = vocab.find(b);
      for (const auto& [side, id] : {std::pair{&a, ia}, std::pair{&b, ib}}) {
        if (id < 0) {
          throw Error(where + ": model.merges[" + std::to_string(r) + "] (\"" + a + " " + b +
                      "\"): '" + *side + "' is not in the vocabulary");
        }
      }
      const std::string merged =
          a + (b.starts_with(c.prefix) ? b.substr(c.prefix.size()) : b);
      const int32_t im = vocab.find(merged);
      if (im < 0) {
        throw Error(where + ": model.merges[" + std::to_string(r) + "] (\"" + a + " " + b +
                    "\"): the merged token '" + merged + "' is not in the vocabulary");
      }
      merges_.insert(ia, ib, {static_cast<uint32_t>(r), im});
    }
  }

  std::string_view continuing_subword_prefix() const override { return config_.prefix; }

  void tokenize_word(std::string_view word, std::vector<int32_t>& ids,
                     std::vector<SourceSpan>* spans) const override {
    if (config_.ignore_merges) {
      const int32_t id = vocab.find(word);
      if (id >= 0) {
        ids.push_back(id);
        if (spans) spans->push_back({0, static_cast<uint32_t>(word.size())});
        return;
      }
    }
    thread_local std::vector<Symbol> symbols;
    initial_symbols(word, symbols);
    merge_all(symbols);
    uint32_t at = 0;
    for (const Symbol& s : symbols) {
      if (s.len == 0) continue;
      ids.push_back(s.id);
      if (spans) spans->push_back({at, at + s.len});
      at += s.len;
    }
  }

 private:
  struct Symbol {
    int32_t id;
    uint32_t len;  // bytes of the word; 0: merged into the symbol on its left
    int32_t prev;
    int32_t next;
  };
  struct Merge {
    uint32_t rank;
    uint32_t pos;
    int32_t id;
    bool operator>(const Merge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };

  void initial_symbols(std::string_view word, std::vector<Symbol>& symbols) const {
    symbols.clear();
    thread_local std::string key;
    int32_t unk_len = 0;  // bytes of a pending unknown token
    auto add = [&](int32_t id, uint32_t len) {
      const auto n = static_cast<int32_t>(symbols.size());
      symbols.push_back({id, len, n - 1, n + 1});
    };
    auto flush_unk = [&] {
      if (unk_len > 0) add(unk_id, static_cast<uint32_t>(unk_len));
      unk_len = 0;
    };
    const auto* p = reinterpret_cast<const unsigned char*>(word.data());
    for (std::size_t i = 0; i < word.size();) {
      std::size_t len;
      decode_utf8(p + i, len);
      const bool first = i == 0, last = i + len == word.size();
      key.clear();
      if (!first) key.append(config_.prefix);
      key.append(word.substr(i, len));
      if (last) key.append(config_.suffix);
      const int32_t id = vocab.find(key);
      if (id >= 0) {
        flush_unk();
        add(id, static_cast<uint32_t>(len));
      } else if (config_.byte_fallback && std::all_of(key.begin(), key.end(), [&](char b) {
                   return byte_ids_[static_cast<unsigned char>(b)] >= 0;
                 })) {
        for (char b : key) add(byte_ids_[static_cast<unsigned char>(b)], 1);
      } else if (unk_id >= 0) {
        if (!config_.fuse_unk) flush_unk();
        unk_len += static_cast<int32_t>(len);
      }
      i += len;
    }
    flush_unk();
    if (!symbols.empty()) symbols.back().next = -1;
  }

  void merge_all(std::vector<Symbol>& s) const {
    thread_local std::vector<Merge> heap;
    heap.clear();
    auto push = [&](std::size_t pos) {
      const int32_t next = s[pos].next;
      if (next < 0) return;
      if (const PairMap::Value* m = merges_.find(s[pos].id, s[static_cast<std::size_t>(next)].id)) {
        heap.push_back({m->rank, static_cast<uint32_t>(pos), m->id});
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
      }
    };
    for (std::size_t i = 0; i + 1 < s.size(); ++i) push(i);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      const Merge top = heap.back();
      heap.pop_back();
      Symbol& left = s[top.pos];
      if (left.len == 0 || left.next < 0) continue;
      Symbol& right = s[static_cast<std::size_t>(left.next)];
      // A stale entry: the pair has changed since it was queued.
      const PairMap::Value* now = merges_.find(left.id, right.id);
      if (now == nullptr || now->id != top.id) continue;
      left.id = top.id;
      left.len += right.len;
      right.len = 0;
      left.next = right.next;
      if (right.next >= 0) s[static_cast<std::size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
      if (left.prev >= 0) push(static_cast<std::size_t>(left.prev));
      push(top.pos);
    }
  }

  BpeConfig config_;
  PairMap merges_;
  int32_t byte_ids_[256] = {};
};

}  // namespace

std::unique_ptr<Model> make_bpe(Vocabulary vocab,
                                const std::vector<std::pair<std::string, std::string>>& merges,
                                const BpeConfig& config, const std::string& where) {
  return std::make_unique<Bpe>(std::move(vocab), merges, config, where);
}

}  // namespace bertc::tokenizer
