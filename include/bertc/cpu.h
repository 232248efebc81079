// The CPU as bertc's kernels see it: which instruction set they use and what one core can do.
#pragma once

#include <string>
#include <vector>

namespace bertc {

// The ISA the kernels run on here: "avx512", "avx2" or "ref" (the CPU and operating system's
// support, capped by the BERTC_ISA environment variable). Throws bertc::Error on a bad BERTC_ISA.
std::string active_isa();

// Measured fp32 GFLOP/s of one core on active_isa() (independent FMA chains, best of several
// short runs; ~0.2 s the first time, then cached): what "% of peak" is a percentage of.
double fp32_peak_gflops_per_core();

// Instruction set extensions this CPU and OS offer beyond active_isa()'s level that matter for
// int8 / bf16 ("avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16");
// the int8 GEMM uses the VNNI ones, the bf16 GEMM avx512_bf16; nothing uses AMX.
std::vector<std::string> cpu_extensions();

// The int8 GEMM kernel int8 models run on here at active_isa(): "avx512_vnni", "avx512bw",
// "avx_vnni" or "avx2" ("" on the reference ISA, whose DenseInt8 kernel is scalar C++).
std::string int8_kernel();

// The bf16 GEMM kernel bf16 models run on here at active_isa(): "avx512_bf16", or "" where there
// is none (compile --precision bf16 then refuses, unless BERTC_ISA=ref asks for the reference
// kernels).
std::string bf16_kernel();

}  // namespace bertc
