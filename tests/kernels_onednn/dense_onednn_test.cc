// f32_dense_onednn (bertc.Dense on oneDNN's matmul, `--gemm onednn`) against the reference
// kernel: every activation, with and without bias and residual, odd shapes, 1 and 2 threads,
// and several token counts through one kernel state (one primitive per M, weights reordered
// once per layout).
#include "kernels/onednn/dense_onednn.h"

#include <gtest/gtest.h>

#include <tuple>

#include "../kernels_x86/x86_test_util.h"

namespace bertc::testing {
namespace {

// activation, K, N
using Param = std::tuple<int64_t, int64_t, int64_t>;

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  return "act" + std::to_string(std::get<0>(info.param)) + "_K" +
         std::to_string(std::get<1>(info.param)) + "_N" + std::to_string(std::get<2>(info.param));
}

class DenseOnednnTest : public ::testing::TestWithParam<Param> {};

TEST_P(DenseOnednnTest, MatchesReference) {
  const auto [act, K, N] = GetParam();
  cpu::ThreadPool pool2(2);
  const uint32_t seed = static_cast<uint32_t>(act * 1000 + K * 10 + N);
  Tensor w = random_f32({K, N}, seed + 1, -0.5f, 0.5f);
  Tensor bias = random_f32({N}, seed + 2);
  for (int variant = 0; variant < 4; ++variant) {
    const bool with_bias = variant & 1, with_res = variant & 2;
    ir::Attrs attrs;
    attrs.set("activation", act);
    attrs.set("gemm", std::string("onednn"));
    Tensor x0 = random_f32({1, 5, K}, seed, -2.0f, 2.0f);
    Tensor r0 = random_f32({1, 5, N}, seed + 3);
    OneNode n(ir::Op::Dense, {&x0, &w, with_bias ? &bias : nullptr, with_res ? &r0 : nullptr},
              {false, true}, attrs);
    const kernels::KernelChoice c = kernels::onednn::select_dense(n.graph, *n.node, cpu::Isa::kRef);
    ASSERT_NE(c.fn, nullptr) << c.refused;
    // Token counts 5, 17, 5 again (a cached primitive), each on 1 and 2 threads.
    for (int64_t S : {5, 17, 5}) {
      Tensor x = random_f32({3, S, K}, seed + static_cast<uint32_t>(S), -2.0f, 2.0f);
      Tensor r = random_f32({3, S, N}, seed + 3 + static_cast<uint32_t>(S));
      std::vector<const Tensor*> srcs = {&x, n.src(1), with_bias ? n.src(2) : nullptr,
                                         with_res ? &r : nullptr};
      Tensor want = Tensor::empty(DType::kF32, {3, S, N});
      std::vector<Tensor*> want_dst = {&want};
      kernels::ref::run(*n.node, srcs, want_dst);
      for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2}) {
        Tensor got = Tensor::empty(DType::kF32, {3, S, N});
        std::vector<Tensor*> dst = {&got};
        c.fn(kernels::KernelCall{c.attrs.get(), srcs, dst, pool});
        expect_close(got, want, 2e-5 * std::sqrt(static_cast<double>(K)) + 2e-5, 1e-5,
                     std::string(with_bias ? "bias " : "") + (with_res ? "residual " : "") +
                         "S=" + std::to_string(S) + (pool ? " 2 threads" : " 1 thread"));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DenseOnednnTest,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3, 4),
                                            ::testing::Values(1, 7, 48, 771),
                                            ::testing::Values(1, 16, 33, 130)),
                         param_name);

TEST(DenseOnednn, RefusesPackedOrNonConstantWeights) {
  Tensor x = random_f32({2, 8}, 1);
  Tensor w = random_f32({8, 4}, 2);
  ir::Attrs attrs;
  attrs.set("gemm", std::string("onednn"));
  OneNode non_constant(ir::Op::Dense, {&x, &w}, {false, false}, attrs);
  EXPECT_EQ(kernels::onednn::select_dense(non_constant.graph, *non_constant.node, cpu::Isa::kRef).fn, nullptr);
  attrs.set("packed", int64_t{1});
  attrs.set("k", int64_t{2});
  attrs.set("n", int64_t{4});
  OneNode packed(ir::Op::Dense, {&x, &w}, {false, true}, attrs);
  const kernels::KernelChoice c = kernels::onednn::select_dense(packed.graph, *packed.node, cpu::Isa::kRef);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_NE(c.refused.find("not a float32 constant [K, N]"), std::string::npos) << c.refused;
}

TEST(DenseOnednn, WrongInputShapeIsAnError) {
  Tensor x = random_f32({2, 8}, 1);
  Tensor w = random_f32({8, 4}, 2);
  ir::Attrs attrs;
  attrs.set("gemm", std::string("onednn"));
  OneNode n(ir::Op::Dense, {&x, &w}, {false, true}, attrs);
  const kernels::KernelChoice c = kernels::onednn::select_dense(n.graph, *n.node, cpu::Isa::kRef);
  ASSERT_NE(c.fn, nullptr);
  Tensor bad = random_f32({2, 7}, 3);
  Tensor out = Tensor::empty(DType::kF32, {2, 4});
  std::vector<const Tensor*> srcs = {&bad, n.src(1)};
  std::vector<Tensor*> dst = {&out};
  try {
    c.fn(kernels::KernelCall{c.attrs.get(), srcs, dst, nullptr});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("X must be [..., 8]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bertc::testing
