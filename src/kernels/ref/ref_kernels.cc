#include "kernels/ref/ref_kernels.h"

#include <array>

namespace bertc::kernels::ref {
namespace {

struct Tables {
  std::array<KernelFn, ir::kNumOps> fn{};
  std::array<bool, ir::kNumOps> inplace{};
};

const Tables& tables() {
  static const Tables t = [] {
    Tables tab;
    register_math_kernels(tab.fn.data(), tab.inplace.data());
    register_data_kernels(tab.fn.data(), tab.inplace.data());
    register_fused_kernels(tab.fn.data(), tab.inplace.data());
    return tab;
  }();
  return t;
}

}  // namespace

KernelFn kernel(ir::Op op) { return tables().fn[static_cast<size_t>(op)]; }
std::vector<Tensor> evaluate(const ir::Node& node, std::span<const Tensor* const> src,
                             const std::vector<ir::TypeInfo>& out_types) {
  std::vector<Tensor> results;
  std::vector<Tensor*> dst;
  results.reserve(node.outputs.size());
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    results.push_back(Tensor::empty(out_types[i].dtype, ir::shape_values(out_types[i].shape)));
    dst.push_back(&results.back());
  }
  kernel(node.op)(KernelCall{&node, src, dst});
  return results;
}

bool inplace_ok(ir::Op op) { return tables().inplace[static_cast<size_t>(op)]; }

}  // namespace bertc::kernels::ref
