// f32 GEMM (packed B, fused epilogue) against a double-accumulated triple loop, on every ISA
// this CPU has, over shapes that are not multiples of any tile size.
#include "kernels/x86/gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bertc/error.h"

namespace bertc::kernels::x86 {
namespace {

using cpu::Isa;

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedBuf = std::unique_ptr<float[], AlignedFree>;

AlignedBuf aligned_floats(int64_t n) {
  const size_t bytes = (static_cast<size_t>(std::max<int64_t>(n, 1)) * 4 + 63) / 64 * 64;
  return AlignedBuf(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

std::vector<float> random_vec(int64_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

double gelu_double(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

struct Problem {
  int64_t M = 1, N = 1, K = 1;
  int64_t lda_pad = 0, ldb_pad = 0, ldc_pad = 0, ldr_pad = 0;
  GemmBLayout layout = GemmBLayout::kKN;
  bool bias = false, gelu = false, residual = false, fast_math = true;
  int threads = 1;
  uint32_t seed = 1;

  std::string str() const {
    return "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
           (layout == GemmBLayout::kNK ? " NK" : " KN") + (bias ? " +bias" : "") +
           (gelu ? (fast_math ? " +gelu(fast)" : " +gelu(exact)") : "") +
           (residual ? " +res" : "") + " threads=" + std::to_string(threads) +
           " pads=" + std::to_string(lda_pad) + "," + std::to_string(ldb_pad) + "," +
           std::to_string(ldc_pad) + "," + std::to_string(ldr_pad);
  }
};

struct Result {
  std::vector<float> c;  // M × ldc
  int64_t ldc = 0;
};

// Runs the problem on `isa` and checks every element against the double reference.
Result run_and_check(Isa isa, const Problem& p, cpu::ThreadPool* pool = nullptr) {
  const int64_t M = p.M, N = p.N, K = p.K;
  const int64_t lda = K + p.lda_pad, ldc = N + p.ldc_pad, ldr = N + p.ldr_pad;
  const int64_t ldb = (p.layout == GemmBLayout::kKN ? N : K) + p.ldb_pad;
  const int64_t b_rows = p.layout == GemmBLayout::kKN ? K : N;
  const std::vector<float> a = random_vec(M * lda, p.seed * 7 + 1);
  const std::vector<float> b = random_vec(b_rows * ldb, p.seed * 7 + 2);
  const std::vector<float> bias = random_vec(N, p.seed * 7 + 3);
  const std::vector<float> res = random_vec(M * ldr, p.seed * 7 + 4);
  auto bval = [&](int64_t k, int64_t n) {
    return p.layout == GemmBLayout::kKN ? b[k * ldb + n] : b[n * ldb + k];
  };

  AlignedBuf packed = aligned_floats(ir::dense_packed_size(K, N));
  gemm_pack_b(p.layout, b.data(), ldb, K, N, packed.get());

  Result out;
  out.ldc = ldc;
  const float sentinel = 12345.0f;
  out.c.assign(static_cast<size_t>(M * ldc), sentinel);
  GemmEpilogue ep;
  ep.bias = p.bias ? bias.data() : nullptr;
  ep.activation = p.gelu ? GemmActivation::kGelu : GemmActivation::kNone;
  ep.fast_math = p.fast_math;
  ep.residual = p.residual ? res.data() : nullptr;
  ep.ldr = ldr;
  std::unique_ptr<cpu::ThreadPool> own;
  if (!pool && p.threads > 1) {
    own = std::make_unique<cpu::ThreadPool>(p.threads);
    pool = own.get();
  }
  gemm_run_isa(isa, M, N, K, a.data(), lda, packed.get(), out.c.data(), ldc, ep, pool);

  const double eps = std::numeric_limits<float>::epsilon();
  int failures = 0;
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < ldc; ++n) {
      const float got = out.c[static_cast<size_t>(m * ldc + n)];
      if (n >= N) {  // padding between rows must be untouched
        if (got != sentinel) {
          ADD_FAILURE() << "wrote C padding at m=" << m << " n=" << n << " " << p.str();
          return out;
        }
        continue;
      }
      double x = 0, x_abs = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double t = static_cast<double>(a[m * lda + k]) * bval(k, n);
        x += t;
        x_abs += std::fabs(t);
      }
      if (p.bias) {
        x += bias[n];
        x_abs += std::fabs(bias[n]);
      }
      // Float accumulation error bound (K + 2 roundings of magnitude <= x_abs).
      double tol = (K + 2) * eps * x_abs;
      if (p.gelu) {
        x = gelu_double(x);
        tol *= 1.13;  // max |GELU'|
        tol += p.fast_math ? 0.5 * std::fabs(x) * kGemmErfMaxAbsError + 2e-7 : 0.0;
        tol += 2 * eps * std::fabs(x);
      }
      if (p.residual) {
        const double r = res[m * ldr + n];
        x += r;
        tol += eps * (std::fabs(x) + std::fabs(r));
      }
      tol += 1e-6;
      if (!(std::fabs(got - x) <= tol)) {
        ADD_FAILURE() << cpu::isa_name(isa) << " " << p.str() << " at m=" << m << " n=" << n
                      << ": got " << got << " want " << x << " (tol " << tol << ")";
        if (++failures > 5) return out;
      }
    }
  }
  return out;
}

class GemmIsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!cpu::isa_supported(GetParam())) {
      GTEST_SKIP() << "CPU lacks " << cpu::isa_name(GetParam());
    }
  }
};

