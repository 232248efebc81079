// dequantize_gathered_tables: DequantizeLinear of a Gather from a constant int8 table → a Gather
// from the dequantized table; before / after.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;

// DequantizeLinear(Gather(table uint8 [7, 4], ids), scale, zero point); the scale per tensor, or
// per column (axis 2 of the gathered rows) when `per_axis`.
ir::Graph gathered_table(bool per_axis) {
  Builder b;
  ir::ValueId ids = b.input("ids", DType::kI64, {Dim::sym("batch"), Dim::sym("seq")});
  std::vector<uint8_t> table(28);
  for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<uint8_t>((i * 53) % 256);
  ir::ValueId rows = b.op(Op::Gather, {b.constant("table_quantized", Tensor::from_vector<uint8_t>(table, {7, 4})), ids});
  const Dims param_dims = per_axis ? Dims{4} : Dims{};
  ir::Attrs axis;
  if (per_axis) axis.set("axis", int64_t{2});
  ir::ValueId y = b.op(Op::DequantizeLinear,
                       {rows, b.constant("scale", Tensor::from_vector<float>(std::vector<float>(per_axis ? 4 : 1, 0.02f), param_dims)),
                        b.constant("zero_point", Tensor::from_vector<uint8_t>(std::vector<uint8_t>(per_axis ? 4 : 1, 100), param_dims))},
                       axis);
  return b.finish({b.op(Op::Add, {y, b.random("bias", {4})})});
}

TEST(DequantizeGatheredTables, DequantizesTheTableThenGathers) {
  const ir::Graph before = gathered_table(false);
  ir::Graph after = before;
  passes::dequantize_gathered_tables(after);
  EXPECT_EQ(testing::op_list(after), "DequantizeLinear,Gather,Add");
  EXPECT_EQ(testing::find_op(after, Op::Gather)->inputs[0], testing::find_op(after, Op::DequantizeLinear)->outputs[0]);
  const Tensor ids = Tensor::from_vector<int64_t>({0, 6, 3, -1, 2, 5}, {2, 3});
  testing::expect_same_outputs(before, after, {{"ids", ids}}, 0.0, 0.0);  // exact
  passes::fold_constants(after);  // the table becomes fp32
  EXPECT_EQ(testing::op_list(after), "Gather,Add");
  testing::expect_same_outputs(before, after, {{"ids", ids}}, 0.0, 0.0);
}

TEST(DequantizeGatheredTables, LeavesPerAxisScalesAlone) {
  ir::Graph g = gathered_table(true);
  const std::string ops = testing::op_list(g);
  passes::dequantize_gathered_tables(g);
  EXPECT_EQ(testing::op_list(g), ops);
}

}  // namespace
}  // namespace bertc
