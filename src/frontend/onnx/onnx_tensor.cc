// ONNX TensorProto → bertc::Tensor: dtype mapping, raw and typed storage, external data.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "base/checked_math.h"
#include "base/files.h"
#include "bertc/error.h"
#include "frontend/onnx/onnx_proto.h"

namespace bertc::frontend::onnx {
namespace {

namespace fs = std::filesystem;
using ::onnx::TensorProto;

std::string tensor_label(const TensorProto& proto) { return "tensor '" + proto.name() + "'"; }

// Parses a non-negative decimal integer from an external_data entry.
int64_t parse_external_int(const TensorProto& proto, const std::string& key,
                           const std::string& text) {
  size_t pos = 0;
  int64_t v = -1;
  try {
    v = std::stoll(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != text.size() || text.empty() || v < 0) {
    throw Error(tensor_label(proto) + ": external data '" + key + "' is '" + text +
                "', not a non-negative integer");
  }
  return v;
}

// Reads the tensor's `nbytes` bytes of external data; allocates only once the file is known
// to hold them.
Tensor read_external(const TensorProto& proto, const std::string& base_dir, DType dtype,
                     const Dims& dims, size_t nbytes) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset") {
      offset = parse_external_int(proto, "offset", entry.value());
    } else if (entry.key() == "length") {
      length = parse_external_int(proto, "length", entry.value());
    }  // "checksum" and unknown keys are ignored
  }
  if (location.empty()) {
    throw Error(tensor_label(proto) + ": external data has no 'location'");
  }
  fs::path rel = fs::path(location).lexically_normal();
  if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) {
    throw Error(tensor_label(proto) + ": external data location '" + location +
                "' is an absolute path; it must be relative to the model's folder");
  }
  if (!rel.empty() && *rel.begin() == "..") {
    throw Error(tensor_label(proto) + ": external data location '" + location +
                "' leaves the model's folder");
  }
  const fs::path folder = base_dir.empty() ? fs::path(".") : fs::path(base_dir);
  const fs::path file = folder / rel;
  const std::string where = tensor_label(proto) + ": external data file '" + file.string() + "'";
  base::InputFile in = [&] {
    try {
      return base::open_input_file(file.string());
    } catch (const Error& e) {
      throw Error(tensor_label(proto) + ": external data: " + e.what());
    }
  }();
  // The check that matters is on what was opened: a symlink (to the file or to a folder on the
  // way) must not reach outside the model's folder.
  std::error_code ec;
  const fs::path real_folder = fs::canonical(folder, ec);
  const fs::path opened = base::opened_path(in.fd);
  const fs::path inside = opened.lexically_relative(real_folder);
  if (ec || inside.empty() || *inside.begin() == "..") {
    throw Error(where + " resolves to '" + opened.string() +
                "', outside the model's folder (through a symbolic link); copy the data into "
                "the folder (cp -L)");
  }
  if (length >= 0 && static_cast<size_t>(length) != nbytes) {
    throw Error(tensor_label(proto) + ": external data length " + std::to_string(length) +
                " does not match the " + std::to_string(nbytes) + " bytes of its " +
                onnx_dtype_name(proto.data_type()) + " shape");
  }
  if (!base::span_within(static_cast<uint64_t>(offset), nbytes, in.size)) {
    throw Error(tensor_label(proto) + ": external data at offset " + std::to_string(offset) +
                " with length " + std::to_string(nbytes) + " runs past the end of '" +
                file.string() + "' (" + std::to_string(in.size) + " bytes)");
  }
  Tensor t = Tensor::empty(dtype, dims);
  char* dst = static_cast<char*>(t.raw());
  size_t done = 0;
  while (done < nbytes) {
    const ssize_t n = ::pread(in.fd.get(), dst + done, nbytes - done,
                              static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw Error(tensor_label(proto) + ": failed reading " + std::to_string(nbytes) +
                  " bytes at offset " + std::to_string(offset) + " of '" + file.string() + "'");
    }
    done += static_cast<size_t>(n);
  }
  return t;
}

template <typename Dst, typename Field>
void copy_typed(const Field& field, Tensor& t) {
  Dst* dst = t.data<Dst>();
  for (int i = 0; i < field.size(); ++i) {
    if constexpr (std::is_same_v<Dst, bool>) {
      dst[i] = field.Get(i) != 0;
    } else {
      dst[i] = static_cast<Dst>(field.Get(i));
    }
  }
}

}  // namespace

std::optional<DType> dtype_from_onnx(int32_t onnx_dtype) {
  switch (onnx_dtype) {
    case TensorProto::FLOAT:
      return DType::kF32;
    case TensorProto::DOUBLE:
      return DType::kF64;
    case TensorProto::INT8:
      return DType::kI8;
    case TensorProto::UINT8:
      return DType::kU8;
    case TensorProto::INT32:
      return DType::kI32;
    case TensorProto::INT64:
      return DType::kI64;
    case TensorProto::BOOL:
      return DType::kBool;
    default:
      return std::nullopt;
  }
}

