// convert_dense_bf16 (--precision bf16): bertc.Dense → bertc.DenseBf16, before / after.
#include <gtest/gtest.h>

#include "bertc/error.h"
#include "ir/bf16.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

TEST(ConvertDenseBf16, DenseBecomesBf16WithItsBiasResidualAndActivation) {
  const ir::Graph before = testing::three_dense_layers();
  ir::Graph after = before;
  passes::convert_dense_bf16(after, {});
  ASSERT_EQ(testing::op_list(after), "DenseBf16,DenseBf16,DenseBf16");
  const ir::Node& first = after.nodes[0];
  EXPECT_EQ(first.attrs.get_int("activation"), 1);
  EXPECT_EQ(first.attrs.get_int("k"), 10);
  EXPECT_EQ(first.attrs.get_int("n"), 10);
  const Tensor& wb = *after.value(first.inputs[1]).data;
  EXPECT_EQ(wb.dtype(), DType::kI32);
  EXPECT_EQ(wb.shape(), (Dims{ir::dense_bf16_packed_size(10, 10)}));
  // W(3, 4) rounded, in the high half of its k-pair (k = 3 is odd).
  const Tensor& w = *before.value(before.nodes[0].inputs[1]).data;
  const uint32_t unit =
      static_cast<uint32_t>(wb.data<int32_t>()[ir::dense_bf16_packed_index(10, 3, 4)]);
  EXPECT_EQ(unit >> 16, ir::f32_to_bf16(w.data<float>()[3 * 10 + 4]));
  EXPECT_EQ(after.nodes[1].inputs.size(), 4u);                    // X, Wb, bias, residual
  EXPECT_EQ(after.nodes[0].inputs[1], after.nodes[2].inputs[1]);  // the tied W converted once
  EXPECT_EQ(after.nodes[0].name, before.nodes[0].name);
  // bf16 rounding (up to 2^-9 relative, per input and weight) through three layers whose
  // outputs are a few units: within about 1% of them.
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({4, 10}, 4)}}, 0.06,
                               0.06);
}

TEST(ConvertDenseBf16, NamedLayersStayFp32) {
  ir::Graph g = testing::three_dense_layers();
  const std::string second = g.nodes[1].name;
  passes::convert_dense_bf16(g, {second});
  EXPECT_EQ(testing::op_list(g), "DenseBf16,Dense,DenseBf16");
}

TEST(ConvertDenseBf16, AnUnknownLayerNameFails) {
  ir::Graph g = testing::three_dense_layers();
  try {
    passes::convert_dense_bf16(g, {"encoder.layer.99.output.dense"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'encoder.layer.99.output.dense' is not a Dense layer"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace bertc
