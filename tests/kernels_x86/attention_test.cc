// f32_attention_{avx512,avx2} (bertc.Attention) against the reference kernel: sequence
// lengths and head sizes that are not multiples of the tiles, padding masks, fully masked
// rows (finfo.min and -inf), a relative position bias by distance (MPNet), rotary tables and a
// window (ModernBERT), disentangled attention (DeBERTa), fast and precise exp, 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

struct AttnCase {
  int64_t B, S, NH, D;
};

// bias[b, j] = 0 for j < len(b), else `masked`; len(0) = S, len(1) = S/2 + 1, len(2) = 1.
Tensor padding_bias(int64_t B, int64_t S, float masked) {
  Tensor bias = Tensor::empty(DType::kF32, {B, S});
  for (int64_t b = 0; b < B; ++b) {
    const int64_t len = b == 0 ? S : b == 1 ? S / 2 + 1 : 1;
    for (int64_t j = 0; j < S; ++j) bias.data<float>()[b * S + j] = j < len ? 0.0f : masked;
  }
  return bias;
}

// Runs the reference and the x86 kernel on qkv / bias; checks 1 and 2 threads.
void check_attention(cpu::Isa isa, const AttnCase& c, const Tensor& qkv, const Tensor& bias,
                     bool fast, double tol, const std::string& what) {
  ir::Attrs attrs;
  attrs.set("num_heads", c.NH);
  attrs.set("scale", 1.0f / std::sqrt(static_cast<float>(c.D)));
  attrs.set("fast_math", int64_t{fast ? 1 : 0});
  OneNode n(ir::Op::Attention, {&qkv, &bias}, {}, attrs);
  Tensor want = Tensor::empty(DType::kF32, {c.B, c.S, c.NH * c.D});
  n.run_ref(want);
  for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
    Tensor got = Tensor::empty(DType::kF32, {c.B, c.S, c.NH * c.D});
    n.run_x86(isa, got, pool);
    expect_close(got, want, tol, tol,
                 what + (fast ? " fast" : " precise") + (pool ? " 2 threads" : " 1 thread"));
  }
}

// A packed batch [1, T, 3*NH*D] of sequences of `lengths`, with the extra inputs `tables` (rel,
// cos, sin; null when absent): on the reference, each sequence must get exactly what it gets
// alone (B = 1, S = its length, no bias); the x86 kernel of `isa` must match the reference,
// 1 and 2 threads.
void check_packed(cpu::Isa isa, const Tensor& qkv, const std::vector<int64_t>& lengths,
                  const std::vector<const Tensor*>& tables, const ir::Attrs& attrs, const std::string& what) {
  const int64_t W = qkv.dim(2), HD = W / 3;
  std::vector<int64_t> offsets = {0};
  for (int64_t len : lengths) offsets.push_back(offsets.back() + len);
  const int64_t T = offsets.back();
  const kernels::Sequences seqs{static_cast<int64_t>(lengths.size()), offsets.data(),
                                *std::max_element(lengths.begin(), lengths.end())};
  auto srcs = [&](const Tensor* x) {
    std::vector<const Tensor*> s = {x, nullptr};
    s.insert(s.end(), tables.begin(), tables.end());
    return s;
  };
  OneNode packed(ir::Op::Attention, srcs(&qkv), {}, attrs);
  Tensor want = Tensor::empty(DType::kF32, {1, T, HD});
  packed.run_ref(want, &seqs);
  for (size_t i = 0; i < lengths.size(); ++i) {
    Tensor one = Tensor::empty(DType::kF32, {1, lengths[i], W});
    std::copy_n(qkv.data<float>() + offsets[i] * W, lengths[i] * W, one.data<float>());
    OneNode alone(ir::Op::Attention, srcs(&one), {}, attrs);
    Tensor got = Tensor::empty(DType::kF32, {1, lengths[i], HD});
    alone.run_ref(got);
    Tensor slice = Tensor::empty(DType::kF32, {1, lengths[i], HD});
    std::copy_n(want.data<float>() + offsets[i] * HD, lengths[i] * HD, slice.data<float>());
    expect_close(slice, got, 0, 0, what + ": sequence " + std::to_string(i) + " alone");
  }
  for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
    Tensor got = Tensor::empty(DType::kF32, {1, T, HD});
    packed.run_x86(isa, got, pool, {}, &seqs);
    expect_close(got, want, 1e-5, 1e-5, what);
  }
}