std::string onnx_dtype_name(int32_t onnx_dtype) {
  switch (onnx_dtype) {
    case TensorProto::UNDEFINED:
      return "undefined";
    case TensorProto::FLOAT:
      return "float32";
    case TensorProto::UINT8:
      return "uint8";
    case TensorProto::INT8:
      return "int8";
    case TensorProto::UINT16:
      return "uint16";
    case TensorProto::INT16:
      return "int16";
    case TensorProto::INT32:
      return "int32";
    case TensorProto::INT64:
      return "int64";
    case TensorProto::STRING:
      return "string";
    case TensorProto::BOOL:
      return "bool";
    case TensorProto::FLOAT16:
      return "float16";
    case TensorProto::DOUBLE:
      return "float64";
    case TensorProto::UINT32:
      return "uint32";
    case TensorProto::UINT64:
      return "uint64";
    case TensorProto::COMPLEX64:
      return "complex64";
    case TensorProto::COMPLEX128:
      return "complex128";
    case TensorProto::BFLOAT16:
      return "bfloat16";
    default:
      return "dtype code " + std::to_string(onnx_dtype);
  }
}

Tensor tensor_from_onnx(const TensorProto& proto, const std::string& base_dir) {
  std::optional<DType> dtype = dtype_from_onnx(proto.data_type());
  if (!dtype) {
    throw Error(tensor_label(proto) + " has dtype " + onnx_dtype_name(proto.data_type()) +
                ", which bertc does not support (float32, float64, int8, uint8, int32, int64, "
                "bool)");
  }
  if (proto.has_segment()) {
    throw Error(tensor_label(proto) + " is segmented, which bertc does not support");
  }
  const Dims dims(proto.dims().begin(), proto.dims().end());
  const int64_t numel = base::checked_numel(dims, tensor_label(proto));
  const auto nbytes = static_cast<size_t>(numel) * dtype_size(*dtype);
  // Nothing is allocated before the data is known to be there: a shape is only a claim.
  if (proto.data_location() == TensorProto::EXTERNAL) {
    Tensor t = read_external(proto, base_dir, *dtype, dims, nbytes);
    if (*dtype == DType::kBool) {
      uint8_t* p = static_cast<uint8_t*>(t.raw());
      for (size_t i = 0; i < nbytes; ++i) p[i] = p[i] != 0;
    }
    return t;
  }
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != nbytes) {
      throw Error(tensor_label(proto) + ": raw_data holds " + std::to_string(raw.size()) +
                  " bytes, but " + onnx_dtype_name(proto.data_type()) + " " + dims_str(dims) +
                  " needs " + std::to_string(nbytes));
    }
    Tensor t = Tensor::empty(*dtype, dims);
    // x86-64 is little-endian, as is ONNX's raw_data.
    if (nbytes) std::memcpy(t.raw(), raw.data(), nbytes);
    if (*dtype == DType::kBool) {
      uint8_t* p = static_cast<uint8_t*>(t.raw());
      for (size_t i = 0; i < nbytes; ++i) p[i] = p[i] != 0;
    }
    return t;
  }

  int count = 0;
  const char* field = "";
  switch (*dtype) {
    case DType::kF32:
      count = proto.float_data_size();
      field = "float_data";
      break;
    case DType::kF64:
      count = proto.double_data_size();
      field = "double_data";
      break;
    case DType::kI64:
      count = proto.int64_data_size();
      field = "int64_data";
      break;
    case DType::kI32:
    case DType::kI8:
    case DType::kU8:
    case DType::kBool:
      count = proto.int32_data_size();
      field = "int32_data";
      break;
  }
  if (count != numel) {
    if (count == 0) {
      throw Error(tensor_label(proto) + " (" + onnx_dtype_name(proto.data_type()) + " " +
                  dims_str(dims) + ") has no data");
    }
    throw Error(tensor_label(proto) + ": " + field + " holds " + std::to_string(count) +
                " elements, but its shape " + dims_str(dims) + " needs " + std::to_string(numel));
  }
  Tensor t = Tensor::empty(*dtype, dims);
  switch (*dtype) {
    case DType::kF32:
      copy_typed<float>(proto.float_data(), t);
      break;
    case DType::kF64:
      copy_typed<double>(proto.double_data(), t);
      break;
    case DType::kI64:
      copy_typed<int64_t>(proto.int64_data(), t);
      break;
    case DType::kI32:
      copy_typed<int32_t>(proto.int32_data(), t);
      break;
    case DType::kI8:
      copy_typed<int8_t>(proto.int32_data(), t);
      break;
    case DType::kU8:
      copy_typed<uint8_t>(proto.int32_data(), t);
      break;
    case DType::kBool:
      copy_typed<bool>(proto.int32_data(), t);
      break;
  }
  return t;
}

}  // namespace bertc::frontend::onnx