const int64_t kOddM[] = {1, 2, 7, 13, 17, 31, 33, 63, 65, 127, 129};
const int64_t kOddN[] = {1, 2, 7, 13, 16, 17, 31, 32, 33, 47, 48, 49, 63, 65, 127, 129};
const int64_t kOddK[] = {1, 2, 7, 17, 31, 64, 65, 129, 257, 513};

TEST_P(GemmIsaTest, OddShapesSweep) {
  // Every M × N × K of the odd sizes, epilogue combinations and B layouts cycling.
  int i = 0;
  for (int64_t M : kOddM) {
    for (int64_t N : kOddN) {
      for (int64_t K : kOddK) {
        if (GetParam() == Isa::kRef && M * N * K > 2'000'000) continue;  // keep ref quick
        Problem p;
        p.M = M;
        p.N = N;
        p.K = K;
        p.bias = i % 2;
        p.residual = (i / 2) % 2;
        p.gelu = (i / 4) % 2;
        p.layout = (i / 8) % 2 ? GemmBLayout::kNK : GemmBLayout::kKN;
        p.seed = static_cast<uint32_t>(i);
        ++i;
        run_and_check(GetParam(), p);
        if (HasFailure()) return;
      }
    }
  }
}

TEST_P(GemmIsaTest, AllEpilogueCombinationsBothLayouts) {
  const int64_t shapes[][3] = {{1, 1, 1},    {13, 17, 7},  {33, 65, 129},
                               {14, 32, 256}, {129, 127, 300}, {64, 48, 513}};
  for (const auto& s : shapes) {
    for (int combo = 0; combo < 8; ++combo) {
      for (bool fast : {true, false}) {
        for (GemmBLayout layout : {GemmBLayout::kKN, GemmBLayout::kNK}) {
          Problem p;
          p.M = s[0];
          p.N = s[1];
          p.K = s[2];
          p.bias = combo & 1;
          p.gelu = combo & 2;
          p.residual = combo & 4;
          p.fast_math = fast;
          p.layout = layout;
          p.seed = static_cast<uint32_t>(combo + 17);
          run_and_check(GetParam(), p);
          if (HasFailure()) return;
        }
      }
    }
  }
}

TEST_P(GemmIsaTest, StridedOperands) {
  for (int64_t pad : {1, 3, 16, 17}) {
    Problem p;
    p.M = 37;
    p.N = 53;
    p.K = 70;
    p.lda_pad = pad;
    p.ldb_pad = pad + 2;
    p.ldc_pad = pad;
    p.ldr_pad = 2 * pad;
    p.bias = p.gelu = p.residual = true;
    for (GemmBLayout layout : {GemmBLayout::kKN, GemmBLayout::kNK}) {
      p.layout = layout;
      run_and_check(GetParam(), p);
    }
  }
}

