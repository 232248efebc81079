// ONNX importer: models built in C++, written to a temp folder, imported.
#include "frontend/onnx/onnx_importer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "../common/error_of.h"
#include "bertc/error.h"
#include "frontend/onnx/onnx_proto.h"
#include "onnx_builder.h"

namespace bertc {
namespace {

using testing::error_of;

using frontend::onnx::import_onnx;
using frontend::onnx::tensor_from_onnx;
using test::add_initializer;
using test::add_input;
using test::add_node;
using test::add_output;
using test::TempDir;
using test::write_model;
using ::testing::HasSubstr;
using TP = onnx::TensorProto;

// Imports `m` from a file in `dir` (so external data resolves next to it).
ir::Graph import_model(const onnx::ModelProto& m, const TempDir& dir,
                       const std::string& name = "model.onnx") {
  write_model(m, dir.path() / name);
  return import_onnx(dir.file(name));
}

const ir::Node* find_node(const ir::Graph& g, ir::Op op) {
  for (const ir::Node& n : g.nodes) {
    if (n.op == op) return &n;
  }
  return nullptr;
}

template <typename T>
std::vector<T> elements(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

TEST(OnnxImporter, SymbolicKnownAndUnknownDims) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "input_ids", TP::INT64, {"batch", "seq"});
  add_input(m, "x", TP::FLOAT, {"input_ids_dynamic_axes_1", 768, ""});
  add_node(m, "Identity", {"input_ids"}, {"ids_out"}, "ident");
  add_node(m, "Relu", {"x"}, {"y"});
  add_output(m, "ids_out", TP::INT64);
  add_output(m, "y");
  ir::Graph g = import_model(m, dir);

  ASSERT_EQ(g.inputs.size(), 2u);
  const ir::Value& ids = g.value(g.inputs[0]);
  EXPECT_EQ(ids.name, "input_ids");
  EXPECT_EQ(ids.type.dtype, DType::kI64);
  EXPECT_EQ(ir::shape_str(ids.type.shape), "[batch, seq]");
  const ir::Value& x = g.value(g.inputs[1]);
  EXPECT_EQ(x.type.dtype, DType::kF32);
  ASSERT_EQ(x.type.shape.size(), 3u);
  EXPECT_EQ(x.type.shape[0].symbol, "input_ids_dynamic_axes_1");
  EXPECT_EQ(x.type.shape[1].value, 768);
  EXPECT_FALSE(x.type.shape[2].is_known());
  EXPECT_TRUE(x.type.shape[2].symbol.empty());

  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "ids_out");
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[batch, seq]");
  EXPECT_EQ(g.value(g.outputs[1]).type.dtype, DType::kF32);
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[1]).type.shape), "[input_ids_dynamic_axes_1, 768, ?]");
  // Node names: the ONNX name, or OpType_N when empty.
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].name, "ident");
  EXPECT_EQ(g.nodes[1].name, "Relu_0");
}

TEST(OnnxImporter, InitializerListedAsInputIsAConstant) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {"batch", 3});
  add_input(m, "w", TP::FLOAT, {3});  // old exporters list initializers as inputs too
  add_initializer(m, test::float_tensor("w", {3}, {1.f, 2.f, 3.f}));
  add_node(m, "Add", {"x", "w"}, {"y"});
  add_output(m, "y");
  ir::Graph g = import_model(m, dir);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "x");
  ir::ValueId w = g.find_value("w");
  ASSERT_NE(w, ir::kNoValue);
  ASSERT_TRUE(g.value(w).is_constant());
  EXPECT_EQ(elements<float>(*g.value(w).data), (std::vector<float>{1.f, 2.f, 3.f}));
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[batch, 3]");
}

