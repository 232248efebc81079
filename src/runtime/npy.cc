#include "bertc/npy.h"

#include <cstring>
#include <fstream>
#include <regex>

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

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    throw Error(path + ": not a .npy file");
  }
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    uint8_t len[2];
    in.read(reinterpret_cast<char*>(len), 2);
    header_len = len[0] | (len[1] << 8);
  } else if (magic[6] == 2 || magic[6] == 3) {
    uint8_t len[4];
    in.read(reinterpret_cast<char*>(len), 4);
    header_len = len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<uint32_t>(len[3]) << 24);
  } else {
    throw Error(path + ": unsupported .npy format version " + std::to_string(magic[6]));
  }
  if (!in || header_len > (1u << 20)) throw Error(path + ": truncated or invalid .npy header");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) throw Error(path + ": truncated .npy header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) {
    throw Error(path + ": .npy header has no descr");
  }
  std::string descr = m[1];
  const NpyType* type = nullptr;
  for (const NpyType& t : kTypes) {
    if (descr == t.descr) type = &t;
  }
  if (!type) throw Error(path + ": unsupported .npy dtype '" + descr + "'");
  if (std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True"))) {
    throw Error(path + ": Fortran-order arrays are not supported; save a C-order array");
  }
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) {
    throw Error(path + ": .npy header has no shape");
  }
  Dims shape;
  std::string dims = m[1];
  std::regex num("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator();
       ++it) {
    shape.push_back(std::stoll(it->str()));
  }
  Tensor t = Tensor::empty(type->dtype, shape);
  if (!in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.nbytes()))) {
    throw Error(path + ": truncated .npy data (expected " + std::to_string(t.nbytes()) +
                " bytes for shape " + dims_str(shape) + ")");
  }
  return t;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  const char* descr = nullptr;
  for (const NpyType& t : kTypes) {
    if (t.dtype == tensor.dtype()) descr = t.descr;
  }
  std::string shape;
  for (int64_t d : tensor.shape()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  if (tensor.rank() == 1) shape += ",";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                       shape + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path + ": cannot open for writing");
  uint16_t len = static_cast<uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(len & 0xff));
  out.put(static_cast<char>(len >> 8));
  out << header;
  out.write(static_cast<const char*>(tensor.raw()), static_cast<std::streamsize>(tensor.nbytes()));
  if (!out.flush()) throw Error(path + ": write failed");
}

}  // namespace bertc