// isa, S, B, D (NH = 2)
using AttnParam = std::tuple<cpu::Isa, int64_t, int64_t, int64_t>;

std::string attn_name(const ::testing::TestParamInfo<AttnParam>& info) {
  return std::string(cpu::isa_name(std::get<0>(info.param))) + "_S" +
         std::to_string(std::get<1>(info.param)) + "_B" + std::to_string(std::get<2>(info.param)) +
         "_D" + std::to_string(std::get<3>(info.param));
}

class AttentionTest : public ::testing::TestWithParam<AttnParam> {};

TEST_P(AttentionTest, MatchesReferenceWithPaddingMask) {
  const auto [isa, S, B, D] = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const AttnCase c{B, S, 2, D};
  const uint32_t seed = static_cast<uint32_t>(S * 131 + B * 7 + D);
  // Values up to 3 make peaked softmax rows (scores up to ~9 sqrt(D)).
  Tensor qkv = random_f32({B, S, 3 * c.NH * D}, seed, -3.0f, 3.0f);
  Tensor bias = padding_bias(B, S, -10000.0f);
  for (bool fast : {true, false}) check_attention(isa, c, qkv, bias, fast, 1e-5, "padding");
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionTest,
                         ::testing::Combine(::testing::ValuesIn(x86_isas()),
                                            ::testing::Values(1, 5, 17, 64, 130),
                                            ::testing::Values(1, 3),
                                            ::testing::Values(12, 16, 20, 32, 64)),
                         attn_name);

class AttentionIsaTest : public ::testing::TestWithParam<cpu::Isa> {};

TEST_P(AttentionIsaTest, BertBaseShape) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const AttnCase c{1, 128, 12, 64};
  Tensor qkv = random_f32({1, 128, 3 * 768}, 11, -2.0f, 2.0f);
  Tensor bias = padding_bias(1, 128, -10000.0f);
  for (bool fast : {true, false}) check_attention(isa, c, qkv, bias, fast, 1e-5, "bert-base");
}

TEST_P(AttentionIsaTest, UnusualHeadSizes) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  for (int64_t D : {1, 3, 8, 48, 65, 100, 128}) {
    const AttnCase c{2, 37, 3, D};
    Tensor qkv = random_f32({2, 37, 3 * 3 * D}, static_cast<uint32_t>(D), -2.0f, 2.0f);
    Tensor bias = padding_bias(2, 37, -10000.0f);
    check_attention(isa, c, qkv, bias, true, 1e-5, "D=" + std::to_string(D));
  }
}

TEST_P(AttentionIsaTest, FullyMaskedRowsAreUniform) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const AttnCase c{3, 21, 2, 20};
  Tensor qkv = random_f32({3, 21, 3 * 40}, 3, -2.0f, 2.0f);
  for (float masked : {std::numeric_limits<float>::lowest(), -std::numeric_limits<float>::infinity()}) {
    // Batch 1: every key masked; batch 2: one key.
    Tensor bias = Tensor::empty(DType::kF32, {3, 21});
    for (int64_t j = 0; j < 21; ++j) {
      bias.data<float>()[21 + j] = masked;
      bias.data<float>()[42 + j] = j == 4 ? 0.0f : masked;
    }
    for (bool fast : {true, false}) {
      check_attention(isa, c, qkv, bias, fast, 1e-5, masked < -1e39f ? "-inf mask" : "finfo.min mask");
    }
    // Uniform weights: every query of batch 1 gets the mean of V.
    ir::Attrs attrs;
    attrs.set("num_heads", int64_t{2});
    attrs.set("scale", 0.2f);
    attrs.set("fast_math", int64_t{1});
    OneNode n(ir::Op::Attention, {&qkv, &bias}, {}, attrs);
    Tensor got = Tensor::empty(DType::kF32, {3, 21, 40});
    n.run_x86(isa, got, nullptr);
    for (int64_t d = 0; d < 40; ++d) {
      double mean = 0;
      for (int64_t j = 0; j < 21; ++j) mean += qkv.data<float>()[(21 + j) * 120 + 80 + d];
      mean /= 21;
      for (int64_t i = 0; i < 21; ++i) EXPECT_NEAR(got.data<float>()[(21 + i) * 40 + d], mean, 1e-5);
    }
  }
}

