#include "tokenizer/vocab_map.h"

#include "bertc/error.h"

namespace bertc::tokenizer {

void VocabMap::insert(std::string_view key, int32_t id) {
  if (id < 0) throw Error("tokenizer: negative token id " + std::to_string(id));
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const uint64_t h = hash_bytes(key.data(), key.size());
  const uint32_t tag = static_cast<uint32_t>(h >> 32);
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.id < 0) {
      if (arena_.size() + key.size() > UINT32_MAX) throw Error("tokenizer: vocabulary too large");
      s.offset = static_cast<uint32_t>(arena_.size());
      s.len = static_cast<uint32_t>(key.size());
      s.tag = tag;
      s.id = id;
      arena_.append(key);
      ++size_;
      if (key.size() > max_key_bytes_) max_key_bytes_ = key.size();
      return;
    }
    if (s.tag == tag && s.len == key.size() &&
        std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
      s.id = id;
      return;
    }
  }
}

void VocabMap::grow() {
  std::vector<Slot> old = std::move(slots_);
  const std::size_t cap = old.empty() ? 64 : old.size() * 2;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  for (const Slot& s : old) {
    if (s.id < 0) continue;
    const uint64_t h = hash_bytes(arena_.data() + s.offset, s.len);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].id < 0) {
        slots_[i] = s;
        break;
      }
    }
  }
}

}  // namespace bertc::tokenizer
