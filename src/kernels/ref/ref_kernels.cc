#include "kernels/ref/ref_kernels.h"

#include <array>

#include "kernels/ref/data_kernels.h"
#include "kernels/ref/fused_kernels.h"
#include "kernels/ref/math_kernels.h"

namespace bertc::kernels::ref {

const RefKernel& kernel(ir::Op op) {
  static constexpr std::array<RefKernel, ir::kNumOps> kTable = {{
#define BERTC_OP(name, str, ports, shapes_only, attrs, shape, kernel, in_place) \
  {&kernel, &prepare<ir::attrs>, in_place},
#include "ir/ops.def"
#undef BERTC_OP
  }};
  return kTable[static_cast<size_t>(op)];
}

KernelChoice select(const ir::Graph&, const ir::Node& node, cpu::Isa) {
  const RefKernel& k = kernel(node.op);
  return {k.fn, k.prepare(node), "ref", k.inplace_ok, {}};
}

std::vector<Tensor> evaluate(const ir::Node& node, std::span<const Tensor* const> src,
                             const std::vector<ir::TypeInfo>& out_types) {
  std::vector<Tensor> results;
  std::vector<Tensor*> dst;
  results.reserve(node.outputs.size());
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    results.push_back(Tensor::empty(out_types[i].dtype, ir::shape_values(out_types[i].shape)));
    dst.push_back(&results.back());
  }
  run(node, src, dst);
  return results;
}

void run(const ir::Node& node, std::span<const Tensor* const> src, std::span<Tensor* const> dst) {
  const RefKernel& k = kernel(node.op);
  const std::shared_ptr<const ir::OpAttrs> attrs = k.prepare(node);
  k.fn(KernelCall{attrs.get(), src, dst});
}

}  // namespace bertc::kernels::ref