TEST_P(AttentionIsaTest, LongSequence) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const AttnCase c{1, 520, 2, 64};
  Tensor qkv = random_f32({1, 520, 3 * 128}, 9, -1.0f, 1.0f);
  Tensor bias = padding_bias(1, 520, -10000.0f);
  check_attention(isa, c, qkv, bias, true, 1e-5, "S=520");
}

TEST_P(AttentionIsaTest, BadShapeThrows) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor qkv = random_f32({1, 4, 3 * 2 * 8}, 1);
  Tensor bias = padding_bias(1, 4, -10000.0f);
  ir::Attrs attrs;
  attrs.set("num_heads", int64_t{5});  // 48 is not a multiple of 15
  attrs.set("scale", 0.3f);
  OneNode n(ir::Op::Attention, {&qkv, &bias}, {}, attrs);
  kernels::KernelChoice choice = n.choose(isa);
  ASSERT_NE(choice.fn, nullptr);
  Tensor got = Tensor::empty(DType::kF32, {1, 4, 16});
  std::vector<const Tensor*> s = n.srcs();
  std::vector<Tensor*> d = {&got};
  EXPECT_THROW(choice.fn(kernels::KernelCall{choice.attrs.get(), s, d, nullptr}), Error);
}

// A packed batch (no bias, sequences of their own lengths, back to back) gives each sequence
// what it gets alone, on the reference and the x86 kernel, 1 and 2 threads.
TEST_P(AttentionIsaTest, PackedSequencesAttendOnlyToThemselves) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  for (int64_t D : {16, 20, 64}) {
    const int64_t NH = 2, W = 3 * NH * D;
    const std::vector<int64_t> lengths = {5, 1, 33, 17, 64, 2};
    int64_t T = 0;
    for (int64_t len : lengths) T += len;
    Tensor qkv = random_f32({1, T, W}, static_cast<uint32_t>(D) + 7, -3.0f, 3.0f);
    ir::Attrs attrs;
    attrs.set("num_heads", NH);
    attrs.set("scale", 1.0f / std::sqrt(static_cast<float>(D)));
    attrs.set("fast_math", int64_t{1});
    check_packed(isa, qkv, lengths, {}, attrs, "packed D=" + std::to_string(D));
  }
}

// A bias by distance rel [NH, 2R - 1] (R = 150 > S), with a padding mask, on odd lengths and
// head sizes; and packed, where distances count within each sequence.
TEST_P(AttentionIsaTest, DistanceBiasMatchesReference) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  constexpr int64_t R = 150;
  for (const auto& [S, D] : std::vector<std::pair<int64_t, int64_t>>{{1, 12}, {7, 20}, {23, 64}, {150, 12}}) {
    const int64_t B = 3, NH = 3;
    Tensor qkv = random_f32({B, S, 3 * NH * D}, static_cast<uint32_t>(S + D), -2.0f, 2.0f);
    Tensor bias = padding_bias(B, S, -10000.0f);
    Tensor rel = random_f32({NH, 2 * R - 1}, static_cast<uint32_t>(S), -3.0f, 3.0f);
    ir::Attrs attrs;
    attrs.set("num_heads", NH);
    attrs.set("scale", 1.0f / std::sqrt(static_cast<float>(D)));
    attrs.set("fast_math", int64_t{0});
    OneNode n(ir::Op::Attention, {&qkv, &bias, &rel}, {}, attrs);
    Tensor want = Tensor::empty(DType::kF32, {B, S, NH * D});
    n.run_ref(want);
    for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
      Tensor got = Tensor::empty(DType::kF32, {B, S, NH * D});
      n.run_x86(isa, got, pool);
      expect_close(got, want, 1e-5, 1e-5, "S=" + std::to_string(S) + " D=" + std::to_string(D));
    }
  }
  // Packed: sequences of 5, 1, 33 and 64 tokens, each as it is alone.
  const int64_t NH = 2, D = 20;
  Tensor qkv = random_f32({1, 103, 3 * NH * D}, 77, -2.0f, 2.0f);
  Tensor rel = random_f32({NH, 2 * R - 1}, 78, -3.0f, 3.0f);
  ir::Attrs attrs;
  attrs.set("num_heads", NH);
  attrs.set("scale", 0.25f);
  attrs.set("fast_math", int64_t{1});
  check_packed(isa, qkv, {5, 1, 33, 64}, {&rel}, attrs, "packed with a distance bias");
}