TEST(OnnxTensor, TypedFields) {
  Tensor f = tensor_from_onnx(test::float_tensor("f", {2, 2}, {1, 2, 3, 4}), "");
  EXPECT_EQ(f.dtype(), DType::kF32);
  EXPECT_EQ(f.shape(), (Dims{2, 2}));
  EXPECT_EQ(elements<float>(f), (std::vector<float>{1, 2, 3, 4}));

  Tensor i64 = tensor_from_onnx(test::int64_tensor("i", {3}, {-1, 0, int64_t{1} << 40}), "");
  EXPECT_EQ(elements<int64_t>(i64), (std::vector<int64_t>{-1, 0, int64_t{1} << 40}));

  TP d;
  d.set_name("d");
  d.set_data_type(TP::DOUBLE);
  d.add_dims(2);
  d.add_double_data(0.5);
  d.add_double_data(-1e300);
  EXPECT_EQ(elements<double>(tensor_from_onnx(d, "")), (std::vector<double>{0.5, -1e300}));

  // int32_data carries int32, int8, uint8 and bool.
  auto int32_field = [](int32_t dtype, std::vector<int32_t> v) {
    TP t;
    t.set_name("t");
    t.set_data_type(dtype);
    t.add_dims(static_cast<int64_t>(v.size()));
    for (int32_t x : v) t.add_int32_data(x);
    return t;
  };
  EXPECT_EQ(elements<int32_t>(tensor_from_onnx(int32_field(TP::INT32, {-7, 1 << 30}), "")),
            (std::vector<int32_t>{-7, 1 << 30}));
  EXPECT_EQ(elements<int8_t>(tensor_from_onnx(int32_field(TP::INT8, {-128, 127}), "")),
            (std::vector<int8_t>{-128, 127}));
  EXPECT_EQ(elements<uint8_t>(tensor_from_onnx(int32_field(TP::UINT8, {0, 255}), "")),
            (std::vector<uint8_t>{0, 255}));
  Tensor b = tensor_from_onnx(int32_field(TP::BOOL, {1, 0, 1}), "");
  EXPECT_EQ(b.dtype(), DType::kBool);
  EXPECT_EQ(elements<bool>(b), (std::vector<bool>{true, false, true}));

  // A scalar (no dims) and an empty tensor.
  Tensor s = tensor_from_onnx(test::float_tensor("s", {}, {2.5f}), "");
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.data<float>()[0], 2.5f);
  Tensor e = tensor_from_onnx(test::float_tensor("e", {0, 3}, {}), "");
  EXPECT_EQ(e.numel(), 0);
  EXPECT_EQ(e.shape(), (Dims{0, 3}));
}

TEST(OnnxTensor, RawData) {
  EXPECT_EQ(elements<float>(tensor_from_onnx(
                test::raw_tensor<float>("f", TP::FLOAT, {3}, {1.5f, -2.f, 3.f}), "")),
            (std::vector<float>{1.5f, -2.f, 3.f}));
  EXPECT_EQ(elements<double>(
                tensor_from_onnx(test::raw_tensor<double>("d", TP::DOUBLE, {1}, {0.25}), "")),
            (std::vector<double>{0.25}));
  EXPECT_EQ(elements<int64_t>(
                tensor_from_onnx(test::raw_tensor<int64_t>("i", TP::INT64, {2, 1}, {-5, 9}), "")),
            (std::vector<int64_t>{-5, 9}));
  EXPECT_EQ(elements<int32_t>(
                tensor_from_onnx(test::raw_tensor<int32_t>("i", TP::INT32, {2}, {-5, 9}), "")),
            (std::vector<int32_t>{-5, 9}));
  EXPECT_EQ(
      elements<int8_t>(tensor_from_onnx(test::raw_tensor<int8_t>("i", TP::INT8, {2}, {-5, 9}), "")),
      (std::vector<int8_t>{-5, 9}));
  EXPECT_EQ(elements<uint8_t>(
                tensor_from_onnx(test::raw_tensor<uint8_t>("i", TP::UINT8, {2}, {200, 9}), "")),
            (std::vector<uint8_t>{200, 9}));
  Tensor b = tensor_from_onnx(test::raw_tensor<uint8_t>("b", TP::BOOL, {3}, {0, 1, 7}), "");
  EXPECT_EQ(elements<bool>(b), (std::vector<bool>{false, true, true}));
  uint8_t byte = 0;
  std::memcpy(&byte, b.data<bool>() + 2, 1);
  EXPECT_EQ(byte, 1) << "bool bytes are normalized to 0/1";
}

