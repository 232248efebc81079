// VocabMap: token string -> id, an open-addressing hash table looked up with string_views (no
// allocation per lookup). Keys live in one arena owned by the map.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace bertc::tokenizer {

// A fast 64-bit hash for short strings (vocabulary tokens are mostly under 16 bytes).
inline uint64_t hash_bytes(const char* p, std::size_t n) {
  constexpr uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xC2B2AE3D27D4EB4Full;
  uint64_t h = k0 ^ (n * k1);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ (w * k1)) * k0;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ (w * k1)) * k0;
  }
  h ^= h >> 29;
  h *= k1;
  h ^= h >> 32;
  return h;
}

class VocabMap {
 public:
  // Adds or overwrites (the last insertion of a key wins).
  void insert(std::string_view key, int32_t id);
  // The id, or -1.
  int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash_bytes(key.data(), key.size());
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == tag && s.len == key.size() &&
          std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
        return s.id;
      }
    }
  }
  std::size_t size() const { return size_; }
  // The longest key, in bytes.
  std::size_t max_key_bytes() const { return max_key_bytes_; }

 private:
  struct Slot {
    uint32_t offset = 0;
    uint32_t len = 0;
    uint32_t tag = 0;
    int32_t id = -1;
  };
  void grow();

  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_key_bytes_ = 0;
  std::string arena_;
};

}  // namespace bertc::tokenizer
