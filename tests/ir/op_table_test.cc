// ops.def: every op has a name that maps back to it, a shape function and a reference kernel,
// and only Shape and Size read nothing but shapes.
#include <gtest/gtest.h>

#include "ir/op.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::ir {
namespace {

TEST(OpTable, EveryOpHasShapeFunctionAndReferenceKernel) {
  for (int i = 0; i < kNumOps; ++i) {
    Op op = static_cast<Op>(i);
    std::string name(op_name(op));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(op_from_name(name), op) << name;
    EXPECT_NE(shape_fn(op), nullptr) << name << " has no shape function";
    EXPECT_NE(kernels::ref::kernel(op).fn, nullptr) << name << " has no reference kernel";
  }
  EXPECT_FALSE(op_from_name("NoSuchOp").has_value());
}

TEST(OpTable, OnlyShapeAndSizeReadOnlyShapes) {
  for (int i = 0; i < kNumOps; ++i) {
    const Op op = static_cast<Op>(i);
    EXPECT_EQ(op_reads_only_shapes(op), op == Op::Shape || op == Op::Size) << op_name(op);
  }
}

}  // namespace
}  // namespace bertc::ir
