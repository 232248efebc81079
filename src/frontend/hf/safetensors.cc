#include "frontend/hf/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/checked_math.h"
#include "base/json_text.h"
#include "bertc/error.h"
#include "ir/bf16.h"

namespace bertc::frontend::hf {

namespace {

// safetensors' own limit on the header (100 MB): a bigger value is a corrupted length.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

std::string shape_text(const std::vector<int64_t>& shape) { return dims_str(shape); }

}  // namespace

size_t safetensors_dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"I64", 8}, {"U64", 8},     {"F64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // 112 = 127 - 15
  } else if (mant == 0) {
    bits = sign;  // ±0
  } else {
    // Subnormal: normalize the mantissa.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;

SafetensorsFile::SafetensorsFile(const std::string& path)
    : path_(path), map_(base::MappedFile::open(path)) {
  auto fail = [&](const std::string& why) -> void { throw Error(path + ": " + why); };
  const uint64_t file_size = map_->size();
  if (file_size < 8) {
    fail("truncated safetensors file: " + std::to_string(file_size) +
         " bytes (it must start with an 8-byte header length)");
  }
  const uint8_t* bytes = map_->data();

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes) {
    fail("not a safetensors file: header length " + std::to_string(header_len) +
         " bytes is over the format's 100 MB limit");
  }
  if (8 + header_len > file_size) {
    fail("truncated safetensors file: the header says " + std::to_string(header_len) +
         " bytes but the file has only " + std::to_string(file_size - 8) + " after the length");
  }
  const uint64_t data_size = file_size - 8 - header_len;
  data_ = bytes + 8 + header_len;

  const nlohmann::json header =
      base::parse_json(std::string_view(reinterpret_cast<const char*>(bytes) + 8, header_len),
                       path + ": malformed safetensors header");
  if (!header.is_object()) fail("malformed safetensors header: not a JSON object");

  std::vector<std::pair<uint64_t, const std::string*>> spans;  // (begin, name) of non-empty ones
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& h = it.value();
    if (name == "__metadata__") {
      if (!h.is_object()) fail("malformed safetensors header: __metadata__ is not an object");
      for (auto m = h.begin(); m != h.end(); ++m) {
        if (m.value().is_string()) metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& why) { fail("tensor '" + name + "': " + why); };
    if (!h.is_object()) bad("header entry is not an object");
    if (!h.contains("dtype") || !h["dtype"].is_string()) bad("no dtype");
    if (!h.contains("shape") || !h["shape"].is_array()) bad("no shape");
    if (!h.contains("data_offsets") || !h["data_offsets"].is_array() ||
        h["data_offsets"].size() != 2) {
      bad("data_offsets must be [begin, end]");
    }
    SafetensorsEntry e;
    e.dtype = h["dtype"].get<std::string>();
    const size_t elem = safetensors_dtype_size(e.dtype);
    if (elem == 0) bad("unknown dtype '" + e.dtype + "'");
    for (const nlohmann::json& d : h["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t{INT64_MAX}) {
        bad("shape has a dim, " + base::json_excerpt(d) + ", that is not a non-negative integer");
      }
      e.shape.push_back(d.get<int64_t>());
    }
    const auto nbytes = static_cast<uint64_t>(
        base::checked_nbytes(e.shape, elem, path + ": tensor '" + name + "'"));
    for (const nlohmann::json& o : h["data_offsets"]) {
      if (!o.is_number_unsigned()) bad("data_offsets must be non-negative integers");
    }
    e.begin = h["data_offsets"][0].get<uint64_t>();
    e.end = h["data_offsets"][1].get<uint64_t>();
    if (e.end < e.begin) {
      bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
          "] end before begin");
    }
    if (e.end > data_size) {
      bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
          "] run past the end of the data (" + std::to_string(data_size) +
          " bytes; is the file truncated?)");
    }
    if (e.end - e.begin != nbytes) {
      bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] hold " +
          std::to_string(e.end - e.begin) + " bytes but " + e.dtype + " " + shape_text(e.shape) +
          " needs " + std::to_string(nbytes));
    }
    shapes_[name] = e.shape;
    auto [pos, inserted] = entries_.emplace(name, std::move(e));
    if (pos->second.end > pos->second.begin) spans.emplace_back(pos->second.begin, &pos->first);
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    const SafetensorsEntry& prev = entries_.at(*spans[i - 1].second);
    if (spans[i].first < prev.end) {
      fail("tensors '" + *spans[i - 1].second + "' and '" + *spans[i].second +
           "' overlap (data_offsets [" + std::to_string(prev.begin) + ", " +
           std::to_string(prev.end) + "] and [" + std::to_string(spans[i].first) + ", " +
           std::to_string(entries_.at(*spans[i].second).end) + "])");
    }
  }
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(path_ + ": missing tensor '" + name + "'");
  return it->second;
}

Tensor SafetensorsFile::read_f32(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  Tensor t = Tensor::empty(DType::kF32, e.shape);
  float* dst = t.data<float>();
  const uint8_t* src = data_ + e.begin;
  const int64_t n = t.numel();
  if (e.dtype == "F32") {
    std::memcpy(dst, src, static_cast<size_t>(n) * 4);
  } else if (e.dtype == "F16" || e.dtype == "BF16") {
    const bool half = e.dtype == "F16";
    for (int64_t i = 0; i < n; ++i) {
      uint16_t v;
      std::memcpy(&v, src + 2 * i, 2);
      dst[i] = half ? f16_to_f32(v) : ir::bf16_to_f32(v);
    }
  } else if (e.dtype == "F64") {
    for (int64_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, src + 8 * i, 8);
      dst[i] = static_cast<float>(v);
    }
  } else {
    throw Error(path_ + ": tensor '" + name + "' has dtype " + e.dtype +
                "; a weight must be F32, F16, BF16 or F64");
  }
  return t;
}

}  // namespace bertc::frontend::hf