TEST(OnnxTensor, Errors) {
  auto half = test::raw_tensor<uint16_t>("half_w", TP::FLOAT16, {2}, {0, 0});
  std::string msg = error_of([&] { tensor_from_onnx(half, ""); });
  EXPECT_THAT(msg, HasSubstr("half_w"));
  EXPECT_THAT(msg, HasSubstr("float16"));

  TP str;
  str.set_name("names");
  str.set_data_type(TP::STRING);
  str.add_dims(1);
  str.add_string_data("a");
  msg = error_of([&] { tensor_from_onnx(str, ""); });
  EXPECT_THAT(msg, HasSubstr("names"));
  EXPECT_THAT(msg, HasSubstr("string"));

  auto short_raw = test::raw_tensor<float>("short", TP::FLOAT, {4}, {1, 2, 3});
  msg = error_of([&] { tensor_from_onnx(short_raw, ""); });
  EXPECT_THAT(msg, HasSubstr("short"));
  EXPECT_THAT(msg, HasSubstr("12 bytes"));

  auto few = test::float_tensor("few", {2, 2}, {1, 2, 3});
  EXPECT_THAT(error_of([&] { tensor_from_onnx(few, ""); }), HasSubstr("few"));
  auto none = test::float_tensor("none", {2}, {});
  EXPECT_THAT(error_of([&] { tensor_from_onnx(none, ""); }), HasSubstr("no data"));
}

// Sets `t` to read `location` at `offset` (and `length` when >= 0) as external data.
void make_external(TP& t, const std::string& location, int64_t offset, int64_t length = -1) {
  t.clear_raw_data();
  t.clear_float_data();
  t.set_data_location(TP::EXTERNAL);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = t.add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  add("offset", std::to_string(offset));
  if (length >= 0) add("length", std::to_string(length));
}

TEST(OnnxImporter, ExternalData) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "weights");
  std::vector<float> w = {1.f, 2.f, 3.f, 4.f, 5.f, 6.f};
  std::string blob(16, '\0');  // 16 bytes of padding, then the tensor
  blob.append(reinterpret_cast<const char*>(w.data()), w.size() * 4);
  test::write_file(dir.path() / "weights" / "model.bin", blob);

  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {"batch", 3});
  TP t = test::float_tensor("W", {3, 2}, {});
  make_external(t, "weights/model.bin", 16, 24);
  add_initializer(m, t);
  add_node(m, "MatMul", {"x", "W"}, {"y"});
  add_output(m, "y");
  ir::Graph g = import_model(m, dir);
  const ir::Value& wv = g.value(g.find_value("W"));
  ASSERT_TRUE(wv.is_constant());
  EXPECT_EQ(elements<float>(*wv.data), w);
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[batch, 2]");

  // Without `length`, the tensor's own size is read.
  TP t2 = test::float_tensor("W2", {3, 2}, {});
  make_external(t2, "weights/model.bin", 16);
  EXPECT_EQ(elements<float>(tensor_from_onnx(t2, dir.path().string())), w);
}

