// Helpers for the x86 kernel tests: build a one-node graph, run the op's reference kernel and
// the x86 kernel that select_kernel picks for an explicit ISA (the BERTC_ISA cap is not used:
// each test names its ISA), and compare.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bertc/error.h"
#include "bertc/tensor.h"
#include "cpu/cpu_features.h"
#include "cpu/thread_pool.h"
#include "ir/graph.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/gemm.h"
#include "kernels/x86/select.h"

namespace bertc::testing {

// The ISAs x86 kernels exist for; tests skip those the CPU lacks.
inline std::vector<cpu::Isa> x86_isas() { return {cpu::Isa::kAvx2, cpu::Isa::kAvx512}; }

#define BERTC_SKIP_UNSUPPORTED(isa)                                                   \
  do {                                                                                \
    if (!cpu::isa_supported(isa)) GTEST_SKIP() << "CPU lacks " << cpu::isa_name(isa); \
  } while (0)

inline std::string isa_param_name(const ::testing::TestParamInfo<cpu::Isa>& info) {
  return cpu::isa_name(info.param);
}

// Random floats in [lo, hi) (fixed seed per call site via `seed`).
inline Tensor random_f32(Dims dims, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t = Tensor::empty(DType::kF32, std::move(dims));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// The fused epilogue of the Dense kernel tests: + bias (N floats), GELU when `gelu`, + residual
// (rows of N floats).
inline kernels::x86::GemmEpilogue bias_residual_epilogue(const Tensor& bias, const Tensor& residual, int64_t N,
                                                         bool gelu) {
  kernels::x86::GemmEpilogue ep;
  ep.bias = bias.data<float>();
  ep.residual = residual.data<float>();
  ep.ldr = N;
  ep.activation = gelu ? kernels::x86::GemmActivation::kGelu : kernels::x86::GemmActivation::kNone;
  return ep;
}

// One node over given input tensors (null = omitted optional input); inputs marked constant
// become graph constants (e.g. Dense's W), the others graph inputs.
struct OneNode {
  ir::Graph graph;
  std::vector<Tensor> inputs;  // kept alive; index = node input
  ir::Node* node = nullptr;

  OneNode(ir::Op op, std::vector<const Tensor*> srcs, std::vector<bool> constant, ir::Attrs attrs,
          std::string name = "node") {
    std::vector<ir::ValueId> ins;
    inputs.resize(srcs.size());
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (!srcs[i]) {
        ins.push_back(ir::kNoValue);
        continue;
      }
      inputs[i] = *srcs[i];
      const std::string vname = name + "_in" + std::to_string(i);
      if (i < constant.size() && constant[i]) {
        ins.push_back(graph.add_constant(vname, Tensor::copy_of(*srcs[i])));
      } else {
        ins.push_back(graph.add_input(vname, ir::TypeInfo{srcs[i]->dtype(), ir::shape_of(srcs[i]->shape())}));
      }
    }
    ir::ValueId out = graph.add_value(name + "_out");
    node = &graph.add_node(op, name, ins, {out}, std::move(attrs));
  }

  // The graph's view of input i (the constant's own storage for constants).
  const Tensor* src(size_t i) const {
    if (node->inputs[i] == ir::kNoValue) return nullptr;
    const ir::Value& v = graph.value(node->inputs[i]);
    return v.is_constant() ? v.data.get() : &inputs[i];
  }
  std::vector<const Tensor*> srcs() const {
    std::vector<const Tensor*> s;
    for (size_t i = 0; i < node->inputs.size(); ++i) s.push_back(src(i));
    return s;
  }

  // dst = ref kernel of the op (on a packed batch when `seqs` is given).
  void run_ref(Tensor& dst, const kernels::Sequences* seqs = nullptr) const {
    const kernels::KernelChoice c = kernels::ref::select(graph, *node, cpu::Isa::kRef);
    std::vector<const Tensor*> s = srcs();
    std::vector<Tensor*> d = {&dst};
    c.fn(kernels::KernelCall{c.attrs.get(), s, d, nullptr, seqs});
  }

  kernels::KernelChoice choose(cpu::Isa isa) const { return kernels::x86::select_kernel(graph, *node, isa); }

  // dst = the x86 kernel selected for `isa` (which must exist); `srcs_override` replaces the
  // inputs (e.g. to run in place); `seqs` makes it a packed batch.
  void run_x86(cpu::Isa isa, Tensor& dst, cpu::ThreadPool* pool,
               std::vector<const Tensor*> srcs_override = {},
               const kernels::Sequences* seqs = nullptr) const {
    kernels::KernelChoice c = choose(isa);
    ASSERT_NE(c.fn, nullptr) << "no x86 kernel: " << c.refused;
    std::vector<const Tensor*> s = srcs_override.empty() ? srcs() : srcs_override;
    std::vector<Tensor*> d = {&dst};
    c.fn(kernels::KernelCall{c.attrs.get(), s, d, pool, seqs});
  }
};

// Expects |got - want| <= atol + rtol |want| elementwise (NaN must match NaN); reports the
// worst element.
inline void expect_close(const Tensor& got, const Tensor& want, double atol, double rtol,
                         const std::string& what = "") {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const float* g = got.data<float>();
  const float* w = want.data<float>();
  int64_t worst = -1, bad = 0;
  double worst_excess = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    if (std::isnan(w[i]) || std::isnan(g[i])) {
      if (std::isnan(w[i]) != std::isnan(g[i])) {
        ++bad;
        if (worst < 0) worst = i;
      }
      continue;
    }
    const double err = std::abs(static_cast<double>(g[i]) - w[i]);
    const double excess = err - (atol + rtol * std::abs(static_cast<double>(w[i])));
    if (excess > 0) {
      ++bad;
      if (worst < 0 || excess > worst_excess) worst = i, worst_excess = excess;
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.numel()
                    << " elements out of tolerance; worst at " << worst << ": got "
                    << (worst >= 0 ? g[worst] : 0) << ", want " << (worst >= 0 ? w[worst] : 0);
}

}  // namespace bertc::testing
