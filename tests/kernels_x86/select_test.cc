// Kernel selection (kernels::x86::select_kernel) and lowering (runtime::lower): the optimized kernel of
// the active ISA where one applies, the reference kernel elsewhere, and BERTC_VERBOSE's report.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "runtime/program.h"
#include "x86_test_util.h"

namespace bertc::testing {
namespace {

std::string expected_name(const char* base) {
  const cpu::Isa isa = cpu::active_isa();
  if (isa == cpu::Isa::kRef) return "ref";
  return std::string(base) + "_" + cpu::isa_name(isa);
}

// x -> LayerNorm -> Attention-free little graph: LayerNorm(x) + x, then Dense with a non-constant
// W (refused), then Softmax over axis 0 (refused).
TEST(Lower, PicksX86KernelsAndFallsBackToReference) {
  setenv("BERTC_VERBOSE", "1", 1);  // read once, at the first lower() of this process
  ir::Graph g;
  const ir::TypeInfo f32_2x8{DType::kF32, {ir::Dim::sym("batch"), ir::Dim::known(8)}};
  ir::ValueId x = g.add_input("x", f32_2x8);
  ir::ValueId w = g.add_input("w_not_constant", {DType::kF32, {ir::Dim::known(8), ir::Dim::known(8)}});
  ir::ValueId gamma = g.add_constant("gamma", random_f32({8}, 1));
  ir::ValueId beta = g.add_constant("beta", random_f32({8}, 2));
  ir::ValueId ln = g.add_value("ln", f32_2x8);
  ir::ValueId sum = g.add_value("sum", f32_2x8);
  ir::ValueId dense = g.add_value("dense", f32_2x8);
  ir::ValueId sm = g.add_value("sm", f32_2x8);
  ir::Attrs ln_attrs;
  ln_attrs.set("epsilon", 1e-6f);
  g.add_node(ir::Op::LayerNorm, "ln_node", {x, gamma, beta}, {ln}, ln_attrs);
  g.add_node(ir::Op::Add, "add_node", {ln, x}, {sum});
  g.add_node(ir::Op::Dense, "dense_node", {sum, w}, {dense});
  ir::Attrs sm_attrs;
  sm_attrs.set("axis", int64_t{0});
  g.add_node(ir::Op::Softmax, "softmax_node", {dense}, {sm}, sm_attrs);
  g.outputs = {sm};

  ::testing::internal::CaptureStderr();
  runtime::Program p = runtime::lower(g);
  const std::string log = ::testing::internal::GetCapturedStderr();

  ASSERT_EQ(p.kernels.size(), 4u);
  EXPECT_EQ(p.kernels[0].name, expected_name("f32_layer_norm"));
  EXPECT_EQ(p.kernels[1].name, std::string("ref"));
  EXPECT_EQ(p.kernels[2].name, std::string("ref"));
  EXPECT_EQ(p.kernels[3].name, std::string("ref"));
  if (cpu::active_isa() != cpu::Isa::kRef) {
    EXPECT_TRUE(p.kernels[0].inplace_ok);
    ASSERT_NE(p.kernels[0].attrs, nullptr);
    EXPECT_EQ(p.kernels[0].attrs->label, "node 'ln_node' (bertc.LayerNorm)");
    EXPECT_NE(log.find("node 'ln_node' (bertc.LayerNorm) -> " + expected_name("f32_layer_norm")),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("node 'dense_node' (bertc.Dense): x86 refused: " +
                       expected_name("f32_dense_gemm") + ": W is not a constant"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("node 'softmax_node' (Softmax): x86 refused"), std::string::npos) << log;
  }
  EXPECT_NE(log.find("node 'add_node' (Add) -> ref"), std::string::npos) << log;
}

class SelectIsaTest : public ::testing::TestWithParam<cpu::Isa> {};

TEST_P(SelectIsaTest, NamesSayOpAndIsa) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor qkv = random_f32({1, 4, 48}, 1);
  Tensor bias = random_f32({1, 4}, 2);
  ir::Attrs attrs;
  attrs.set("num_heads", int64_t{2});
  attrs.set("scale", 0.25f);
  OneNode n(ir::Op::Attention, {&qkv, &bias}, {}, attrs);
  kernels::KernelChoice c = n.choose(isa);
  EXPECT_EQ(std::string(c.name), std::string("f32_attention_") + cpu::isa_name(isa));
  EXPECT_FALSE(c.inplace_ok);
}

TEST_P(SelectIsaTest, NonFloatInputIsRefused) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = Tensor::empty(DType::kF64, {2, 8});
  Tensor gamma = random_f32({8}, 1);
  OneNode n(ir::Op::LayerNorm, {&x, &gamma, &gamma}, {}, {});
  kernels::KernelChoice c = n.choose(isa);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_NE(c.refused.find("float64, not float32"), std::string::npos) << c.refused;
}

INSTANTIATE_TEST_SUITE_P(Isa, SelectIsaTest, ::testing::ValuesIn(x86_isas()), isa_param_name);

}  // namespace
}  // namespace bertc::testing

namespace bertc::testing {
namespace {

// -O0 runs the reference kernels: lower(graph, reference_only) picks no optimized kernel.
TEST(Lower, ReferenceOnlyPicksReferenceKernels) {
  ir::Graph g;
  const ir::TypeInfo f32{DType::kF32, {ir::Dim::sym("batch"), ir::Dim::known(8)}};
  ir::ValueId x = g.add_input("x", f32);
  ir::ValueId gamma = g.add_constant("gamma", random_f32({8}, 1));
  ir::ValueId beta = g.add_constant("beta", random_f32({8}, 2));
  ir::ValueId ln = g.add_value("ln", f32);
  ir::Attrs attrs;
  attrs.set("epsilon", 1e-6f);
  g.add_node(ir::Op::LayerNorm, "ln_node", {x, gamma, beta}, {ln}, attrs);
  g.outputs = {ln};
  const runtime::Program p = runtime::lower(g, true);
  ASSERT_EQ(p.kernels.size(), 1u);
  EXPECT_EQ(p.kernels[0].name, std::string("ref"));
  EXPECT_EQ(p.kernels[0].fn, kernels::ref::kernel(ir::Op::LayerNorm).fn);
}

}  // namespace
}  // namespace bertc::testing
