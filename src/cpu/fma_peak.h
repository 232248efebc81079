// The machine's fp32 peak, measured: what "% of peak" in `bertc bench`, bench/gemm_bench and
// bench/compare.py divides by. A VM's vCPU may not deliver its CPU model's paper peak (a busy
// sibling hyperthread, a lower clock), so the peak is measured, not looked up.
#pragma once

#include "cpu/cpu_features.h"

namespace bertc::cpu {

// GFLOP/s of one core of `isa` (best of several ~20 ms runs of 12 independent FMA chains on
// 512-bit (kAvx512) or 256-bit (kAvx2) registers; kRef: the AVX2 figure / 8, one scalar FMA
// lane). The CPU must support `isa`. Takes ~0.1-0.2 s; the result is cached per ISA.
double fp32_peak_gflops_per_core(Isa isa);

}  // namespace bertc::cpu
