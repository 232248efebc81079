// Shape functions of the math ops on symbolic shapes (batch, seq), the errors they report, and
// that every math op has a shape function and a reference kernel.
#include "math_test_util.h"

namespace bertc::testing {
namespace {

using ir::Op;
using ::testing::HasSubstr;

std::string str(const ir::TypeInfo& t) {
  return std::string(dtype_name(t.dtype)) + ir::shape_str(t.shape);
}
std::string str1(Op op, const std::vector<ir::TypeInfo>& in, ir::Attrs attrs = {}) {
  return str(infer_types(op, in, std::move(attrs))[0]);
}

TEST(ShapeMath, EveryMathOpIsRegistered) {
  const Op ops[] = {Op::Add,         Op::Sub,
                    Op::Mul,         Op::Div,
                    Op::Pow,         Op::Min,
                    Op::Max,         Op::Equal,
                    Op::Less,        Op::Greater,
                    Op::LessOrEqual, Op::GreaterOrEqual,
                    Op::And,         Op::Or,
                    Op::Xor,         Op::Not,
                    Op::Neg,         Op::Abs,
                    Op::Sqrt,        Op::Reciprocal,
                    Op::Exp,         Op::Log,
                    Op::Erf,         Op::Tanh,
                    Op::Sigmoid,     Op::Relu,
                    Op::Where,       Op::Cast,
                    Op::Identity,    Op::Dropout,
                    Op::MatMul,      Op::Gemm,
                    Op::Softmax,     Op::LayerNormalization,
                    Op::ReduceMean,  Op::ReduceSum,
                    Op::ReduceMax,   Op::CumSum};
  for (Op op : ops) {
    EXPECT_NE(ir::shape_fn(op), nullptr) << ir::op_name(op);
    EXPECT_NE(kernels::ref::kernel(op).fn, nullptr) << ir::op_name(op);
  }
}

TEST(ShapeMath, BroadcastKeepsSymbols) {
  EXPECT_EQ(str1(Op::Add, {ty(DType::kF32, "batch, seq, 768"), ty(DType::kF32, "768")}),
            "float32[batch, seq, 768]");
  // The attention-mask add: [batch, 1, 1, seq] + [batch, 12, seq, seq].
  EXPECT_EQ(
      str1(Op::Add, {ty(DType::kF32, "batch, 1, 1, seq"), ty(DType::kF32, "batch, 12, seq, seq")}),
      "float32[batch, 12, seq, seq]");
  // A known dim wins over an unknown one; a named symbol over "?".
  EXPECT_EQ(str1(Op::Mul, {ty(DType::kF32, "?, 4"), ty(DType::kF32, "3, 4")}), "float32[3, 4]");
  EXPECT_EQ(str1(Op::Sub, {ty(DType::kI64, "?"), ty(DType::kI64, "seq")}), "int64[seq]");
  EXPECT_EQ(str1(Op::Less, {ty(DType::kI64, "batch, seq"), ty(DType::kI64, "")}),
            "bool[batch, seq]");
  EXPECT_EQ(
      str1(Op::Max, {ty(DType::kF32, "seq"), ty(DType::kF32, "batch, 1"), ty(DType::kF32, "")}),
      "float32[batch, seq]");
  EXPECT_EQ(str1(Op::Where, {ty(DType::kBool, "batch, 1, 1, seq"), ty(DType::kF32, ""),
                             ty(DType::kF32, "batch, 12, seq, seq")}),
            "float32[batch, 12, seq, seq]");
  EXPECT_EQ(str1(Op::Pow, {ty(DType::kF32, "batch, seq, 768"), ty(DType::kI64, "")}),
            "float32[batch, seq, 768]");
}

TEST(ShapeMath, BinaryErrorsNameTheProblem) {
  std::string msg = error_of([] {
    infer(Op::Add, {}, {}, {}, 1, "x");  // no inputs
  });
  EXPECT_THAT(msg, HasSubstr("node 'x' (Add): takes 2 inputs, got 0"));
  EXPECT_THAT(error_of([] {
                str1(Op::Add, {ty(DType::kF32, "batch"), ty(DType::kI64, "batch")});
              }),
              HasSubstr("inputs 0 and 1 have different dtypes float32 and int64"));
  EXPECT_THAT(error_of([] {
                str1(Op::Add, {ty(DType::kF32, "batch, 3"), ty(DType::kF32, "4")});
              }),
              HasSubstr("cannot broadcast shapes [batch, 3] and [4]"));
  EXPECT_THAT(error_of([] { str1(Op::Min, {}); }), HasSubstr("takes at least 1 inputs, got 0"));
}

TEST(ShapeMath, UnaryCastIdentityDropout) {
  EXPECT_EQ(str1(Op::Erf, {ty(DType::kF32, "batch, seq, 3072")}), "float32[batch, seq, 3072]");
  EXPECT_EQ(str1(Op::Not, {ty(DType::kBool, "batch, seq")}), "bool[batch, seq]");
  EXPECT_EQ(
      str1(Op::Cast, {ty(DType::kI64, "batch, seq")}, attrs_of({{"to", int64_t(DType::kF32)}})),
      "float32[batch, seq]");
  EXPECT_EQ(str1(Op::Identity, {ty(DType::kI8, "?, 2")}), "int8[?, 2]");
  std::vector<ir::TypeInfo> drop = infer_types(Op::Dropout, {ty(DType::kF32, "batch, seq")}, {}, 2);
  EXPECT_EQ(str(drop[0]), "float32[batch, seq]");
  EXPECT_EQ(str(drop[1]), "bool[batch, seq]");
  EXPECT_THAT(error_of([] { infer_types(Op::Dropout, {ty(DType::kF32, "4")}, {}, 3); }),
              HasSubstr("at most 2 outputs"));
  EXPECT_THAT(error_of([] {
                str1(Op::Dropout, {ty(DType::kF32, "4"), ty(DType::kI64, "")});
              }),
              HasSubstr("input 1 has dtype int64"));
}

TEST(ShapeMath, MatMulShapes) {
  EXPECT_EQ(str1(Op::MatMul, {ty(DType::kF32, "batch, seq, 768"), ty(DType::kF32, "768, 3072")}),
            "float32[batch, seq, 3072]");
  EXPECT_EQ(str1(Op::MatMul,
                 {ty(DType::kF32, "batch, 12, seq, 64"), ty(DType::kF32, "batch, 12, 64, seq")}),
            "float32[batch, 12, seq, seq]");
  EXPECT_EQ(str1(Op::MatMul, {ty(DType::kF32, "3"), ty(DType::kF32, "3")}), "float32[]");
  EXPECT_EQ(str1(Op::MatMul, {ty(DType::kF32, "k"), ty(DType::kF32, "2, k, 4")}), "float32[2, 4]");
  EXPECT_EQ(str1(Op::MatMul, {ty(DType::kI64, "batch, 2, 3, 4"), ty(DType::kI64, "4")}),
            "int64[batch, 2, 3]");
  EXPECT_EQ(str1(Op::MatMul, {ty(DType::kF32, "1, seq, 8"), ty(DType::kF32, "batch, 1, 8, 2")}),
            "float32[batch, 1, seq, 2]");
  EXPECT_THAT(error_of([] {
                str1(Op::MatMul, {ty(DType::kF32, "batch, 768"), ty(DType::kF32, "512, 10")});
              }),
              HasSubstr("inner dimensions differ: A [batch, 768] and B [512, 10]"));
}

TEST(ShapeMath, GemmShapes) {
  auto tb = attrs_of({{"transB", int64_t{1}}});
  EXPECT_EQ(
      str1(Op::Gemm,
           {ty(DType::kF32, "batch, 768"), ty(DType::kF32, "2, 768"), ty(DType::kF32, "2")}, tb),
      "float32[batch, 2]");
  auto ta = attrs_of({{"transA", int64_t{1}}});
  EXPECT_EQ(str1(Op::Gemm, {ty(DType::kF32, "5, m"), ty(DType::kF32, "5, 7")}, ta),
            "float32[m, 7]");
  EXPECT_EQ(
      str1(Op::Gemm, {ty(DType::kF32, "m, 5"), ty(DType::kF32, "5, 7"), ty(DType::kF32, "m, 1")}),
      "float32[m, 7]");
  EXPECT_THAT(error_of([] {
                str1(Op::Gemm, {ty(DType::kF32, "batch, 768"), ty(DType::kF32, "768, 2"),
                                ty(DType::kF32, "3")});
              }),
              HasSubstr("C of shape [3] does not broadcast to [batch, 2]"));
  EXPECT_THAT(
      error_of([] {
        str1(Op::Gemm, {ty(DType::kF32, "4, 4"), ty(DType::kF32, "4, 4"), ty(DType::kF64, "4")});
      }),
      HasSubstr("inputs 0 and 2 have different dtypes"));
}

TEST(ShapeMath, NormalizationShapes) {
  EXPECT_EQ(str1(Op::Softmax, {ty(DType::kF32, "batch, 12, seq, seq")}),
            "float32[batch, 12, seq, seq]");
  std::vector<ir::TypeInfo> ln = infer_types(
      Op::LayerNormalization,
      {ty(DType::kF32, "batch, seq, 768"), ty(DType::kF32, "768"), ty(DType::kF32, "768")}, {}, 3);
  EXPECT_EQ(str(ln[0]), "float32[batch, seq, 768]");
  EXPECT_EQ(str(ln[1]), "float32[batch, seq, 1]");
  EXPECT_EQ(str(ln[2]), "float32[batch, seq, 1]");
  std::vector<ir::TypeInfo> ln1 = infer_types(
      Op::LayerNormalization, {ty(DType::kF64, "batch, seq, 768"), ty(DType::kF64, "seq, 768")},
      attrs_of({{"axis", int64_t{1}}}), 2);
  EXPECT_EQ(str(ln1[0]), "float64[batch, seq, 768]");
  EXPECT_EQ(str(ln1[1]), "float32[batch, 1, 1]");
  EXPECT_THAT(error_of([] {
                infer_types(Op::LayerNormalization,
                            {ty(DType::kF32, "batch, seq, 768"), ty(DType::kF32, "512")});
              }),
              HasSubstr("Scale of shape [512] does not broadcast to [768]"));
}

TEST(ShapeMath, ReduceShapes) {
  auto mean_last = attrs_of({{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{0}}});
  EXPECT_EQ(str1(Op::ReduceMean, {ty(DType::kF32, "batch, seq, 768")}, mean_last),
            "float32[batch, seq]");
  EXPECT_EQ(str1(Op::ReduceMean, {ty(DType::kF32, "batch, seq, 768")},
                 attrs_of({{"axes", std::vector<int64_t>{-1}}})),
            "float32[batch, seq, 1]");
  EXPECT_EQ(str1(Op::ReduceMax, {ty(DType::kF32, "batch, seq")}), "float32[1, 1]");
  // Axes as a known input value.
  Tensor axes = tensor<int64_t>({1}, {1});
  ir::TypeInfo x = ty(DType::kF32, "batch, seq, 768"), axes_t = ty(DType::kI64, "1");
  EXPECT_EQ(str(infer(Op::ReduceSum, {&x, &axes_t}, {nullptr, &axes},
                      attrs_of({{"keepdims", int64_t{0}}}))[0]),
            "float32[batch, 768]");
  // Axes unknown at compile time: the rank is known only with keepdims.
  EXPECT_EQ(str(infer(Op::ReduceSum, {&x, &axes_t}, {nullptr, nullptr})[0]), "float32[?, ?, ?]");
  EXPECT_THAT(error_of([&] {
                infer(Op::ReduceSum, {&x, &axes_t}, {nullptr, nullptr},
                      attrs_of({{"keepdims", int64_t{0}}}));
              }),
              HasSubstr("axes (input 1) must be known when keepdims = 0"));
}

TEST(ShapeMath, CumSumShapes) {
  ir::TypeInfo x = ty(DType::kI64, "batch, seq"), axis_t = ty(DType::kI64, "");
  EXPECT_EQ(str(infer(Op::CumSum, {&x, &axis_t}, {})[0]), "int64[batch, seq]");
  Tensor bad = scalar_i64(2);
  EXPECT_THAT(error_of([&] {
                infer(Op::CumSum, {&x, &axis_t}, {nullptr, &bad});
              }),
              HasSubstr("axis 2 is out of range for rank 2"));
}

}  // namespace
}  // namespace bertc::testing
