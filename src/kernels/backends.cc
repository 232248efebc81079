#include "kernels/backends.h"

#include "kernels/onednn/dense_onednn.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/select.h"

namespace bertc::kernels {

std::span<const Backend> backends(bool reference_only) {
  static constexpr Backend kAll[] = {onednn::kBackend, x86::kBackend, ref::kBackend};
  if (reference_only) return std::span<const Backend>(kAll).last(1);
  return kAll;
}

}  // namespace bertc::kernels
