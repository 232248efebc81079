// Small helpers that build ONNX ModelProtos in C++ for the importer tests.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

namespace bertc::test {

// A dim for make_value_info: a size (>= 0), a symbol, or (empty string) unknown.
struct DimSpec {
  DimSpec(int64_t v) : value(v) {}      // NOLINT(runtime/explicit)
  DimSpec(const char* s) : param(s) {}  // NOLINT(runtime/explicit)
  int64_t value = -1;
  std::string param;
};

inline onnx::ModelProto make_model(int64_t opset = 14) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("bertc-test");
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  m.mutable_graph()->set_name("test_graph");
  return m;
}

inline void set_value_info(onnx::ValueInfoProto* vi, const std::string& name, int32_t dtype,
                           std::initializer_list<DimSpec> dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtype);
  auto* shape = tt->mutable_shape();
  for (const DimSpec& d : dims) {
    auto* dim = shape->add_dim();
    if (d.value >= 0)
      dim->set_dim_value(d.value);
    else if (!d.param.empty())
      dim->set_dim_param(d.param);
  }
}

inline void add_input(onnx::ModelProto& m, const std::string& name, int32_t dtype,
                      std::initializer_list<DimSpec> dims) {
  set_value_info(m.mutable_graph()->add_input(), name, dtype, dims);
}

inline void add_output(onnx::ModelProto& m, const std::string& name,
                       int32_t dtype = onnx::TensorProto::FLOAT) {
  auto* vi = m.mutable_graph()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(dtype);
}

inline onnx::NodeProto* add_node(onnx::ModelProto& m, const std::string& op,
                                 std::vector<std::string> inputs, std::vector<std::string> outputs,
                                 const std::string& name = "", const std::string& domain = "") {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  n->set_domain(domain);
  for (auto& i : inputs) n->add_input(i);
  for (auto& o : outputs) n->add_output(o);
  return n;
}

inline void attr_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attr_float(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void attr_string(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void attr_ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void attr_floats(onnx::NodeProto* n, const std::string& name, std::vector<float> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}
inline void attr_tensor(onnx::NodeProto* n, const std::string& name, const onnx::TensorProto& t) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = t;
}

// Tensors in the typed-field forms.
inline onnx::TensorProto float_tensor(const std::string& name, std::vector<int64_t> dims,
                                      std::vector<float> v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  for (float x : v) t.add_float_data(x);
  return t;
}
inline onnx::TensorProto int64_tensor(const std::string& name, std::vector<int64_t> dims,
                                      std::vector<int64_t> v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t.add_dims(d);
  for (int64_t x : v) t.add_int64_data(x);
  return t;
}
// A tensor whose elements are stored little-endian in raw_data.
template <typename T>
onnx::TensorProto raw_tensor(const std::string& name, int32_t dtype, std::vector<int64_t> dims,
                             const std::vector<T>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(dtype);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
  return t;
}

inline void add_initializer(onnx::ModelProto& m, const onnx::TensorProto& t) {
  *m.mutable_graph()->add_initializer() = t;
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline void write_model(const onnx::ModelProto& m, const std::filesystem::path& path) {
  write_file(path, m.SerializeAsString());
}

// A fresh, empty temporary folder, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("bertc_onnx_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace bertc::test