TEST_P(GemmIsaTest, MultithreadedMatchesSingleThreadBitForBit) {
  const int64_t shapes[][3] = {{129, 200, 65}, {512, 100, 33}, {65, 769, 40}, {7, 1000, 300},
                               {200, 77, 600}};
  for (const auto& s : shapes) {
    Problem p;
    p.M = s[0];
    p.N = s[1];
    p.K = s[2];
    p.bias = p.residual = p.gelu = true;
    const Result one = run_and_check(GetParam(), p);
    for (int threads : {2, 3}) {
      p.threads = threads;
      const Result many = run_and_check(GetParam(), p);
      ASSERT_EQ(0, std::memcmp(one.c.data(), many.c.data(), one.c.size() * sizeof(float)))
          << "results depend on the thread count: " << p.str();
    }
  }
}

TEST_P(GemmIsaTest, SharedPoolAcrossManyCalls) {
  cpu::ThreadPool pool(3);
  for (int i = 0; i < 30; ++i) {
    Problem p;
    p.M = 1 + (i * 37) % 150;
    p.N = 1 + (i * 53) % 200;
    p.K = 1 + (i * 71) % 300;
    p.bias = i % 2;
    p.gelu = i % 3 == 0;
    p.residual = i % 5 < 2;
    p.seed = static_cast<uint32_t>(i);
    run_and_check(GetParam(), p, &pool);
  }
}

TEST_P(GemmIsaTest, BertShapeWithFullEpilogue) {
  Problem p;
  p.M = 128;
  p.N = 768;
  p.K = 768;
  p.bias = p.gelu = p.residual = true;
  p.threads = 2;
  run_and_check(GetParam(), p);
  p.N = 200;
  p.K = 3072;  // several K blocks
  p.gelu = false;
  run_and_check(GetParam(), p);
}

TEST_P(GemmIsaTest, KZeroGivesEpilogueOfZero) {
  const int64_t M = 5, N = 19;
  const std::vector<float> bias = random_vec(N, 3);
  const std::vector<float> res = random_vec(M * N, 4);
  for (bool gelu : {false, true}) {
    std::vector<float> c(M * N, 99.0f);
    GemmEpilogue ep;
    ep.bias = bias.data();
    ep.activation = gelu ? GemmActivation::kGelu : GemmActivation::kNone;
    ep.residual = res.data();
    ep.ldr = N;
    gemm_run_isa(GetParam(), M, N, 0, nullptr, 0, nullptr, c.data(), N, ep);
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        const double want = (gelu ? gelu_double(bias[n]) : bias[n]) + res[m * N + n];
        EXPECT_NEAR(c[m * N + n], want, 2e-6) << m << "," << n;
      }
    }
  }
}

TEST_P(GemmIsaTest, InPlaceResidual) {
  // C == R (the residual stream updated in place), over several K blocks.
  const int64_t M = 45, N = 70, K = 600;
  const std::vector<float> a = random_vec(M * K, 1);
  const std::vector<float> b = random_vec(K * N, 2);
  const std::vector<float> bias = random_vec(N, 3);
  std::vector<float> c = random_vec(M * N, 4);
  const std::vector<float> r = c;
  AlignedBuf packed = aligned_floats(ir::dense_packed_size(K, N));
  gemm_pack_b(GemmBLayout::kKN, b.data(), N, K, N, packed.get());
  GemmEpilogue ep;
  ep.bias = bias.data();
  ep.residual = c.data();
  ep.ldr = N;
  cpu::ThreadPool pool(2);
  gemm_run_isa(GetParam(), M, N, K, a.data(), K, packed.get(), c.data(), N, ep, &pool);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double x = bias[n] + static_cast<double>(r[m * N + n]);
      for (int64_t k = 0; k < K; ++k) x += static_cast<double>(a[m * K + k]) * b[k * N + n];
      EXPECT_NEAR(c[m * N + n], x, 2e-4) << m << "," << n;
    }
  }
  // With GELU it is refused.
  ep.activation = GemmActivation::kGelu;
  EXPECT_THROW(
      gemm_run_isa(GetParam(), M, N, K, a.data(), K, packed.get(), c.data(), N, ep, &pool),
      Error);
}

