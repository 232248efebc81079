// CPU feature detection: which SIMD instruction set the kernels may use on this machine.
//
// detected_isa() checks both the CPU (CPUID) and the operating system (XCR0 via XGETBV: the OS
// must save the YMM state for AVX2 and the opmask/ZMM state for AVX-512). active_isa() is the
// detected ISA capped by the environment variable BERTC_ISA=ref|avx2|avx512, so that every
// kernel path can be tested on one machine (like ONEDNN_MAX_CPU_ISA / CT2_FORCE_CPU_ISA).
//
// BERTC_ISA policy (a cap, never a force):
//   - unset or empty           -> the detected ISA;
//   - "ref" / "avx2" / "avx512" (case-insensitive) -> min(requested, detected); asking for
//     more than the CPU has prints one warning on stderr and runs with the detected ISA
//     (a CI job asking for avx512 on an AVX2 host still runs, on AVX2);
//   - anything else            -> bertc::Error naming the value and the accepted ones
//     (a typo must not silently run a different path).
// Both values are computed once (thread-safe function-local statics).
#pragma once

#include <string>
#include <vector>

namespace bertc::cpu {

// Ordered: a larger value can run everything a smaller one can.
enum class Isa : int {
  kRef = 0,     // portable scalar C++, no SIMD assumptions
  kAvx2 = 1,    // AVX2 + FMA (+ F16C): Haswell / Zen 1 and later
  kAvx512 = 2,  // AVX-512 F + BW + DQ + VL: Skylake-SP / Zen 4 and later
};

// What this CPU and OS support (BERTC_ISA ignored).
Isa detected_isa();

// detected_isa() capped by BERTC_ISA (see the policy above). Throws bertc::Error on an
// unknown BERTC_ISA value (on every call, until the variable is fixed and the process restarts).
Isa active_isa();

// "ref", "avx2", "avx512".
const char* isa_name(Isa isa);

// Parses "ref" / "avx2" / "avx512" (case-insensitive); throws bertc::Error otherwise.
Isa parse_isa(const char* name);

// Pure policy used by active_isa(): caps `detected` by the BERTC_ISA value `env` (null or empty
// = no cap). Sets *capped_above (if non-null) when env asked for more than `detected`.
Isa cap_isa(Isa detected, const char* env, bool* capped_above = nullptr);

// Extensions beyond the ISA levels that int8 / bf16 kernels could use, present when the CPU has
// them and the OS saves their state: "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile",
// "amx_int8", "amx_bf16" (BERTC_ISA ignored). Reported by `bertc bench`; the int8 GEMM uses the
// two VNNI ones (kernels/x86/qgemm.h), the bf16 GEMM avx512_bf16 (kernels/x86/bgemm.h); nothing
// uses AMX.
std::vector<std::string> detected_extensions();

// Whether detected_extensions() holds `name`.
bool has_extension(const std::string& name);

// True when the CPU and OS can run code for `isa` (kRef: always).
inline bool isa_supported(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(detected_isa()); }

}  // namespace bertc::cpu
