#include "bertc/npy.h"

#include <cstring>

#include "base/checked_math.h"
#include "base/files.h"
#include "bertc/error.h"

namespace bertc {
namespace {

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kTypes[] = {{"<f4", DType::kF32}, {"<f8", DType::kF64}, {"|i1", DType::kI8},
                              {"|u1", DType::kU8},  {"<i4", DType::kI32}, {"<i8", DType::kI64},
                              {"|b1", DType::kBool}};

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Dims shape;
};

// numpy's header, strictly: a Python dict literal with exactly the keys 'descr' (a string),
// 'fortran_order' (True/False) and 'shape' (a tuple of non-negative integers), then spaces and
// one newline. Anything else is an error quoting where it went wrong.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : s_(text), path_(path) {}

  NpyHeader parse() {
    NpyHeader h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (!peek('}')) {
      const std::string key = quoted();
      expect(':');
      if (key == "descr" && !seen_descr) {
        h.descr = quoted();
        seen_descr = true;
      } else if (key == "fortran_order" && !seen_order) {
        h.fortran_order = boolean();
        seen_order = true;
      } else if (key == "shape" && !seen_shape) {
        h.shape = tuple();
        seen_shape = true;
      } else {
        fail("unexpected or repeated key '" + key + "'");
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    skip_spaces();
    if (pos_ != s_.size()) fail("unexpected text after the header dict");
    if (!seen_descr || !seen_order || !seen_shape) {
      fail("the header must have 'descr', 'fortran_order' and 'shape'");
    }
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(path_ + ": invalid .npy header at byte " + std::to_string(pos_) + ": " + why);
  }
  void skip_spaces() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  bool peek(char c) {
    skip_spaces();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    skip_spaces();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("expected a quoted string");
    const char q = s_[pos_++];
    const size_t end = s_.find(q, pos_);
    if (end == std::string_view::npos || end - pos_ > 64) fail("unterminated string");
    std::string v(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return v;
  }
  bool boolean() {
    skip_spaces();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (s_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    fail("expected True or False");
  }
  Dims tuple() {
    Dims dims;
    expect('(');
    while (!peek(')')) {
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') {
        fail("a shape holds only non-negative integers");
      }
      int64_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        v = base::checked_add(base::checked_mul<int64_t>(v, 10, path_ + ": .npy shape"),
                              int64_t{s_[pos_++] - '0'}, path_ + ": .npy shape");
      }
      dims.push_back(v);
      if (!peek(')')) expect(',');
    }
    expect(')');
    if (dims.size() > 16) fail("a shape of rank " + std::to_string(dims.size()) + " is too deep");
    return dims;
  }

  std::string_view s_;
  const std::string& path_;
  size_t pos_ = 0;
};

uint32_t le(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string npy_header(const Tensor& tensor) {
  const char* descr = nullptr;
  for (const NpyType& t : kTypes) {
    if (t.dtype == tensor.dtype()) descr = t.descr;
  }
  std::string shape;
  for (int64_t d : tensor.shape()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  if (tensor.rank() == 1) shape += ",";
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                     shape + "), }";
  const size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');
  std::string header("\x93NUMPY\x01\x00", 8);
  header.push_back(static_cast<char>(dict.size() & 0xff));
  header.push_back(static_cast<char>(dict.size() >> 8));
  return header + dict;
}

void write_to(base::AtomicFile& file, const Tensor& tensor) {
  file.write(npy_header(tensor));
  file.write(tensor.raw(), tensor.nbytes());
}

}  // namespace

Tensor read_npy(const std::string& path) {
  const std::string bytes = base::read_input_file(path);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) {
    throw Error(path + ": not a .npy file");
  }
  const int version = p[6];
  if (version < 1 || version > 3) {
    throw Error(path + ": unsupported .npy format version " + std::to_string(version));
  }
  const size_t len_bytes = version == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) throw Error(path + ": truncated .npy header");
  const uint64_t header_len = le(p + 8, static_cast<int>(len_bytes));
  const uint64_t data_start = 8 + len_bytes + header_len;
  if (data_start > bytes.size()) throw Error(path + ": truncated .npy header");
  const NpyHeader h =
      HeaderParser(std::string_view(bytes).substr(8 + len_bytes, header_len), path).parse();

  const NpyType* type = nullptr;
  for (const NpyType& t : kTypes) {
    if (h.descr == t.descr) type = &t;
  }
  if (!type) throw Error(path + ": unsupported .npy dtype '" + h.descr + "'");
  if (h.fortran_order) {
    throw Error(path + ": Fortran-order arrays are not supported; save a C-order array");
  }
  const int64_t nbytes = base::checked_nbytes(h.shape, dtype_size(type->dtype), path + ": .npy shape");
  const uint64_t have = bytes.size() - data_start;
  if (have != static_cast<uint64_t>(nbytes)) {
    throw Error(path + ": " + (have < static_cast<uint64_t>(nbytes) ? "truncated" : "trailing") +
                " .npy data: shape " + dims_str(h.shape) + " needs " + std::to_string(nbytes) +
                " bytes, the file has " + std::to_string(have));
  }
  Tensor t = Tensor::empty(type->dtype, h.shape);
  if (nbytes) std::memcpy(t.raw(), bytes.data() + data_start, static_cast<size_t>(nbytes));
  return t;
}

void write_npy(const std::string& path, const Tensor& tensor) { write_npys({{path, &tensor}}); }

void write_npys(const std::vector<std::pair<std::string, const Tensor*>>& files) {
  std::vector<base::AtomicFile> out;
  out.reserve(files.size());
  for (const auto& [path, tensor] : files) {
    out.emplace_back(path);
    write_to(out.back(), *tensor);
  }
  base::commit_all(out);
}

}  // namespace bertc