TEST(OnnxImporter, ExternalDataErrors) {
  TempDir dir;
  std::vector<float> w(6, 1.f);
  test::write_file(dir.path() / "w.bin",
                   std::string(reinterpret_cast<const char*>(w.data()), w.size() * 4));
  auto try_import = [&](const std::string& location, int64_t offset, int64_t length) {
    onnx::ModelProto m = test::make_model(14);
    add_input(m, "x", TP::FLOAT, {2, 3});
    TP t = test::float_tensor("W_ext", {3, 2}, {});
    make_external(t, location, offset, length);
    add_initializer(m, t);
    add_node(m, "MatMul", {"x", "W_ext"}, {"y"});
    add_output(m, "y");
    return error_of([&] { import_model(m, dir); });
  };
  EXPECT_EQ(try_import("w.bin", 0, 24), "");

  std::string msg = try_import("missing.bin", 0, 24);
  EXPECT_THAT(msg, HasSubstr("model.onnx"));
  EXPECT_THAT(msg, HasSubstr("W_ext"));
  EXPECT_THAT(msg, HasSubstr("missing.bin"));

  msg = try_import("w.bin", 8, 24);  // runs past the end
  EXPECT_THAT(msg, HasSubstr("W_ext"));
  EXPECT_THAT(msg, HasSubstr("w.bin"));
  EXPECT_THAT(msg, HasSubstr("past the end"));

  msg = try_import("w.bin", 100, -1);  // offset beyond the file
  EXPECT_THAT(msg, HasSubstr("past the end"));

  msg = try_import("w.bin", 0, 20);  // length disagrees with the shape
  EXPECT_THAT(msg, HasSubstr("W_ext"));
  EXPECT_THAT(msg, HasSubstr("length 20"));

  msg = try_import((dir.path() / "w.bin").string(), 0, 24);
  EXPECT_THAT(msg, HasSubstr("W_ext"));
  EXPECT_THAT(msg, HasSubstr("absolute"));

  msg = try_import("../w.bin", 0, 24);
  EXPECT_THAT(msg, HasSubstr("W_ext"));
  EXPECT_THAT(msg, HasSubstr("leaves the model's folder"));
  msg = try_import("sub/../../w.bin", 0, 24);
  EXPECT_THAT(msg, HasSubstr("leaves the model's folder"));
}

TEST(OnnxImporter, ConstantNodesBecomeConstants) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {"batch", 2});
  auto* c1 = add_node(m, "Constant", {}, {"c_tensor"});
  test::attr_tensor(c1, "value", test::float_tensor("", {2}, {10.f, 20.f}));
  auto* c2 = add_node(m, "Constant", {}, {"c_float"});
  test::attr_float(c2, "value_float", 0.5f);
  auto* c3 = add_node(m, "Constant", {}, {"c_ints"});
  test::attr_ints(c3, "value_ints", {1, -1});
  auto* c4 = add_node(m, "Constant", {}, {"c_int"});
  test::attr_int(c4, "value_int", 7);
  auto* c5 = add_node(m, "Constant", {}, {"c_floats"});
  test::attr_floats(c5, "value_floats", {1.f, 2.f});
  add_node(m, "Add", {"x", "c_tensor"}, {"a"});
  add_node(m, "Mul", {"a", "c_float"}, {"b"});
  add_node(m, "Reshape", {"b", "c_ints"}, {"y"});
  add_output(m, "y");
  ir::Graph g = import_model(m, dir);

  for (const ir::Node& n : g.nodes) EXPECT_NE(n.op, ir::Op::Constant);
  EXPECT_EQ(g.nodes.size(), 3u);
  auto constant = [&](const char* name) -> const Tensor& {
    ir::ValueId id = g.find_value(name);
    EXPECT_NE(id, ir::kNoValue) << name;
    EXPECT_TRUE(g.value(id).is_constant()) << name;
    return *g.value(id).data;
  };
  EXPECT_EQ(elements<float>(constant("c_tensor")), (std::vector<float>{10.f, 20.f}));
  const Tensor& cf = constant("c_float");
  EXPECT_EQ(cf.rank(), 0);
  EXPECT_EQ(cf.data<float>()[0], 0.5f);
  EXPECT_EQ(elements<int64_t>(constant("c_ints")), (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(constant("c_int").dtype(), DType::kI64);
  EXPECT_EQ(constant("c_int").rank(), 0);
  EXPECT_EQ(constant("c_floats").shape(), (Dims{2}));
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[1, ?]");
}

TEST(OnnxImporter, AttributesConvert) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "a", TP::FLOAT, {4, 3});
  add_input(m, "b", TP::FLOAT, {5, 4});
  add_input(m, "shape", TP::INT64, {2});
  auto* gemm = add_node(m, "Gemm", {"a", "b"}, {"g"}, "gemm");
  test::attr_float(gemm, "alpha", 0.25f);
  test::attr_int(gemm, "transA", 1);
  test::attr_int(gemm, "transB", 1);
  test::attr_string(gemm, "note", "hello");
  test::attr_floats(gemm, "bertc_test_floats", {1.5f, 2.5f});
  auto* tr = add_node(m, "Transpose", {"g"}, {"t"}, "transpose");
  test::attr_ints(tr, "perm", {1, 0});
  auto* cos = add_node(m, "ConstantOfShape", {"shape"}, {"c"}, "fill");
  onnx::TensorProto v = test::raw_tensor<int32_t>("", TP::INT32, {1}, {3});
  test::attr_tensor(cos, "value", v);
  add_output(m, "t");
  add_output(m, "c", TP::INT32);
  ir::Graph g = import_model(m, dir);

  const ir::Node* n = find_node(g, ir::Op::Gemm);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->attrs.get_float("alpha"), 0.25f);
  EXPECT_EQ(n->attrs.get_int("transA"), 1);
  EXPECT_EQ(n->attrs.get_string("note"), "hello");
  EXPECT_EQ(n->attrs.get_floats("bertc_test_floats"), (std::vector<float>{1.5f, 2.5f}));
  EXPECT_EQ(find_node(g, ir::Op::Transpose)->attrs.get_ints("perm"), (std::vector<int64_t>{1, 0}));
  const Tensor& value = find_node(g, ir::Op::ConstantOfShape)->attrs.get_tensor("value");
  EXPECT_EQ(value.dtype(), DType::kI32);
  EXPECT_EQ(value.data<int32_t>()[0], 3);
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[5, 3]");
  EXPECT_EQ(g.value(g.outputs[1]).type.dtype, DType::kI32);
}

