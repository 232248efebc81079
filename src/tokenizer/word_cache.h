// WordCache: the tokens of words a model has already tokenized (ids and each one's byte range in
// the word), as `tokenizers` caches BPE and Unigram results. One cache is shared by every thread
// that uses the model: 16 shards, each a mutex-guarded hash map of at most kShardWords words (a
// full shard is emptied and starts over). Words over kMaxWordBytes are not cached.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/vocab_map.h"

namespace bertc::tokenizer {

class WordCache {
 public:
  static constexpr std::size_t kMaxWordBytes = 64;
  static constexpr std::size_t kShardWords = 1024;

  // Appends the cached tokens of `word` and returns true, or returns false.
  bool find(std::string_view word, std::vector<int32_t>& ids, std::vector<SourceSpan>* spans) const {
    if (word.size() > kMaxWordBytes) return false;
    Shard& s = shard(word);
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.words.find(word);
    if (it == s.words.end()) return false;
    ids.insert(ids.end(), it->second.ids.begin(), it->second.ids.end());
    if (spans) spans->insert(spans->end(), it->second.spans.begin(), it->second.spans.end());
    return true;
  }

  void insert(std::string_view word, const int32_t* ids, const SourceSpan* spans, std::size_t n) const {
    if (word.size() > kMaxWordBytes) return;
    Shard& s = shard(word);
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.words.size() >= kShardWords) s.words.clear();
    Entry& e = s.words[std::string(word)];
    e.ids.assign(ids, ids + n);
    e.spans.assign(spans, spans + n);
  }

 private:
  struct Hash {  // heterogeneous: looked up with string_views
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return hash_bytes(s.data(), s.size()); }
  };
  struct Entry {
    std::vector<int32_t> ids;
    std::vector<SourceSpan> spans;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> words;
  };
  Shard& shard(std::string_view word) const {
    return shards_[(hash_bytes(word.data(), word.size()) >> 60) & (shards_.size() - 1)];
  }
  mutable std::array<Shard, 16> shards_;
};

}  // namespace bertc::tokenizer
