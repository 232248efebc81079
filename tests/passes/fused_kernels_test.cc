// The fused ops' shape functions and reference kernels (src/ir/shape_fused.cc,
// src/kernels/ref/fused_*.cc) against direct computations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "../common/error_of.h"
#include "../ops_data/data_test_util.h"
#include "bertc/error.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/x86/gemm.h"
#include "pass_test_util.h"

namespace bertc {
namespace {

using ::testing::HasSubstr;
using testing::error_of;
using testing::infer;
using testing::random_tensor;
using testing::run_op;

ir::Attrs dense_attrs(int64_t act, int64_t packed = 0, int64_t k = -1, int64_t n = -1) {
  ir::Attrs a;
  a.set("activation", act);
  a.set("packed", packed);
  if (packed) {
    a.set("k", k);
    a.set("n", n);
  }
  return a;
}

double act_ref(int64_t kind, double x) {
  switch (kind) {
    case 1:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case 2:
      return 0.5 * x *
             (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
    case 3:
      return std::max(x, 0.0);
    case 4:
      return std::tanh(x);
    default:
      return x;
  }
}

TEST(FusedKernels, DenseMatchesDirectComputationForEveryActivation) {
  const int64_t K = 19, N = 37;
  Tensor x = random_tensor({2, 3, K}, 1, 2.0f);
  Tensor w = random_tensor({K, N}, 2, 0.5f);
  Tensor b = random_tensor({N}, 3);
  Tensor r = random_tensor({2, 3, N}, 4);
  for (int64_t act = 0; act <= 4; ++act) {
    Tensor y = run_op(ir::Op::Dense, {x, w, b, r}, dense_attrs(act))[0];
    ASSERT_EQ(y.shape(), (Dims{2, 3, N}));
    for (int64_t m = 0; m < 6; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        double acc = b.data<float>()[n];
        for (int64_t k = 0; k < K; ++k)
          acc += double(x.data<float>()[m * K + k]) * w.data<float>()[k * N + n];
        double want = static_cast<float>(act_ref(act, acc)) + r.data<float>()[m * N + n];
        EXPECT_NEAR(y.data<float>()[m * N + n], want, 1e-5) << "act " << act;
      }
    }
  }
}

TEST(FusedKernels, DensePackedLayoutIsGemmPackB) {
  const int64_t K = 7, N = 35;  // N not a multiple of the panel width
  Tensor w = random_tensor({K, N}, 5);
  Tensor packed = Tensor::empty(DType::kF32, {ir::dense_packed_size(K, N)});
  kernels::x86::gemm_pack_b(kernels::x86::GemmBLayout::kKN, w.data<float>(), N, K, N, packed.data<float>());
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t n = 0; n < N; ++n) {
      EXPECT_EQ(packed.data<float>()[ir::dense_packed_index(K, k, n)], w.data<float>()[k * N + n]);
    }
  }
  Tensor x = random_tensor({4, K}, 6);
  Tensor b = random_tensor({N}, 7);
  Tensor plain = run_op(ir::Op::Dense, {x, w, b}, dense_attrs(1))[0];
  Tensor from_packed = run_op(ir::Op::Dense, {x, packed, b}, dense_attrs(1, 1, K, N))[0];
  EXPECT_EQ(testing::max_diff(plain, from_packed), 0.0);
}

TEST(FusedKernels, DenseShapes) {
  ir::TypeInfo x{DType::kF32, {ir::Dim::sym("batch"), ir::Dim::sym("seq"), ir::Dim::known(8)}};
  ir::TypeInfo w{DType::kF32, {ir::Dim::known(8), ir::Dim::known(5)}};
  auto out = infer(ir::Op::Dense, {&x, &w}, {}, dense_attrs(0));
  EXPECT_EQ(ir::shape_str(out[0].shape), "[batch, seq, 5]");
  ir::TypeInfo w_bad{DType::kF32, {ir::Dim::known(9), ir::Dim::known(5)}};
  EXPECT_THAT(error_of([&] {
                infer(ir::Op::Dense, {&x, &w_bad}, {}, dense_attrs(0));
              }),
              HasSubstr("K"));
  ir::TypeInfo packed{DType::kF32, {ir::Dim::known(ir::dense_packed_size(8, 5))}};
  out = infer(ir::Op::Dense, {&x, &packed}, {}, dense_attrs(0, 1, 8, 5));
  EXPECT_EQ(ir::shape_str(out[0].shape), "[batch, seq, 5]");
  EXPECT_THAT(error_of([&] {
                infer(ir::Op::Dense, {&x, &packed}, {}, dense_attrs(0, 1, 8, 40));
              }),
              HasSubstr("packed W"));
  ir::TypeInfo bias{DType::kF32, {ir::Dim::known(6)}};
  EXPECT_THAT(error_of([&] {
                infer(ir::Op::Dense, {&x, &w, &bias}, {}, dense_attrs(0));
              }),
              HasSubstr("bias length"));
}