TEST(OnnxImporter, UnsupportedAttributeTypeNamesNodeAndAttribute) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {2});
  auto* n = add_node(m, "Relu", {"x"}, {"y"}, "act");
  auto* a = n->add_attribute();
  a->set_name("labels");
  a->set_type(onnx::AttributeProto::STRINGS);
  a->add_strings("a");
  add_output(m, "y");
  std::string msg = error_of([&] { import_model(m, dir); });
  EXPECT_THAT(msg, HasSubstr("'act'"));
  EXPECT_THAT(msg, HasSubstr("labels"));
  EXPECT_THAT(msg, HasSubstr("STRINGS"));
}

TEST(OnnxImporter, Opset11AxesAndSplitBecomeInputs) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(11);
  add_input(m, "x", TP::FLOAT, {"batch", 1, 6});
  auto* sq = add_node(m, "Squeeze", {"x"}, {"s"}, "sq");
  test::attr_ints(sq, "axes", {1});
  auto* un = add_node(m, "Unsqueeze", {"s"}, {"u"}, "un");
  test::attr_ints(un, "axes", {0, 3});
  auto* sp = add_node(m, "Split", {"s"}, {"p0", "p1"}, "sp");
  test::attr_int(sp, "axis", 1);
  test::attr_ints(sp, "split", {2, 4});
  auto* sm = add_node(m, "Softmax", {"x"}, {"sm"}, "softmax");
  (void)sm;
  add_output(m, "u");
  add_output(m, "p0");
  add_output(m, "p1");
  add_output(m, "sm");
  ir::Graph g = import_model(m, dir);

  auto const_input = [&](ir::Op op) {
    const ir::Node* n = find_node(g, op);
    EXPECT_NE(n, nullptr);
    EXPECT_FALSE(n->attrs.has(op == ir::Op::Split ? "split" : "axes"));
    EXPECT_TRUE(n->has_input(1));
    const ir::Value& v = g.value(n->inputs[1]);
    EXPECT_TRUE(v.is_constant());
    EXPECT_EQ(v.data->dtype(), DType::kI64);
    return v.data->to_int64_vector();
  };
  EXPECT_EQ(const_input(ir::Op::Squeeze), (std::vector<int64_t>{1}));
  EXPECT_EQ(const_input(ir::Op::Unsqueeze), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(const_input(ir::Op::Split), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[1, batch, 6, 1]");
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[1]).type.shape), "[batch, 2]");
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[2]).type.shape), "[batch, 4]");

  const ir::Node* softmax = find_node(g, ir::Op::Softmax);
  EXPECT_EQ(softmax->attrs.get_int("bertc_coerce_2d"), 1);
  EXPECT_EQ(softmax->attrs.get_int("axis"), 1);  // the opset < 13 default, made explicit
}