// Rotary tables (cos, sin [P, D]) and a sliding window, alone and together with a one-row bias
// by distance, padded (with a padding mask) and packed, 1 and 2 threads, against the reference.
TEST_P(AttentionIsaTest, RotaryAndWindowMatchReference) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  constexpr int64_t P = 80, R = 90;
  for (const auto& [S, D, window, with_rel] : std::vector<std::tuple<int64_t, int64_t, int64_t, bool>>{
           {1, 12, 0, false}, {19, 12, 4, false}, {37, 64, 0, false}, {64, 16, 8, true}, {77, 20, 3, false}}) {
    const int64_t B = 3, NH = 2;
    Tensor qkv = random_f32({B, S, 3 * NH * D}, static_cast<uint32_t>(S * 3 + D), -2.0f, 2.0f);
    Tensor bias = padding_bias(B, S, std::numeric_limits<float>::lowest());
    Tensor cos = random_f32({P, D}, static_cast<uint32_t>(D), -1.0f, 1.0f);
    Tensor sin = random_f32({P, D}, static_cast<uint32_t>(D + 1), -1.0f, 1.0f);
    Tensor rel = random_f32({1, 2 * R - 1}, 5, -2.0f, 2.0f);
    ir::Attrs attrs;
    attrs.set("num_heads", NH);
    attrs.set("scale", 1.0f / std::sqrt(static_cast<float>(D)));
    attrs.set("window", window);
    const std::string what = "S=" + std::to_string(S) + " D=" + std::to_string(D) + " window=" +
                             std::to_string(window) + (with_rel ? " rel" : "");
    for (bool fast : {true, false}) {
      attrs.set("fast_math", int64_t{fast ? 1 : 0});
      OneNode n(ir::Op::Attention, {&qkv, &bias, with_rel ? &rel : nullptr, &cos, &sin}, {}, attrs);
      Tensor want = Tensor::empty(DType::kF32, {B, S, NH * D});
      n.run_ref(want);
      for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
        Tensor got = Tensor::empty(DType::kF32, {B, S, NH * D});
        n.run_x86(isa, got, pool);
        expect_close(got, want, 1e-5, 1e-5, what + (fast ? " fast" : " precise"));
      }
    }
  }
  // Packed: positions and the window count within each sequence.
  const int64_t NH = 2, D = 12;
  Tensor qkv = random_f32({1, 59, 3 * NH * D}, 91, -2.0f, 2.0f);
  Tensor cos = random_f32({P, D}, 92, -1.0f, 1.0f);
  Tensor sin = random_f32({P, D}, 93, -1.0f, 1.0f);
  ir::Attrs attrs;
  attrs.set("num_heads", NH);
  attrs.set("scale", 0.3f);
  attrs.set("window", int64_t{4});
  attrs.set("fast_math", int64_t{1});
  check_packed(isa, qkv, {5, 1, 33, 20}, {nullptr, &cos, &sin}, attrs, "packed with rotary tables and a window");
}

// The reference's rotary embedding and window, by hand: one head of size 2, q = k = (1, 0) at
// every position and cos / sin of angle a_p, so q'_i · k'_j = cos(a_i - a_j); V = (v_j, 0).
TEST(AttentionReference, RotaryRotatesAndWindowCuts) {
  constexpr int64_t S = 4, D = 2;
  const double angle[S] = {0.0, 0.7, -1.3, 2.9};
  const float v[S] = {1.0f, -2.0f, 3.0f, 0.5f};
  Tensor qkv = Tensor::empty(DType::kF32, {1, S, 3 * D});
  std::vector<float> c, s;
  for (int64_t p = 0; p < S; ++p) {
    const float row[6] = {1, 0, 1, 0, v[p], 0};
    std::copy_n(row, 6, qkv.data<float>() + 6 * p);
    for (int d = 0; d < D; ++d) {
      c.push_back(static_cast<float>(std::cos(angle[p])));
      s.push_back(static_cast<float>(std::sin(angle[p])));
    }
  }
  const Tensor cos = Tensor::from_vector<float>(c, {S, D}), sin = Tensor::from_vector<float>(s, {S, D});
  for (int64_t window : {0, 1}) {
    ir::Attrs attrs;
    attrs.set("num_heads", int64_t{1});
    attrs.set("scale", 1.0f);
    attrs.set("window", window);
    OneNode n(ir::Op::Attention, {&qkv, nullptr, nullptr, &cos, &sin}, {}, attrs);
    Tensor y = Tensor::empty(DType::kF32, {1, S, D});
    n.run_ref(y);
    for (int64_t i = 0; i < S; ++i) {
      double num = 0, den = 0;
      for (int64_t j = 0; j < S; ++j) {
        if (window > 0 && std::abs(i - j) > window) continue;
        const double e = std::exp(std::cos(angle[i] - angle[j]));
        num += e * v[j];
        den += e;
      }
      EXPECT_NEAR(y.data<float>()[i * D], num / den, 1e-5) << "query " << i << " window " << window;
    }
  }
}