TEST(FusedKernels, LayerNormWithSkip) {
  const int64_t H = 11;
  Tensor x = random_tensor({3, H}, 8, 3.0f);
  Tensor skip = random_tensor({3, H}, 9);
  Tensor gamma = random_tensor({H}, 10);
  Tensor beta = random_tensor({H}, 11);
  ir::Attrs attrs;
  attrs.set("epsilon", 1e-5f);
  Tensor y = run_op(ir::Op::LayerNorm, {x, gamma, beta, skip}, attrs)[0];
  for (int64_t r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    std::vector<double> z(H);
    for (int64_t k = 0; k < H; ++k)
      mean += z[k] = x.data<float>()[r * H + k] + skip.data<float>()[r * H + k];
    mean /= H;
    for (int64_t k = 0; k < H; ++k) var += (z[k] - mean) * (z[k] - mean);
    var /= H;
    for (int64_t k = 0; k < H; ++k) {
      double want =
          (z[k] - mean) / std::sqrt(var + 1e-5) * gamma.data<float>()[k] + beta.data<float>()[k];
      EXPECT_NEAR(y.data<float>()[r * H + k], want, 1e-5);
    }
  }
}

TEST(FusedKernels, AttentionMatchesDirectComputation) {
  const int64_t B = 2, S = 5, NH = 2, D = 3, H = NH * D;
  Tensor qkv = random_tensor({B, S, 3 * H}, 12, 2.0f);
  Tensor bias = Tensor::empty(DType::kF32, {B, S});
  const float kMin = -3.4028234663852886e38f;
  for (int64_t j = 0; j < S; ++j) bias.data<float>()[j] = 0;
  for (int64_t j = 0; j < S; ++j) bias.data<float>()[S + j] = j < 3 ? 0 : kMin;
  ir::Attrs attrs;
  attrs.set("num_heads", NH);
  attrs.set("scale", 0.5f);
  Tensor y = run_op(ir::Op::Attention, {qkv, bias}, attrs)[0];
  ASSERT_EQ(y.shape(), (Dims{B, S, H}));
  const float* p = qkv.data<float>();
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < NH; ++h) {
      for (int64_t i = 0; i < S; ++i) {
        std::vector<double> s(S);
        double mx = -1e300, sum = 0;
        for (int64_t j = 0; j < S; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot +=
                double(p[(b * S + i) * 3 * H + h * D + d]) * p[(b * S + j) * 3 * H + H + h * D + d];
          s[j] = 0.5 * dot + (b == 1 && j >= 3 ? -1e300 : 0.0);
          mx = std::max(mx, s[j]);
        }
        for (int64_t j = 0; j < S; ++j) sum += s[j] = std::exp(s[j] - mx);
        for (int64_t d = 0; d < D; ++d) {
          double want = 0;
          for (int64_t j = 0; j < S; ++j)
            want += s[j] / sum * p[(b * S + j) * 3 * H + 2 * H + h * D + d];
          EXPECT_NEAR(y.data<float>()[(b * S + i) * H + h * D + d], want, 1e-5);
        }
      }
    }
  }
}