TEST(OnnxImporter, Opset13SoftmaxAndSqueezeStayAsIs) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(13);
  add_input(m, "x", TP::FLOAT, {"batch", 1, 6});
  add_initializer(m, test::int64_tensor("axes", {1}, {1}));
  add_node(m, "Squeeze", {"x", "axes"}, {"s"});
  add_node(m, "Softmax", {"x"}, {"sm"});
  add_output(m, "s");
  add_output(m, "sm");
  ir::Graph g = import_model(m, dir);
  EXPECT_EQ(g.value(find_node(g, ir::Op::Squeeze)->inputs[1]).name, "axes");
  const ir::Node* softmax = find_node(g, ir::Op::Softmax);
  EXPECT_FALSE(softmax->attrs.has("bertc_coerce_2d"));
  EXPECT_FALSE(softmax->attrs.has("axis"));
}

TEST(OnnxImporter, Opset9SliceAttributesBecomeInputs) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(9);
  add_input(m, "x", TP::FLOAT, {4, 10});
  auto* sl = add_node(m, "Slice", {"x"}, {"y"});
  test::attr_ints(sl, "starts", {2});
  test::attr_ints(sl, "ends", {8});
  test::attr_ints(sl, "axes", {1});
  add_output(m, "y");
  ir::Graph g = import_model(m, dir);
  const ir::Node* n = find_node(g, ir::Op::Slice);
  ASSERT_EQ(n->inputs.size(), 4u);
  EXPECT_EQ(g.value(n->inputs[1]).data->to_int64_vector(), (std::vector<int64_t>{2}));
  EXPECT_EQ(g.value(n->inputs[2]).data->to_int64_vector(), (std::vector<int64_t>{8}));
  EXPECT_EQ(g.value(n->inputs[3]).data->to_int64_vector(), (std::vector<int64_t>{1}));
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[4, 6]");
}

TEST(OnnxImporter, CastTargetBecomesBertcDType) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::INT64, {"batch"});
  auto* c = add_node(m, "Cast", {"x"}, {"y"}, "to_float");
  test::attr_int(c, "to", TP::FLOAT);
  auto* c2 = add_node(m, "Cast", {"x"}, {"z"}, "to_bool");
  test::attr_int(c2, "to", TP::BOOL);
  add_output(m, "y");
  add_output(m, "z", TP::BOOL);
  ir::Graph g = import_model(m, dir);
  EXPECT_EQ(g.nodes[0].attrs.get_int("to"), static_cast<int64_t>(DType::kF32));
  EXPECT_EQ(g.nodes[1].attrs.get_int("to"), static_cast<int64_t>(DType::kBool));
  EXPECT_EQ(g.value(g.outputs[0]).type.dtype, DType::kF32);
  EXPECT_EQ(g.value(g.outputs[1]).type.dtype, DType::kBool);

  onnx::ModelProto bad = test::make_model(14);
  add_input(bad, "x", TP::FLOAT, {2});
  auto* h = add_node(bad, "Cast", {"x"}, {"y"}, "to_half");
  test::attr_int(h, "to", TP::FLOAT16);
  add_output(bad, "y", TP::FLOAT16);
  std::string msg = error_of([&] { import_model(bad, dir); });
  EXPECT_THAT(msg, HasSubstr("to_half"));
  EXPECT_THAT(msg, HasSubstr("float16"));
}