// The reference kernel adds rel[h, j - i + R - 1]: two keys with equal K and V rows differ only
// by their distance biases, so query 0's weights on keys 1 and 2 are in the ratio e^(b1 - b2).
TEST(AttentionReference, DistanceBiasIndexesByKeyMinusQuery) {
  constexpr int64_t R = 4, S = 3, D = 1;
  Tensor qkv = Tensor::empty(DType::kF32, {1, S, 3 * D});
  // q = 0 (scores 0 except the bias); V = 0, 1, 0 so y_0 = p(key 1).
  const float rows[S][3] = {{0, 0, 0}, {0, 0, 1}, {0, 0, 0}};
  for (int64_t i = 0; i < S; ++i) std::copy_n(rows[i], 3, qkv.data<float>() + 3 * i);
  std::vector<float> table(2 * R - 1, 0.0f);
  table[R - 1 + 1] = std::log(2.0f);  // distance +1: key 1 for query 0
  Tensor rel = Tensor::from_vector<float>(table, {1, 2 * R - 1});
  ir::Attrs attrs;
  attrs.set("num_heads", int64_t{1});
  attrs.set("scale", 1.0f);
  OneNode n(ir::Op::Attention, {&qkv, nullptr, &rel}, {}, attrs);
  Tensor y = Tensor::empty(DType::kF32, {1, S, D});
  n.run_ref(y);
  EXPECT_NEAR(y.data<float>()[0], 2.0 / 4.0, 1e-6);  // weights 1, 2, 1 on keys 0, 1, 2
  EXPECT_NEAR(y.data<float>()[1], 1.0 / 4.0, 1e-6);  // query 1: distances -1, 0, +1 → 1, 1, 2
  EXPECT_NEAR(y.data<float>()[2], 1.0 / 3.0, 1e-6);  // query 2: distances -2, -1, 0
}

// A sequence longer than the table covers fails naming the limit.
TEST_P(AttentionIsaTest, DistanceBiasTooShortThrows) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor qkv = random_f32({1, 9, 3 * 8}, 1);
  Tensor rel = random_f32({1, 2 * 8 - 1}, 2);
  ir::Attrs attrs;
  attrs.set("num_heads", int64_t{1});
  attrs.set("scale", 0.3f);
  OneNode n(ir::Op::Attention, {&qkv, nullptr, &rel}, {}, attrs);
  Tensor got = Tensor::empty(DType::kF32, {1, 9, 8});
  try {
    n.run_x86(isa, got, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("longer than the 8"), std::string::npos) << e.what();
  }
}

// DeBERTa's position rows by distance d = j - i: clamp(bucket(i - j) + span, 0, 2·span - 1) with
// make_log_bucket_position (buckets > 0) or the distance itself, as [2R - 1] int64.
Tensor deberta_pos_index(int64_t R, int64_t span, int64_t buckets, int64_t max_position) {
  std::vector<int64_t> rows;
  for (int64_t d = -(R - 1); d < R; ++d) {
    double rel = static_cast<double>(-d);
    if (buckets > 0) {
      const double mid = static_cast<double>(buckets / 2);
      const double abs_pos = rel < mid && rel > -mid ? mid - 1 : std::abs(rel);
      const double log_pos =
          std::ceil(std::log(abs_pos / mid) / std::log((max_position - 1) / mid) * (mid - 1)) + mid;
      rel = abs_pos <= mid ? rel : log_pos * (rel > 0 ? 1 : rel < 0 ? -1 : 0);
    }
    rows.push_back(std::clamp<int64_t>(static_cast<int64_t>(rel) + span, 0, 2 * span - 1));
  }
  return Tensor::from_vector<int64_t>(rows, {2 * R - 1});
}

