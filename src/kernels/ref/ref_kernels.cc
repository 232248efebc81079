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
bool inplace_ok(ir::Op op) { return tables().inplace[static_cast<size_t>(op)]; }

}  // namespace bertc::kernels::ref
