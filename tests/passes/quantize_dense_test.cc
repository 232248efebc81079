// quantize_dense (--precision int8): bertc.Dense → bertc.DenseInt8, before / after.
#include <gtest/gtest.h>

#include "bertc/error.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;

TEST(QuantizeDense, DenseBecomesInt8WithItsBiasResidualAndActivation) {
  const ir::Graph before = testing::three_dense_layers();
  ir::Graph after = before;
  passes::quantize_dense(after, true, {}, true, {});
  ASSERT_EQ(testing::op_list(after), "DenseInt8,DenseInt8,DenseInt8");
  const ir::Node& first = after.nodes[0];
  EXPECT_EQ(first.attrs.get_int("activation"), 1);
  EXPECT_EQ(first.attrs.get_int("k"), 10);
  EXPECT_EQ(first.attrs.get_int("n"), 10);
  EXPECT_EQ(after.value(first.inputs[1]).data->dtype(), DType::kI8);
  EXPECT_EQ(after.value(first.inputs[1]).data->shape(), (Dims{ir::dense_int8_packed_size(10, 10)}));
  EXPECT_EQ(after.value(first.inputs[2]).data->shape(), (Dims{10}));
  EXPECT_EQ(after.nodes[1].inputs.size(), 5u);  // X, Wq, w_scale, bias, residual
  EXPECT_EQ(after.nodes[0].inputs[1], after.nodes[2].inputs[1]);  // the tied W quantized once
  EXPECT_EQ(after.nodes[0].name, before.nodes[0].name);
  // int8 error (weights within ±64, 7-bit activations): the output of three layers within a few
  // percent of its scale.
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({4, 10}, 4)}}, 0.15, 0.15);
}

TEST(QuantizeDense, NamedLayersStayFp32) {
  ir::Graph g = testing::three_dense_layers();
  const std::string second = g.nodes[1].name;
  passes::quantize_dense(g, true, {second}, true, {});
  EXPECT_EQ(testing::op_list(g), "DenseInt8,Dense,DenseInt8");
}

TEST(QuantizeDense, AnUnknownLayerNameFails) {
  ir::Graph g = testing::three_dense_layers();
  try {
    passes::quantize_dense(g, true, {"encoder.layer.99.output.dense"}, true, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'encoder.layer.99.output.dense' is not a Dense layer"), std::string::npos) << e.what();
  }
}

// x → LayerNorm with two outlier channels (gain and bias 50x) → Dense: smoothing moves the
// outliers into W (x_scale input, attr smoothed) and cuts the int8 error (about in half here).
TEST(QuantizeDense, LayerNormOutlierChannelsAreSmoothed) {
  const int64_t H = 64, N = 32;
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(H)});
  Tensor gamma = testing::random_tensor({H}, 11), beta = testing::random_tensor({H}, 12);
  for (int64_t k = 0; k < H; ++k) {
    gamma.data<float>()[k] = 1.0f + 0.1f * gamma.data<float>()[k];
    beta.data<float>()[k] *= 0.1f;
  }
  for (int64_t k : {5, 40}) gamma.data<float>()[k] *= 50.0f, beta.data<float>()[k] = 20.0f;
  ir::Attrs eps;
  eps.set("epsilon", 1e-5f);
  ir::ValueId ln = b.op(Op::LayerNorm, {x, b.constant("gamma", gamma), b.constant("beta", beta)}, eps);
  ir::ValueId y = b.op(Op::Dense, {ln, b.random("w", {H, N}), b.random("b", {N})}, {});
  const ir::Graph before = b.finish({y});
  const std::map<std::string, Tensor> inputs{{"x", testing::random_tensor({16, H}, 13)}};
  const auto want = testing::run_graph_ref(before, inputs).begin()->second;
  double error[2];
  for (bool smooth : {false, true}) {
    ir::Graph after = before;
    passes::quantize_dense(after, true, {}, smooth, {});
    const ir::Node& dense = *testing::find_op(after, Op::DenseInt8);
    EXPECT_EQ(dense.has_input(5), smooth);
    EXPECT_EQ(dense.attrs.get_int("smoothed", 0), smooth ? 1 : 0);
    error[smooth] = testing::max_diff(want, testing::run_graph_ref(after, inputs).begin()->second);
  }
  EXPECT_LT(error[1] * 1.5, error[0]) << "smoothed " << error[1] << ", plain " << error[0];
}

// Without outliers (gains near 1) nothing is smoothed.
TEST(QuantizeDense, NoOutliersNoSmoothing) {
  const int64_t H = 16;
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(H)});
  ir::Attrs eps;
  eps.set("epsilon", 1e-5f);
  Tensor ones = Tensor::empty(DType::kF32, {H});
  for (int64_t k = 0; k < H; ++k) ones.data<float>()[k] = 1.0f + 0.01f * static_cast<float>(k);
  ir::ValueId ln = b.op(Op::LayerNorm, {x, b.constant("gamma", ones), b.random("beta", {H})}, eps);
  ir::Graph g = b.finish({b.op(Op::Dense, {ln, b.random("w", {H, 8})}, {})});
  passes::quantize_dense(g, true, {}, true, {});
  EXPECT_FALSE(testing::find_op(g, Op::DenseInt8)->has_input(5));
}

}  // namespace
}  // namespace bertc