// Disentangled attention (pos_key and / or pos_query with pos_index), with log buckets and with
// plain clamped distances, padded (a padding mask) and packed, fast and precise, 1 and 2
// threads, against the reference.
TEST_P(AttentionIsaTest, DisentangledMatchesReference) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  constexpr int64_t R = 90;
  struct Case {
    int64_t S, D, span, buckets, max_position;
    bool c2p, p2c;
  };
  for (const Case& c : std::vector<Case>{{1, 12, 8, 8, 16, true, true},
                                         {11, 16, 8, 8, 16, true, true},
                                         {40, 20, 6, 0, 0, true, false},
                                         {37, 64, 32, 32, 64, false, true},
                                         {90, 12, 16, 16, 64, true, true}}) {
    const int64_t B = 3, NH = 2, P = 2 * c.span;
    Tensor qkv = random_f32({B, c.S, 3 * NH * c.D}, static_cast<uint32_t>(c.S * 5 + c.D), -2.0f, 2.0f);
    Tensor bias = padding_bias(B, c.S, std::numeric_limits<float>::lowest());
    Tensor pos_key = random_f32({NH, P, c.D}, static_cast<uint32_t>(c.D + 7), -1.0f, 1.0f);
    Tensor pos_query = random_f32({NH, P, c.D}, static_cast<uint32_t>(c.D + 8), -1.0f, 1.0f);
    Tensor index = deberta_pos_index(R, c.span, c.buckets, c.max_position);
    ir::Attrs attrs;
    attrs.set("num_heads", NH);
    attrs.set("scale", 1.0f / std::sqrt(3.0f * static_cast<float>(c.D)));
    const std::string what = "S=" + std::to_string(c.S) + " D=" + std::to_string(c.D) + (c.c2p ? " c2p" : "") +
                             (c.p2c ? " p2c" : "");
    for (bool fast : {true, false}) {
      attrs.set("fast_math", int64_t{fast ? 1 : 0});
      OneNode n(ir::Op::Attention,
                {&qkv, &bias, nullptr, nullptr, nullptr, c.c2p ? &pos_key : nullptr, c.p2c ? &pos_query : nullptr,
                 &index},
                {}, attrs);
      Tensor want = Tensor::empty(DType::kF32, {B, c.S, NH * c.D});
      n.run_ref(want);
      for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
        Tensor got = Tensor::empty(DType::kF32, {B, c.S, NH * c.D});
        n.run_x86(isa, got, pool);
        expect_close(got, want, 1e-5, 1e-5, what + (fast ? " fast" : " precise"));
      }
    }
  }
  // Any rows by distance (not growing with it, as no DeBERTa table is): a short sequence may use
  // all P of them.
  {
    const int64_t B = 2, S = 9, NH = 2, D = 12, P = 40;
    std::vector<int64_t> scrambled;
    for (int64_t d = 0; d < 2 * R - 1; ++d) scrambled.push_back((d * 37 + 11) % P);
    Tensor index = Tensor::from_vector<int64_t>(scrambled, {2 * R - 1});
    Tensor qkv = random_f32({B, S, 3 * NH * D}, 41, -2.0f, 2.0f);
    Tensor bias = padding_bias(B, S, -10000.0f);
    Tensor pos_key = random_f32({NH, P, D}, 42, -1.0f, 1.0f);
    Tensor pos_query = random_f32({NH, P, D}, 43, -1.0f, 1.0f);
    ir::Attrs attrs;
    attrs.set("num_heads", NH);
    attrs.set("scale", 0.2f);
    attrs.set("fast_math", int64_t{0});
    OneNode n(ir::Op::Attention, {&qkv, &bias, nullptr, nullptr, nullptr, &pos_key, &pos_query, &index}, {}, attrs);
    Tensor want = Tensor::empty(DType::kF32, {B, S, NH * D});
    n.run_ref(want);
    for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
      Tensor got = Tensor::empty(DType::kF32, {B, S, NH * D});
      n.run_x86(isa, got, pool);
      expect_close(got, want, 1e-5, 1e-5, "scrambled rows");
    }
  }
  // Packed: distances count within each sequence.
  const int64_t NH = 3, D = 16, span = 8;
  Tensor qkv = random_f32({1, 79, 3 * NH * D}, 95, -2.0f, 2.0f);
  Tensor pos_key = random_f32({NH, 2 * span, D}, 96, -1.0f, 1.0f);
  Tensor pos_query = random_f32({NH, 2 * span, D}, 97, -1.0f, 1.0f);
  Tensor index = deberta_pos_index(R, span, 8, 16);
  ir::Attrs attrs;
  attrs.set("num_heads", NH);
  attrs.set("scale", 0.2f);
  attrs.set("fast_math", int64_t{1});
  check_packed(isa, qkv, {5, 1, 33, 40}, {nullptr, nullptr, nullptr, &pos_key, &pos_query, &index}, attrs,
               "packed disentangled attention");
}