TEST(OnnxImporter, AllUnsupportedOpsInOneMessage) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {2});
  add_node(m, "Foo", {"x"}, {"a"});
  add_node(m, "Relu", {"a"}, {"b"});
  add_node(m, "Bar", {"b"}, {"c"});
  add_node(m, "Foo", {"c"}, {"d"});
  add_node(m, "Attention", {"d"}, {"e"}, "", "com.microsoft");
  add_output(m, "e");
  std::string msg = error_of([&] { import_model(m, dir, "mine.onnx"); });
  EXPECT_THAT(msg, HasSubstr("mine.onnx: unsupported ops: Foo (2 nodes), Bar (1 node), "
                             "com.microsoft.Attention (1 node)"));
}

TEST(OnnxImporter, OpsetLimits) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(18);
  add_input(m, "x", TP::FLOAT, {2});
  add_node(m, "Relu", {"x"}, {"y"});
  add_output(m, "y");
  EXPECT_THAT(error_of([&] { import_model(m, dir); }), HasSubstr("opset 18"));

  onnx::ModelProto old = test::make_model(6);
  add_input(old, "x", TP::FLOAT, {2});
  add_node(old, "Add", {"x", "x"}, {"y"});
  add_node(old, "Relu", {"y"}, {"z"});
  add_output(old, "z");
  EXPECT_THAT(error_of([&] { import_model(old, dir); }),
              HasSubstr("unsupported ops: Add at opset 6 (supported from opset 7) (1 node)"));
}

TEST(OnnxImporter, OptionalInputsAndOutputs) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {10, "batch"});
  add_initializer(m, test::int64_tensor("starts", {1}, {1}));
  add_initializer(m, test::int64_tensor("ends", {1}, {9}));
  add_initializer(m, test::int64_tensor("steps", {1}, {2}));
  add_node(m, "Slice", {"x", "starts", "ends", "", "steps"}, {"s"});  // axes omitted
  add_node(m, "Dropout", {"s", ""}, {"y", ""});                       // mask not requested
  add_output(m, "y");
  ir::Graph g = import_model(m, dir);
  const ir::Node* slice = find_node(g, ir::Op::Slice);
  ASSERT_EQ(slice->inputs.size(), 5u);
  EXPECT_EQ(slice->inputs[3], ir::kNoValue);
  EXPECT_FALSE(slice->has_input(3));
  EXPECT_TRUE(slice->has_input(4));
  const ir::Node* dropout = find_node(g, ir::Op::Dropout);
  EXPECT_EQ(dropout->inputs.size(), 1u);  // trailing omitted inputs are dropped
  ASSERT_EQ(dropout->outputs.size(), 2u);
  const ir::Value& mask = g.value(dropout->outputs[1]);
  EXPECT_FALSE(mask.name.empty());
  EXPECT_NE(mask.name, "y");
  EXPECT_EQ(ir::shape_str(g.value(g.outputs[0]).type.shape), "[4, batch]");  // axes default 0
}

TEST(OnnxImporter, NodesAreSortedTopologically) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {2});
  add_node(m, "Relu", {"a"}, {"b"}, "second");
  add_node(m, "Neg", {"x"}, {"a"}, "first");
  add_output(m, "b");
  ir::Graph g = import_model(m, dir);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].name, "first");
  EXPECT_EQ(g.nodes[1].name, "second");
}

