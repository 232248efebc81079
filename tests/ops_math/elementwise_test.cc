// Reference kernels of the elementwise math ops on hand-computed cases: broadcasting, every
// dtype family, integer edge cases, in-place safety and the dtype errors.
#include <cmath>
#include <limits>

#include "math_test_util.h"

namespace bertc::testing {
namespace {

using ir::Op;
using ::testing::HasSubstr;

Tensor run1(Op op, const std::vector<Tensor>& in, ir::Attrs attrs = {}) {
  return run_op(op, in, std::move(attrs))[0];
}

// ---- binary arithmetic ----

TEST(MathBinary, AddBroadcastsRowOverMatrix) {
  Tensor out = run1(Op::Add, {iota_f32({2, 3}), f32({10, 20, 30}, {3})});
  expect_tensor<float>(out, {2, 3}, {10, 21, 32, 13, 24, 35});
}

TEST(MathBinary, SubBroadcastsBothInputs) {
  Tensor out = run1(Op::Sub, {f32({1, 2}, {2, 1}), f32({10, 20, 30}, {1, 3})});
  expect_tensor<float>(out, {2, 3}, {-9, -19, -29, -8, -18, -28});
}

TEST(MathBinary, MulByScalarAndRank0Result) {
  expect_tensor<double>(run1(Op::Mul, {tensor<double>({1.5, -2}, {2}), tensor<double>({4}, {})}),
                        {2}, {6, -8});
  expect_tensor<int64_t>(run1(Op::Mul, {scalar_i64(6), scalar_i64(-7)}), {}, {-42});
}

TEST(MathBinary, MiddleDimBroadcast) {
  // [2, 1, 2] + [3, 1]: out [2, 3, 2].
  Tensor a = tensor<int32_t>({1, 2, 3, 4}, {2, 1, 2});
  Tensor b = tensor<int32_t>({10, 20, 30}, {3, 1});
  expect_tensor<int32_t>(run1(Op::Add, {a, b}), {2, 3, 2},
                         {11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34});
}

TEST(MathBinary, IntegersWrap) {
  expect_tensor<uint8_t>(
      run1(Op::Add, {tensor<uint8_t>({250, 3}, {2}), tensor<uint8_t>({10, 4}, {2})}), {2}, {4, 7});
  expect_tensor<uint8_t>(run1(Op::Sub, {tensor<uint8_t>({3}, {1}), tensor<uint8_t>({5}, {1})}), {1},
                         {254});
  const int32_t max = std::numeric_limits<int32_t>::max();
  expect_tensor<int32_t>(run1(Op::Add, {tensor<int32_t>({max}, {1}), tensor<int32_t>({1}, {1})}),
                         {1}, {std::numeric_limits<int32_t>::min()});
  expect_tensor<int8_t>(
      run1(Op::Mul, {tensor<int8_t>({16, -3}, {2}), tensor<int8_t>({16, 5}, {2})}), {2}, {0, -15});
}

TEST(MathBinary, FloatDivision) {
  expect_tensor<float>(run1(Op::Div, {f32({3, -1, 0}, {3}), f32({2, 4, 5}, {3})}), {3},
                       {1.5f, -0.25f, 0});
}

TEST(MathBinary, IntegerDivisionTruncatesTowardZero) {
  Tensor a = tensor<int64_t>({7, -7, 7, -7, std::numeric_limits<int64_t>::min()}, {5});
  Tensor b = tensor<int64_t>({2, 2, -2, -2, -1}, {5});
  expect_tensor<int64_t>(run1(Op::Div, {a, b}), {5},
                         {3, -3, -3, 3, std::numeric_limits<int64_t>::min()});
  expect_tensor<uint8_t>(run1(Op::Div, {tensor<uint8_t>({200}, {1}), tensor<uint8_t>({255}, {1})}),
                         {1}, {0});
}

TEST(MathBinary, IntegerDivisionByZeroFails) {
  std::string msg = error_of([] {
    run_op(Op::Div, {tensor<int32_t>({1, 2}, {2}), tensor<int32_t>({1, 0}, {2})}, {}, 1, "d");
  });
  EXPECT_THAT(msg, HasSubstr("node 'd' (Div)"));
  EXPECT_THAT(msg, HasSubstr("division by zero"));
}

TEST(MathBinary, DtypeErrors) {
  std::string msg = error_of([] {
    run_op(Op::Add, {f32({1}, {1}), tensor<int64_t>({1}, {1})}, {}, 1, "add1");
  });
  EXPECT_THAT(msg, HasSubstr("node 'add1' (Add)"));
  EXPECT_THAT(msg, HasSubstr("different dtypes float32 and int64"));
  EXPECT_THAT(error_of([] {
                run1(Op::Add, {tensor<bool>({true}, {1}), tensor<bool>({true}, {1})});
              }),
              HasSubstr("input 0 has dtype bool"));
  EXPECT_THAT(error_of([] {
                run1(Op::Add, {f32({1, 2}, {2}), f32({1, 2, 3}, {3})});
              }),
              HasSubstr("cannot broadcast shapes [2] and [3]"));
  EXPECT_THAT(error_of([] { run1(Op::Add, {f32({1}, {1})}); }),
              HasSubstr("takes 2 inputs, got 1"));
}

// ---- comparisons and logic ----

TEST(MathCompare, AllComparisonsBroadcastToBool) {
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f32({2, 2, 5}, {3});
  expect_tensor<bool>(run1(Op::Equal, {a, b}), {2, 3}, {false, true, false, false, false, false});
  expect_tensor<bool>(run1(Op::Less, {a, b}), {2, 3}, {true, false, true, false, false, false});
  expect_tensor<bool>(run1(Op::Greater, {a, b}), {2, 3}, {false, false, false, true, true, true});
  expect_tensor<bool>(run1(Op::LessOrEqual, {a, b}), {2, 3},
                      {true, true, true, false, false, false});
  expect_tensor<bool>(run1(Op::GreaterOrEqual, {a, b}), {2, 3},
                      {false, true, false, true, true, true});
}

TEST(MathCompare, EqualOnIntegersAndBool) {
  expect_tensor<bool>(run1(Op::Equal, {tensor<int64_t>({1, 0, 1}, {3}), scalar_i64(1)}), {3},
                      {true, false, true});
  expect_tensor<bool>(
      run1(Op::Equal, {tensor<bool>({true, false}, {2}), tensor<bool>({true, true}, {2})}), {2},
      {true, false});
  expect_tensor<bool>(
      run1(Op::Less, {tensor<uint8_t>({0, 200}, {2}), tensor<uint8_t>({1, 100}, {2})}), {2},
      {true, false});
}

TEST(MathCompare, OrderingRejectsBool) {
  EXPECT_THAT(error_of([] {
                run1(Op::Less, {tensor<bool>({true}, {1}), tensor<bool>({true}, {1})});
              }),
              HasSubstr("input 0 has dtype bool, expected one of: float32"));
}

TEST(MathLogic, AndOrXorBroadcast) {
  Tensor a = tensor<bool>({true, true, false, false}, {2, 2});
  Tensor b = tensor<bool>({true, false}, {2});
  expect_tensor<bool>(run1(Op::And, {a, b}), {2, 2}, {true, false, false, false});
  expect_tensor<bool>(run1(Op::Or, {a, b}), {2, 2}, {true, true, true, false});
  expect_tensor<bool>(run1(Op::Xor, {a, b}), {2, 2}, {false, true, true, false});
  expect_tensor<bool>(run1(Op::Not, {a}), {2, 2}, {false, false, true, true});
}

TEST(MathLogic, RejectsNonBool) {
  EXPECT_THAT(error_of([] {
                run1(Op::And, {f32({1}, {1}), f32({1}, {1})});
              }),
              HasSubstr("input 0 has dtype float32, expected one of: bool"));
  EXPECT_THAT(error_of([] { run1(Op::Not, {tensor<int32_t>({1}, {1})}); }),
              HasSubstr("expected one of: bool"));
}

// ---- Pow ----

TEST(MathPow, FloatBaseAndExponentBroadcast) {
  expect_tensor<float>(run1(Op::Pow, {f32({1, 2, 3, 4}, {2, 2}), f32({2, 0.5f}, {2})}), {2, 2},
                       {1, std::sqrt(2.0f), 9, 2}, 1e-6);
}

TEST(MathPow, MixedDtypesFollowTheBase) {
  // ONNX test_pow_types_int32_float32: int32 base, float exponent.
  expect_tensor<int32_t>(run1(Op::Pow, {tensor<int32_t>({1, 2, 3}, {3}), f32({4, 5, 6}, {3})}), {3},
                         {1, 32, 729});
  expect_tensor<float>(run1(Op::Pow, {f32({1, 2, 3}, {3}), tensor<int64_t>({4, 5, 6}, {3})}), {3},
                       {1, 32, 729});
  expect_tensor<double>(run1(Op::Pow, {tensor<double>({2, 4}, {2}), tensor<uint8_t>({3, 0}, {2})}),
                        {2}, {8, 1});
}

TEST(MathPow, IntegerPowerIsExact) {
  expect_tensor<int64_t>(
      run1(Op::Pow, {tensor<int64_t>({3, -2, 7}, {3}), tensor<int64_t>({39, 3, 0}, {3})}), {3},
      {4052555153018976267LL, -8, 1});
  // Negative exponents: 1 / base^e truncated.
  expect_tensor<int32_t>(
      run1(Op::Pow, {tensor<int32_t>({2, 1, -1, -1}, {4}), tensor<int32_t>({-1, -5, -3, -2}, {4})}),
      {4}, {0, 1, -1, 1});
}

TEST(MathPow, RejectsInt8Base) {
  EXPECT_THAT(error_of([] {
                run1(Op::Pow, {tensor<int8_t>({2}, {1}), f32({2}, {1})});
              }),
              HasSubstr("input 0 has dtype int8"));
  EXPECT_THAT(error_of([] {
                run1(Op::Pow, {f32({2}, {1}), tensor<bool>({true}, {1})});
              }),
              HasSubstr("input 1 has dtype bool"));
}

// ---- Min / Max ----

TEST(MathMinMax, VariadicWithBroadcasting) {
  Tensor a = f32({1, 5, 3, 4}, {2, 2});
  Tensor b = f32({2, 2}, {2});
  Tensor c = f32({0}, {1, 1});
  expect_tensor<float>(run1(Op::Max, {a, b, c}), {2, 2}, {2, 5, 3, 4});
  expect_tensor<float>(run1(Op::Min, {a, b, c}), {2, 2}, {0, 0, 0, 0});
  expect_tensor<float>(run1(Op::Min, {a, b}), {2, 2}, {1, 2, 2, 2});
}

TEST(MathMinMax, SingleInputAndIntegers) {
  expect_tensor<float>(run1(Op::Max, {f32({1, -1}, {2})}), {2}, {1, -1});
  expect_tensor<int8_t>(
      run1(Op::Min, {tensor<int8_t>({-128, 5}, {2}), tensor<int8_t>({0, 127}, {2})}), {2},
      {-128, 5});
  expect_tensor<uint8_t>(
      run1(Op::Max, {tensor<uint8_t>({200, 5}, {2}), tensor<uint8_t>({100, 6}, {2})}), {2},
      {200, 6});
}

TEST(MathMinMax, NanPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor out = run1(Op::Max, {f32({nan, 1}, {2}), f32({1, nan}, {2})});
  EXPECT_TRUE(std::isnan(out.data<float>()[0]));
  EXPECT_TRUE(std::isnan(out.data<float>()[1]));
}

TEST(MathMinMax, MixedDtypesFail) {
  EXPECT_THAT(error_of([] {
                run1(Op::Max, {f32({1}, {1}), f32({1}, {1}), scalar_i64(1)});
              }),
              HasSubstr("inputs 0 and 2 have different dtypes float32 and int64"));
}

// ---- Where ----

TEST(MathWhere, BroadcastsAllThree) {
  Tensor cond = tensor<bool>({true, false}, {2, 1});
  Tensor x = tensor<int64_t>({1, 2, 3}, {3});
  Tensor y = scalar_i64(-1);
  expect_tensor<int64_t>(run1(Op::Where, {cond, x, y}), {2, 3}, {1, 2, 3, -1, -1, -1});
  // The attention-mask pattern: where(mask, scores, -inf-ish).
  expect_tensor<float>(run1(Op::Where, {tensor<bool>({true, false, true}, {3}), f32({1, 2, 3}, {3}),
                                        f32({-1e4f}, {})}),
                       {3}, {1, -1e4f, 3});
}

TEST(MathWhere, DtypeErrors) {
  EXPECT_THAT(error_of([] {
                run1(Op::Where, {f32({1}, {1}), f32({1}, {1}), f32({1}, {1})});
              }),
              HasSubstr("input 0 has dtype float32, expected one of: bool"));
  EXPECT_THAT(error_of([] {
                run1(Op::Where, {tensor<bool>({true}, {1}), f32({1}, {1}), scalar_i64(1)});
              }),
              HasSubstr("inputs 1 and 2 have different dtypes float32 and int64"));
}

// ---- unary ----

TEST(MathUnary, SignOps) {
  expect_tensor<float>(run1(Op::Neg, {f32({1, -2, 0}, {3})}), {3}, {-1, 2, 0});
  expect_tensor<int8_t>(run1(Op::Neg, {tensor<int8_t>({-128, 5}, {2})}), {2}, {-128, -5});
  expect_tensor<float>(run1(Op::Abs, {f32({-1.5f, 2}, {2})}), {2}, {1.5f, 2});
  expect_tensor<int32_t>(run1(Op::Abs, {tensor<int32_t>({-7, 7}, {2})}), {2}, {7, 7});
  expect_tensor<uint8_t>(run1(Op::Abs, {tensor<uint8_t>({200}, {1})}), {1}, {200});
  EXPECT_THAT(error_of([] { run1(Op::Neg, {tensor<uint8_t>({1}, {1})}); }),
              HasSubstr("input 0 has dtype uint8"));
}

// Sign, Ceil and Clip (DeBERTa's relative-position buckets).
TEST(MathUnary, SignCeilClip) {
  expect_tensor<int64_t>(run1(Op::Sign, {tensor<int64_t>({-5, 0, 7}, {3})}), {3}, {-1, 0, 1});
  expect_tensor<float>(run1(Op::Sign, {f32({-0.5f, 0, 2}, {3})}), {3}, {-1, 0, 1});
  expect_tensor<float>(run1(Op::Ceil, {f32({-1.5f, 0.25f, 3}, {3})}), {3}, {-1, 1, 3});
  const Tensor lo = tensor<int64_t>({0}, {}), hi = tensor<int64_t>({15}, {});
  expect_tensor<int64_t>(run1(Op::Clip, {tensor<int64_t>({-3, 7, 40}, {3}), lo, hi}), {3}, {0, 7, 15});
  // torch's opset-11 export of an int64 clamp: float32 bounds, converted to int64
  expect_tensor<int64_t>(run1(Op::Clip, {tensor<int64_t>({-3, 7, 40}, {3}), f32({0}, {}), f32({15}, {})}), {3},
                         {0, 7, 15});
  expect_tensor<float>(run1(Op::Clip, {f32({-3, 0.5f}, {2}), f32({0}, {})}), {2}, {0, 0.5f});
  EXPECT_THAT(error_of([] { run1(Op::Clip, {f32({1}, {1}), f32({0, 1}, {2})}); }), HasSubstr("must be a scalar"));
  EXPECT_THAT(error_of([] { run1(Op::Ceil, {tensor<int64_t>({1}, {1})}); }), HasSubstr("input 0 has dtype int64"));
}

TEST(MathUnary, Transcendentals) {
  Tensor x = f32({0.25f, 1, 4}, {3});
  expect_tensor<float>(run1(Op::Sqrt, {x}), {3}, {0.5f, 1, 2}, 1e-7);
  expect_tensor<float>(run1(Op::Reciprocal, {x}), {3}, {4, 1, 0.25f}, 1e-7);
  expect_tensor<float>(run1(Op::Exp, {f32({0, 1, -1}, {3})}), {3}, {1, 2.718281828f, 0.367879441f},
                       1e-6);
  expect_tensor<float>(run1(Op::Log, {f32({1, 2.718281828f, 0.5f}, {3})}), {3},
                       {0, 1, -0.693147181f}, 1e-6);
  expect_tensor<float>(run1(Op::Tanh, {f32({0, 1, -20}, {3})}), {3}, {0, 0.761594156f, -1}, 1e-6);
  expect_tensor<float>(run1(Op::Sigmoid, {f32({0, 2, -100}, {3})}), {3}, {0.5f, 0.880797078f, 0},
                       1e-6);
  expect_tensor<double>(run1(Op::Erf, {tensor<double>({0, 0.5, -1, 3}, {4})}), {4},
                        {0, 0.5204998778130465, -0.8427007929497149, 0.9999779095030014}, 1e-15);
  expect_tensor<int32_t>(run1(Op::Erf, {tensor<int32_t>({0, 1, -9}, {3})}), {3}, {0, 0, -1});
}

TEST(MathUnary, Relu) {
  expect_tensor<float>(run1(Op::Relu, {f32({-1, 0, 2.5f}, {3})}), {3}, {0, 0, 2.5f});
  expect_tensor<int32_t>(run1(Op::Relu, {tensor<int32_t>({-3, 3}, {2})}), {2}, {0, 3});
  expect_tensor<int8_t>(run1(Op::Relu, {tensor<int8_t>({-128, 127}, {2})}), {2}, {0, 127});
}

TEST(MathUnary, FloatOnlyOpsRejectIntegers) {
  for (Op op : {Op::Sqrt, Op::Reciprocal, Op::Exp, Op::Log, Op::Tanh, Op::Sigmoid}) {
    EXPECT_THAT(error_of([op] { run1(op, {scalar_i64(1)}); }),
                HasSubstr("input 0 has dtype int64, expected one of: float32, float64"));
  }
}

// ---- Cast ----

ir::Attrs to(DType dtype) { return attrs_of({{"to", static_cast<int64_t>(dtype)}}); }

TEST(MathCast, FloatToIntegerTruncates) {
  Tensor x = f32({1.9f, -1.9f, 2.5f, -0.5f}, {2, 2});
  expect_tensor<int32_t>(run1(Op::Cast, {x}, to(DType::kI32)), {2, 2}, {1, -1, 2, 0});
  expect_tensor<int64_t>(run1(Op::Cast, {x}, to(DType::kI64)), {2, 2}, {1, -1, 2, 0});
  expect_tensor<uint8_t>(run1(Op::Cast, {f32({3.7f, 255}, {2})}, to(DType::kU8)), {2}, {3, 255});
}

TEST(MathCast, ToAndFromBool) {
  expect_tensor<bool>(run1(Op::Cast, {f32({0, 0.5f, -2, -0.0f}, {4})}, to(DType::kBool)), {4},
                      {false, true, true, false});
  expect_tensor<bool>(run1(Op::Cast, {tensor<int64_t>({0, 7}, {2})}, to(DType::kBool)), {2},
                      {false, true});
  expect_tensor<float>(run1(Op::Cast, {tensor<bool>({true, false}, {2})}, to(DType::kF32)), {2},
                       {1, 0});
}

TEST(MathCast, IntegerAndFloatWidths) {
  expect_tensor<int8_t>(run1(Op::Cast, {tensor<int64_t>({300, -1}, {2})}, to(DType::kI8)), {2},
                        {44, -1});
  expect_tensor<float>(run1(Op::Cast, {tensor<int64_t>({1, -(1LL << 40)}, {2})}, to(DType::kF32)),
                       {2}, {1, -1099511627776.0f});
  expect_tensor<float>(run1(Op::Cast, {tensor<double>({0.1, -2.5}, {2})}, to(DType::kF32)), {2},
                       {0.1f, -2.5f});
  expect_tensor<double>(run1(Op::Cast, {f32({0.5f}, {1})}, to(DType::kF64)), {1}, {0.5});
  expect_tensor<float>(run1(Op::Cast, {f32({1.25f}, {})}, to(DType::kF32)), {}, {1.25f});
}

TEST(MathCast, BadTarget) {
  EXPECT_THAT(error_of([] { run1(Op::Cast, {f32({1}, {1})}); }),
              HasSubstr("missing attribute 'to'"));
  EXPECT_THAT(error_of([] {
                run1(Op::Cast, {f32({1}, {1})}, attrs_of({{"to", int64_t{16}}}));
              }),
              HasSubstr("'to' = 16 is not a bertc dtype code"));
}

// ---- Identity / Dropout ----

TEST(MathIdentity, CopiesAnyDtype) {
  expect_tensor<int64_t>(run1(Op::Identity, {tensor<int64_t>({4, 5}, {2, 1})}), {2, 1}, {4, 5});
  expect_tensor<bool>(run1(Op::Identity, {tensor<bool>({true}, {})}), {}, {true});
}

TEST(MathDropout, IsIdentityWithAllTrueMask) {
  Tensor x = f32({1, 2, 3}, {3});
  std::vector<Tensor> out =
      run_op(Op::Dropout, {x, f32({0.5f}, {}), tensor<bool>({false}, {})}, {}, 2);
  expect_tensor<float>(out[0], {3}, {1, 2, 3});
  expect_tensor<bool>(out[1], {3}, {true, true, true});
  // Opset < 12: ratio is an attribute, one output.
  expect_tensor<float>(run1(Op::Dropout, {x}, attrs_of({{"ratio", 0.2f}})), {3}, {1, 2, 3});
}

TEST(MathDropout, TrainingOnlyWithZeroRatio) {
  EXPECT_THAT(
      error_of([] {
        run_op(Op::Dropout, {f32({1}, {1}), Tensor(), tensor<bool>({true}, {})}, {}, 1, "drop");
      }),
      HasSubstr("node 'drop' (Dropout): training_mode = true with ratio 0.5"));
  EXPECT_THAT(error_of([] {
                run_op(Op::Dropout, {f32({1}, {1}), f32({0.1f}, {}), tensor<bool>({true}, {})});
              }),
              HasSubstr("is not supported (inference only"));
  // Training with ratio 0 is the identity.
  std::vector<Tensor> out =
      run_op(Op::Dropout, {f32({1, 2}, {2}), f32({0}, {}), tensor<bool>({true}, {})}, {}, 2);
  expect_tensor<float>(out[0], {2}, {1, 2});
  expect_tensor<bool>(out[1], {2}, {true, true});
  // Unknown at compile time: the kernel refuses it at run time.
  ir::Node node = make_node(Op::Dropout, 3, 1, {}, "drop");
  Tensor x = f32({1}, {1}), mode = tensor<bool>({true}, {}), y = f32({0}, {1});
  std::vector<const Tensor*> src{&x, nullptr, &mode};
  std::vector<Tensor*> dst{&y};
  EXPECT_THAT(error_of([&] {
                kernels::ref::run(node, src, dst);
              }),
              HasSubstr("training_mode"));
}

// ---- in place ----

TEST(MathInPlace, MarkedKernelsTolerateAliasing) {
  auto inplace_ok = [](Op op) { return kernels::ref::kernel(op).inplace_ok; };
  for (Op op : {Op::Add, Op::Mul, Op::Div, Op::Pow, Op::Max, Op::Where, Op::Relu, Op::Exp, Op::Cast,
                Op::Identity, Op::Dropout}) {
    EXPECT_TRUE(inplace_ok(op)) << ir::op_name(op);
  }
  for (Op op :
       {Op::MatMul, Op::Gemm, Op::Softmax, Op::LayerNormalization, Op::ReduceSum, Op::CumSum}) {
    EXPECT_FALSE(inplace_ok(op)) << ir::op_name(op);
  }
  // Add with dst == src[0], the second input broadcast.
  Tensor a = iota_f32({2, 3});
  Tensor b = f32({1, 2, 3}, {3});
  ir::Node node = make_node(Op::Add, 2, 1, {});
  std::vector<const Tensor*> src{&a, &b};
  std::vector<Tensor*> dst{&a};
  kernels::ref::run(node, src, dst);
  expect_tensor<float>(a, {2, 3}, {1, 3, 5, 4, 6, 8});
  // Max(x, x, y) with dst == x.
  Tensor x = f32({1, 5}, {2}), y = f32({3, 3}, {2});
  ir::Node max_node = make_node(Op::Max, 3, 1, {});
  std::vector<const Tensor*> max_src{&x, &x, &y};
  std::vector<Tensor*> max_dst{&x};
  kernels::ref::run(max_node, max_src, max_dst);
  expect_tensor<float>(x, {2}, {3, 5});
}

}  // namespace
}  // namespace bertc::testing