TEST_P(GemmIsaTest, GeluMatchesEpilogueAndDocumentedBound) {
  // Dense sweep of [-10, 10] plus far values; the fast erf's error shows up in GELU as
  // 0.5 |x| · err_erf, so the documented erf bound is checked through GELU.
  std::vector<float> x;
  for (double v = -10.0; v <= 10.0; v += 1.0 / 4096) x.push_back(static_cast<float>(v));
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-8f, 30.0f, -30.0f, 1e10f, -1e10f, 3e38f,
                  -3e38f}) {
    x.push_back(v);
  }
  const int64_t n = static_cast<int64_t>(x.size());
  for (bool fast : {true, false}) {
    std::vector<float> y(x.size());
    gemm_gelu(GetParam(), x.data(), y.data(), n, fast);
    double worst_erf = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double want = gelu_double(x[i]);
      const double err = std::fabs(y[i] - want);
      const double ulp = std::numeric_limits<float>::epsilon() * std::fabs(want);
      const bool use_fast = fast && GetParam() != Isa::kRef;
      const double bound =
          use_fast ? 0.5 * std::fabs(x[i]) * kGemmErfMaxAbsError + 2 * ulp + 1e-30 : 0.5 * ulp + 1e-38;
      ASSERT_LE(err, bound) << "x=" << x[i] << " fast=" << fast << " got " << y[i] << " want "
                            << want;
      if (std::fabs(x[i]) > 0.5 && std::isfinite(want) && std::fabs(x[i]) < 20) {
        worst_erf = std::max(worst_erf, err / (0.5 * std::fabs(x[i])));
      }
    }
    std::printf("%s gelu fast=%d: implied max erf error %.3g (documented bound %.3g)\n",
                cpu::isa_name(GetParam()), fast, worst_erf, kGemmErfMaxAbsError);
    // The GEMM epilogue (K = 1, B = 1) computes exactly the same values.
    AlignedBuf one = aligned_floats(ir::dense_packed_size(1, 1));
    const float b1 = 1.0f;
    gemm_pack_b(GemmBLayout::kKN, &b1, 1, 1, 1, one.get());
    std::vector<float> c(x.size());
    GemmEpilogue ep;
    ep.activation = GemmActivation::kGelu;
    ep.fast_math = fast;
    const int64_t m = 4096;  // a slice is enough
    gemm_run_isa(GetParam(), m, 1, 1, x.data(), 1, one.get(), c.data(), 1, ep);
    for (int64_t i = 0; i < m; ++i) ASSERT_EQ(c[i], y[i]) << "x=" << x[i];
  }
}

TEST_P(GemmIsaTest, NanPropagates) {
  const int64_t M = 3, N = 20, K = 5;
  std::vector<float> a(M * K, 1.0f), b(K * N, 1.0f), c(M * N);
  a[1 * K + 2] = std::numeric_limits<float>::quiet_NaN();
  AlignedBuf packed = aligned_floats(ir::dense_packed_size(K, N));
  gemm_pack_b(GemmBLayout::kKN, b.data(), N, K, N, packed.get());
  gemm_run_isa(GetParam(), M, N, K, a.data(), K, packed.get(), c.data(), N);
  for (int64_t n = 0; n < N; ++n) {
    EXPECT_EQ(c[0 * N + n], 5.0f);
    EXPECT_TRUE(std::isnan(c[1 * N + n]));
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, GemmIsaTest, ::testing::Values(Isa::kRef, Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(cpu::isa_name(info.param));
                         });

TEST(GemmPack, LayoutIsPanelsOf16KMajorZeroPadded) {
  const int64_t K = 5, N = 37;
  const std::vector<float> kn = random_vec(K * N, 9);
  std::vector<float> nk(N * K);
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t n = 0; n < N; ++n) nk[n * K + k] = kn[k * N + n];
  }
  const int64_t size = ir::dense_packed_size(K, N);
  ASSERT_EQ(size, 3 * K * 16);
  AlignedBuf p1 = aligned_floats(size), p2 = aligned_floats(size);
  gemm_pack_b(GemmBLayout::kKN, kn.data(), N, K, N, p1.get());
  gemm_pack_b(GemmBLayout::kNK, nk.data(), K, K, N, p2.get());
  EXPECT_EQ(0, std::memcmp(p1.get(), p2.get(), static_cast<size_t>(size) * 4));
  for (int64_t p = 0; p < 3; ++p) {
    for (int64_t k = 0; k < K; ++k) {
      for (int j = 0; j < 16; ++j) {
        const int64_t n = p * 16 + j;
        EXPECT_EQ(p1[(p * K + k) * 16 + j], n < N ? kn[k * N + n] : 0.0f);
      }
    }
  }
  EXPECT_EQ(ir::dense_packed_size(0, 5), 0);
  EXPECT_EQ(ir::dense_packed_size(5, 0), 0);
  EXPECT_EQ(ir::dense_packed_size(768, 2304), 768 * 2304);
}

