// Per-thread scratch memory for the x86 kernels (portable).
#pragma once

#include <cstdint>

namespace bertc::kernels::x86 {

// A 64-byte aligned buffer of at least `floats` floats owned by the calling thread, grow-only
// and kept across calls (no page faults once warm). The same thread gets the same buffer back,
// so a kernel must not hold one while calling another kernel that uses it. Throws
// bertc::Error when memory runs out.
float* thread_scratch_floats(int64_t floats);

}  // namespace bertc::kernels::x86