TEST(OnnxImporter, UndefinedValuesAreReported) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {2});
  add_node(m, "Add", {"x", "ghost"}, {"y"}, "adder");
  add_output(m, "y");
  std::string msg = error_of([&] { import_model(m, dir); });
  EXPECT_THAT(msg, HasSubstr("model.onnx"));
  EXPECT_THAT(msg, HasSubstr("'adder'"));
  EXPECT_THAT(msg, HasSubstr("'ghost'"));

  onnx::ModelProto m2 = test::make_model(14);
  add_input(m2, "x", TP::FLOAT, {2});
  add_node(m2, "Relu", {"x"}, {"y"});
  add_output(m2, "nowhere");
  msg = error_of([&] { import_model(m2, dir); });
  EXPECT_THAT(msg, HasSubstr("graph output 'nowhere'"));

  onnx::ModelProto m3 = test::make_model(14);
  add_input(m3, "x", TP::FLOAT, {2});
  add_node(m3, "Relu", {"x"}, {"y"}, "r1");
  add_node(m3, "Neg", {"x"}, {"y"}, "r2");
  add_output(m3, "y");
  msg = error_of([&] { import_model(m3, dir); });
  EXPECT_THAT(msg, HasSubstr("'r2'"));
  EXPECT_THAT(msg, HasSubstr("'y'"));
}

TEST(OnnxImporter, UnsupportedInputDType) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "half_in", TP::FLOAT16, {2});
  add_node(m, "Relu", {"half_in"}, {"y"});
  add_output(m, "y", TP::FLOAT16);
  std::string msg = error_of([&] { import_model(m, dir); });
  EXPECT_THAT(msg, HasSubstr("half_in"));
  EXPECT_THAT(msg, HasSubstr("float16"));
}

TEST(OnnxImporter, UnsupportedInitializerDType) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {2});
  add_initializer(m, test::raw_tensor<uint16_t>("bias16", TP::FLOAT16, {2}, {0, 0}));
  add_node(m, "Add", {"x", "bias16"}, {"y"});
  add_output(m, "y");
  std::string msg = error_of([&] { import_model(m, dir); });
  EXPECT_THAT(msg, HasSubstr("bias16"));
  EXPECT_THAT(msg, HasSubstr("float16"));
}

TEST(OnnxImporter, MissingFile) {
  TempDir dir;
  std::string path = dir.file("nope.onnx");
  std::string msg = error_of([&] { import_onnx(path); });
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("No such file"));
  msg = error_of([&] { import_onnx(dir.path().string()); });
  EXPECT_THAT(msg, HasSubstr("not a regular file"));
}

TEST(OnnxImporter, TruncatedFile) {
  TempDir dir;
  onnx::ModelProto m = test::make_model(14);
  add_input(m, "x", TP::FLOAT, {"batch", 64});
  add_initializer(m,
                  test::raw_tensor<float>("W", TP::FLOAT, {64, 64}, std::vector<float>(4096, 1.f)));
  add_node(m, "MatMul", {"x", "W"}, {"y"});
  add_output(m, "y");
  std::string bytes = m.SerializeAsString();
  ASSERT_EQ(error_of([&] { import_model(m, dir); }), "");
  // Cut in many places; every one must give an error naming the file, never a crash.
  for (size_t cut : {size_t{1}, size_t{7}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    std::string path = dir.file("cut.onnx");
    test::write_file(path, bytes.substr(0, cut));
    std::string msg = error_of([&] { import_onnx(path); });
    EXPECT_THAT(msg, HasSubstr("cut.onnx")) << "cut at " << cut;
  }
}

TEST(OnnxImporter, GarbageAndEmptyFiles) {
  TempDir dir;
  std::string path = dir.file("garbage.onnx");
  std::mt19937 rng(42);
  for (int trial = 0; trial < 20; ++trial) {
    std::string bytes(1000 + trial * 37, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    test::write_file(path, bytes);
    EXPECT_THAT(error_of([&] { import_onnx(path); }), HasSubstr("garbage.onnx"));
  }
  test::write_file(path, "this is a text file, not a model\n");
  EXPECT_THAT(error_of([&] { import_onnx(path); }), HasSubstr("garbage.onnx"));
  test::write_file(path, "");
  EXPECT_THAT(error_of([&] { import_onnx(path); }), HasSubstr("not an ONNX model"));
}

}  // namespace
}  // namespace bertc
