#include "cpu/cpu_features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bertc/error.h"

namespace bertc::cpu {
namespace {

TEST(CpuFeatures, NamesRoundTrip) {
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvx512}) {
    EXPECT_EQ(parse_isa(isa_name(isa)), isa);
  }
  EXPECT_EQ(parse_isa("AVX512"), Isa::kAvx512);
  EXPECT_EQ(parse_isa("Avx2"), Isa::kAvx2);
}

TEST(CpuFeatures, UnknownNameIsAnErrorNamingTheValue) {
  try {
    parse_isa("avx1024");
    FAIL() << "expected bertc::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("avx1024"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("avx512"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_isa(""), Error);
}

TEST(CpuFeatures, CapPolicy) {
  bool capped = true;
  EXPECT_EQ(cap_isa(Isa::kAvx512, nullptr, &capped), Isa::kAvx512);
  EXPECT_FALSE(capped);
  EXPECT_EQ(cap_isa(Isa::kAvx512, "", &capped), Isa::kAvx512);
  EXPECT_EQ(cap_isa(Isa::kAvx512, "avx2", &capped), Isa::kAvx2);
  EXPECT_FALSE(capped);
  EXPECT_EQ(cap_isa(Isa::kAvx512, "ref", &capped), Isa::kRef);
  EXPECT_EQ(cap_isa(Isa::kAvx2, "avx512", &capped), Isa::kAvx2);  // warn-and-cap
  EXPECT_TRUE(capped);
  EXPECT_EQ(cap_isa(Isa::kRef, "avx2", &capped), Isa::kRef);
  EXPECT_TRUE(capped);
  EXPECT_THROW(cap_isa(Isa::kAvx512, "sse9", &capped), Error);
}

TEST(CpuFeatures, ActiveIsNeverAboveDetected) {
  const Isa d = detected_isa();
  const Isa a = active_isa();
  EXPECT_LE(static_cast<int>(a), static_cast<int>(d));
  EXPECT_TRUE(isa_supported(Isa::kRef));
  EXPECT_TRUE(isa_supported(d));
  // Stable across calls.
  EXPECT_EQ(detected_isa(), d);
  EXPECT_EQ(active_isa(), a);
}

TEST(CpuFeatures, DetectionMatchesCompilerBuiltins) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  // The builtins check CPUID only; ours also checks the OS (XCR0), so it can only be lower.
  const Isa expected = avx512 ? Isa::kAvx512 : avx2 ? Isa::kAvx2 : Isa::kRef;
  EXPECT_LE(static_cast<int>(detected_isa()), static_cast<int>(expected));
  std::printf("detected ISA: %s, active ISA: %s\n", isa_name(detected_isa()),
              isa_name(active_isa()));
}

// The int8 kernels are chosen by these flags: each found extension must be one the CPU reports
// (the builtins read CPUID only; ours also needs the OS to save the registers' state).
TEST(CpuFeatures, ExtensionsMatchCompilerBuiltins) {
  __builtin_cpu_init();
  const std::vector<std::string> found = detected_extensions();
  auto has = [&](const char* name) { return std::find(found.begin(), found.end(), name) != found.end(); };
  const struct {
    const char* ours;
    bool cpuid;
    Isa level;
  } checks[] = {{"avx512_vnni", __builtin_cpu_supports("avx512vnni") != 0, Isa::kAvx512},
                {"avx_vnni", __builtin_cpu_supports("avxvnni") != 0, Isa::kAvx2},
                {"avx512_bf16", __builtin_cpu_supports("avx512bf16") != 0, Isa::kAvx512}};
  for (const auto& c : checks) {
    if (has(c.ours)) {
      EXPECT_TRUE(c.cpuid) << c.ours;
    }
    if (c.cpuid && isa_supported(c.level)) {
      EXPECT_TRUE(has(c.ours)) << c.ours;
    }
  }
}

}  // namespace
}  // namespace bertc::cpu