TEST(GemmErrors, BadArgumentsAreReported) {
  const int64_t M = 4, N = 8, K = 3;
  std::vector<float> a(M * K), c(M * N), b(K * N);
  AlignedBuf packed = aligned_floats(ir::dense_packed_size(K, N) + 16);
  gemm_pack_b(GemmBLayout::kKN, b.data(), N, K, N, packed.get());
  EXPECT_THROW(gemm_run(M, N, K, a.data(), K - 1, packed.get(), c.data(), N), Error);  // lda
  EXPECT_THROW(gemm_run(M, N, K, a.data(), K, packed.get(), c.data(), N - 1), Error);  // ldc
  EXPECT_THROW(gemm_run(-1, N, K, a.data(), K, packed.get(), c.data(), N), Error);
  EXPECT_THROW(gemm_run(M, N, K, nullptr, K, packed.get(), c.data(), N), Error);
  EXPECT_THROW(gemm_run(M, N, K, a.data(), K, packed.get() + 1, c.data(), N), Error);  // align
  EXPECT_THROW(gemm_run(M, N, K, a.data(), K, packed.get(), a.data(), N), Error);  // C overlaps A
  GemmEpilogue ep;
  ep.residual = c.data();
  ep.ldr = N - 1;
  EXPECT_THROW(gemm_run(M, N, K, a.data(), K, packed.get(), c.data(), N, ep), Error);
  ep.residual = c.data() + 1;  // partial overlap
  ep.ldr = N;
  EXPECT_THROW(gemm_run(M, N, K, a.data(), K, packed.get(), c.data(), N, ep), Error);
  EXPECT_THROW(gemm_pack_b(GemmBLayout::kKN, b.data(), N - 1, K, N, packed.get()), Error);
  EXPECT_THROW(gemm_pack_b(GemmBLayout::kNK, b.data(), K - 1, K, N, packed.get()), Error);
  EXPECT_THROW(gemm_pack_b(GemmBLayout::kKN, b.data(), N, K, N, packed.get() + 1), Error);
  // Zero-sized problems are no-ops.
  EXPECT_NO_THROW(gemm_run(0, N, K, nullptr, K, nullptr, nullptr, N));
  EXPECT_NO_THROW(gemm_run(M, 0, K, nullptr, K, nullptr, nullptr, 0));
  if (!cpu::isa_supported(Isa::kAvx512)) {
    EXPECT_THROW(gemm_run_isa(Isa::kAvx512, M, N, K, a.data(), K, packed.get(), c.data(), N),
                 Error);
  }
}

TEST(GemmDefaultIsa, RunsTheActiveIsa) {
  // gemm_run uses cpu::active_isa() (BERTC_ISA caps it): same bits as the explicit call.
  const int64_t M = 30, N = 40, K = 50;
  const std::vector<float> a = random_vec(M * K, 1), b = random_vec(K * N, 2);
  AlignedBuf packed = aligned_floats(ir::dense_packed_size(K, N));
  gemm_pack_b(GemmBLayout::kKN, b.data(), N, K, N, packed.get());
  std::vector<float> c1(M * N), c2(M * N);
  gemm_run(M, N, K, a.data(), K, packed.get(), c1.data(), N);
  gemm_run_isa(cpu::active_isa(), M, N, K, a.data(), K, packed.get(), c2.data(), N);
  EXPECT_EQ(c1, c2);
}

}  // namespace
}  // namespace bertc::kernels::x86