TEST(FusedKernels, AttentionFullyMaskedRowIsUniformAndFinite) {
  const int64_t S = 4, NH = 1, D = 2;
  Tensor qkv = random_tensor({1, S, 3 * D}, 13, 100.0f);  // large scores
  for (float mask : {-3.4028234663852886e38f, -INFINITY}) {
    Tensor bias = Tensor::empty(DType::kF32, {1, S});
    for (int64_t j = 0; j < S; ++j) bias.data<float>()[j] = mask;
    ir::Attrs attrs;
    attrs.set("num_heads", NH);
    attrs.set("scale", 1.0f);
    Tensor y = run_op(ir::Op::Attention, {qkv, bias}, attrs)[0];
    for (int64_t i = 0; i < S; ++i) {
      for (int64_t d = 0; d < D; ++d) {
        double mean_v = 0;
        for (int64_t j = 0; j < S; ++j)
          mean_v += qkv.data<float>()[j * 3 * D + 2 * D + d] / double(S);
        EXPECT_NEAR(y.data<float>()[i * D + d], mean_v, 1e-4) << "mask " << mask;
      }
    }
  }
}

TEST(FusedKernels, AttentionShapes) {
  ir::TypeInfo qkv{DType::kF32, {ir::Dim::sym("batch"), ir::Dim::sym("seq"), ir::Dim::known(36)}};
  ir::TypeInfo bias{DType::kF32, {ir::Dim::sym("batch"), ir::Dim::sym("seq")}};
  ir::Attrs attrs;
  attrs.set("num_heads", int64_t{4});
  attrs.set("scale", 0.5f);
  auto out = infer(ir::Op::Attention, {&qkv, &bias}, {}, attrs);
  EXPECT_EQ(ir::shape_str(out[0].shape), "[batch, seq, 12]");
  attrs.set("num_heads", int64_t{5});
  EXPECT_THAT(error_of([&] {
                infer(ir::Op::Attention, {&qkv, &bias}, {}, attrs);
              }),
              HasSubstr("multiple of 3 * num_heads"));
}

TEST(FusedKernels, EmbedLayerNormMatchesGathersAndLayerNorm) {
  const int64_t H = 6;
  Tensor ids = testing::int_tensor({3, 1, 4, 0, 2, 2}, {2, 3});
  Tensor types = testing::int_tensor({0, 1, 1, 0, 0, 1}, {2, 3});
  Tensor pos = testing::int_tensor({0, 1, 2}, {1, 3});
  Tensor word = random_tensor({5, H}, 14), type = random_tensor({2, H}, 15);
  Tensor ptab = random_tensor({4, H}, 16), gamma = random_tensor({H}, 17),
         beta = random_tensor({H}, 18);
  ir::Attrs attrs;
  attrs.set("epsilon", 1e-12f);
  Tensor y =
      run_op(ir::Op::EmbedLayerNorm, {ids, types, pos, word, type, ptab, gamma, beta}, attrs)[0];
  ASSERT_EQ(y.shape(), (Dims{2, 3, H}));
  for (int64_t i = 0; i < 6; ++i) {
    std::vector<double> z(H);
    double mean = 0, var = 0;
    for (int64_t k = 0; k < H; ++k) {
      z[k] = word.data<float>()[ids.data<int64_t>()[i] * H + k] +
             type.data<float>()[types.data<int64_t>()[i] * H + k] +
             ptab.data<float>()[pos.data<int64_t>()[i % 3] * H + k];
      mean += z[k] / H;
    }
    for (int64_t k = 0; k < H; ++k) var += (z[k] - mean) * (z[k] - mean) / H;
    for (int64_t k = 0; k < H; ++k) {
      double want =
          (z[k] - mean) / std::sqrt(var + 1e-12) * gamma.data<float>()[k] + beta.data<float>()[k];
      EXPECT_NEAR(y.data<float>()[i * H + k], want, 2e-5);
    }
  }
  Tensor bad = testing::int_tensor({3, 1, 9, 0, 2, 2}, {2, 3});
  EXPECT_THAT(
      error_of([&] {
        run_op(ir::Op::EmbedLayerNorm, {bad, types, pos, word, type, ptab, gamma, beta}, attrs);
      }),
      HasSubstr("word index 9 is out of range [-5, 5)"));
  // Without token types.
  Tensor y2 = run_op(ir::Op::EmbedLayerNorm,
                     {ids, Tensor(), pos, word, Tensor(), ptab, gamma, beta}, attrs)[0];
  EXPECT_EQ(y2.shape(), (Dims{2, 3, H}));
}

}  // namespace
}  // namespace bertc