// The reference's disentangled scores by hand: one head of size 1, q_i = a_i, k_j = b_j, V = v_j,
// position rows by distance; score_ij = scale · (a_i b_j + a_i pk[r] + b_j pq[r]).
TEST(AttentionReference, DisentangledAddsContentToPositionAndBack) {
  constexpr int64_t S = 3, R = 3;
  const float a[S] = {0.5f, -1.0f, 2.0f}, b[S] = {1.5f, 0.25f, -0.75f}, v[S] = {1.0f, -2.0f, 3.0f};
  const float pk[4] = {0.3f, -0.6f, 0.9f, 1.2f}, pq[4] = {-0.4f, 0.8f, 0.1f, -1.1f};
  const std::vector<int64_t> rows = {0, 3, 1, 2, 0};  // distances -2 .. 2 (any rows in [0, 4))
  Tensor qkv = Tensor::empty(DType::kF32, {1, S, 3});
  for (int64_t p = 0; p < S; ++p) {
    const float row[3] = {a[p], b[p], v[p]};
    std::copy_n(row, 3, qkv.data<float>() + 3 * p);
  }
  const Tensor pos_key = Tensor::from_vector<float>({pk, pk + 4}, {1, 4, 1});
  const Tensor pos_query = Tensor::from_vector<float>({pq, pq + 4}, {1, 4, 1});
  const Tensor index = Tensor::from_vector<int64_t>(rows, {2 * R - 1});
  ir::Attrs attrs;
  attrs.set("num_heads", int64_t{1});
  attrs.set("scale", 0.7f);
  OneNode n(ir::Op::Attention, {&qkv, nullptr, nullptr, nullptr, nullptr, &pos_key, &pos_query, &index}, {}, attrs);
  Tensor y = Tensor::empty(DType::kF32, {1, S, 1});
  n.run_ref(y);
  for (int64_t i = 0; i < S; ++i) {
    double num = 0, den = 0;
    for (int64_t j = 0; j < S; ++j) {
      const int64_t r = rows[static_cast<size_t>(j - i + R - 1)];
      const double e = std::exp(0.7 * (a[i] * b[j] + a[i] * pk[r] + b[j] * pq[r]));
      num += e * v[j];
      den += e;
    }
    EXPECT_NEAR(y.data<float>()[i], num / den, 1e-5) << "query " << i;
  }
}

// A position row outside pos_key's rows, or a sequence longer than pos_index covers, fails
// naming it.
TEST_P(AttentionIsaTest, DisentangledBadIndexThrows) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor qkv = random_f32({1, 5, 3 * 8}, 1);
  Tensor pos_key = random_f32({1, 4, 8}, 2);
  ir::Attrs attrs;
  attrs.set("num_heads", int64_t{1});
  attrs.set("scale", 0.3f);
  for (const auto& [index, message] : std::vector<std::pair<Tensor, std::string>>{
           {Tensor::from_vector<int64_t>({0, 1, 2, 3, 4, 1, 2, 3, 0}, {9}), "pos_index[4] = 4 is outside [0, 4)"},
           {Tensor::from_vector<int64_t>({0, 1, 2, 3, 2, 1, 0}, {7}), "longer than the 4"}}) {
    OneNode n(ir::Op::Attention, {&qkv, nullptr, nullptr, nullptr, nullptr, &pos_key, nullptr, &index}, {}, attrs);
    Tensor got = Tensor::empty(DType::kF32, {1, 5, 8});
    try {
      n.run_x86(isa, got, nullptr);
      FAIL() << "no error for " << message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, AttentionIsaTest, ::testing::ValuesIn(x86_isas()), isa_param_name);

}  // namespace
}  // namespace bertc::testing
