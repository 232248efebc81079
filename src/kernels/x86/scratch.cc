#include "kernels/x86/scratch.h"

#include <cstdlib>
#include <string>

#include "bertc/error.h"

namespace bertc::kernels::x86 {

float* thread_scratch_floats(int64_t floats) {
  struct Buffer {
    float* p = nullptr;
    int64_t n = 0;
    ~Buffer() { std::free(p); }
  };
  thread_local Buffer buf;
  if (floats > buf.n) {
    std::free(buf.p);
    buf.p = nullptr;
    buf.n = 0;
    const size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    buf.p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!buf.p) throw Error("x86 kernels: out of memory for " + std::to_string(bytes) + " bytes of scratch");
    buf.n = floats;
  }
  return buf.p;
}

}  // namespace bertc::kernels::x86
