#include "cpu/cpu_features.h"

#include <cpuid.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bertc/error.h"

namespace bertc::cpu {
namespace {

struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegs r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

// XCR0: which register state the OS saves on context switches. Only valid when OSXSAVE is set.
uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(uint32_t reg, int b) { return (reg >> b) & 1u; }

Isa detect() {
  const uint32_t max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 1) return Isa::kRef;
  const CpuidRegs l1 = cpuid(1, 0);
  const bool osxsave = bit(l1.ecx, 27);
  const bool avx = bit(l1.ecx, 28);
  const bool fma = bit(l1.ecx, 12);
  const bool f16c = bit(l1.ecx, 29);
  if (!osxsave || !avx || max_leaf < 7) return Isa::kRef;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;            // XMM (bit 1) and YMM (bit 2) state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;          // + opmask (5), ZMM0-15 hi (6), ZMM16-31 (7)
  const CpuidRegs l7 = cpuid(7, 0);
  const bool avx2 = bit(l7.ebx, 5);
  const bool avx512f = bit(l7.ebx, 16);
  const bool avx512dq = bit(l7.ebx, 17);
  const bool avx512bw = bit(l7.ebx, 30);
  const bool avx512vl = bit(l7.ebx, 31);
  if (!os_ymm || !avx2 || !fma || !f16c) return Isa::kRef;
  if (os_zmm && avx512f && avx512dq && avx512bw && avx512vl) return Isa::kAvx512;
  return Isa::kAvx2;
}

std::vector<std::string> detect_extensions() {
  std::vector<std::string> found;
  const uint32_t max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 7 || !bit(cpuid(1, 0).ecx, 27)) return found;
  const uint64_t xcr0 = read_xcr0();
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6, os_ymm = (xcr0 & 0x6) == 0x6;
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;  // XTILECFG (17) and XTILEDATA (18)
  const CpuidRegs l7 = cpuid(7, 0), l7s1 = cpuid(7, 1);
  if (os_zmm && bit(l7.ecx, 11)) found.push_back("avx512_vnni");
  if (os_ymm && bit(l7s1.eax, 4)) found.push_back("avx_vnni");
  if (os_zmm && bit(l7s1.eax, 5)) found.push_back("avx512_bf16");
  if (os_amx && bit(l7.edx, 24)) found.push_back("amx_tile");
  if (os_amx && bit(l7.edx, 25)) found.push_back("amx_int8");
  if (os_amx && bit(l7.edx, 22)) found.push_back("amx_bf16");
  return found;
}

std::string lower(const char* s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<std::string> detected_extensions() {
  static const std::vector<std::string> extensions = detect_extensions();
  return extensions;
}

bool has_extension(const std::string& name) {
  const std::vector<std::string> ext = detected_extensions();
  return std::find(ext.begin(), ext.end(), name) != ext.end();
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "unknown";
}

Isa parse_isa(const char* name) {
  const std::string s = lower(name ? name : "");
  if (s == "ref") return Isa::kRef;
  if (s == "avx2") return Isa::kAvx2;
  if (s == "avx512") return Isa::kAvx512;
  throw Error("unknown ISA '" + std::string(name ? name : "") +
              "' (BERTC_ISA accepts ref, avx2, avx512)");
}

Isa cap_isa(Isa detected, const char* env, bool* capped_above) {
  if (capped_above) *capped_above = false;
  if (env == nullptr || env[0] == '\0') return detected;
  const Isa requested = parse_isa(env);
  if (static_cast<int>(requested) > static_cast<int>(detected)) {
    if (capped_above) *capped_above = true;
    return detected;
  }
  return requested;
}

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  // If cap_isa throws (unknown value), the static stays uninitialized and the next call
  // throws again: the error cannot be missed.
  static const Isa isa = [] {
    const char* env = std::getenv("BERTC_ISA");
    bool capped = false;
    const Isa detected = detected_isa();
    const Isa result = cap_isa(detected, env, &capped);
    if (capped) {
      std::fprintf(stderr, "bertc: warning: BERTC_ISA=%s asks for more than this CPU supports; using %s\n",
                   env, isa_name(detected));
    }
    return result;
  }();
  return isa;
}

}  // namespace bertc::cpu
