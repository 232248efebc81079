// Every op in ops.def has a name, a shape function and a reference kernel.
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

}  // namespace
}  // namespace bertc::ir
