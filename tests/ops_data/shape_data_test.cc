// Shape functions of the data-movement ops on symbolic shapes: symbols carried over, unknown
// value ports giving unknown dims of the right rank, and errors that name the node.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "../common/error_of.h"
#include "bertc/error.h"
#include "data_test_util.h"

namespace bertc::testing {
namespace {

using ir::Dim;
using ir::Op;
using ir::Shape;
using ::testing::HasSubstr;

std::string str(const ir::TypeInfo& t) { return ir::shape_str(t.shape); }

TEST(ShapeData, GatherEmbeddingKeepsSymbols) {
  auto table = type(DType::kF32, {known(30522), known(768)});
  auto ids = type(DType::kI64, {sym("batch"), sym("seq")});
  auto out = infer(Op::Gather, {&table, &ids}, {});
  EXPECT_EQ(str(out[0]), "[batch, seq, 768]");
  EXPECT_EQ(out[0].dtype, DType::kF32);
}

TEST(ShapeData, GatherNegativeAxisAndScalarIndex) {
  auto data = type(DType::kI32, {sym("batch"), known(4), known(5)});
  auto idx = type(DType::kI32, {});
  auto out = infer(Op::Gather, {&data, &idx}, {}, attrs_of({{"axis", int64_t{-2}}}));
  EXPECT_EQ(str(out[0]), "[batch, 5]");
}

TEST(ShapeData, GatherConstantIndexOutOfRangeFailsAtCompileTime) {
  auto table = type(DType::kF32, {known(10), known(4)});
  Tensor idx = i64({3, 10});
  auto idx_t = type(DType::kI64, {known(2)});
  std::string msg = error_of([&] {
    infer(Op::Gather, {&table, &idx_t}, {nullptr, &idx}, {}, 1, "emb");
  });
  EXPECT_THAT(msg, HasSubstr("node 'emb' (Gather)"));
  EXPECT_THAT(msg, HasSubstr("index 10 is out of range [-10, 10)"));
}

TEST(ShapeData, GatherRejectsFloatIndices) {
  auto data = type(DType::kF32, {known(4)});
  auto idx = type(DType::kF32, {known(2)});
  EXPECT_THAT(error_of([&] { infer(Op::Gather, {&data, &idx}, {}); }), HasSubstr("int32 or int64"));
}

TEST(ShapeData, ReshapeZeroCopiesSymbolicDims) {
  auto x = type(DType::kF32, {sym("batch"), sym("seq"), known(768)});
  Tensor spec = i64({0, 0, 12, 64});
  auto spec_t = type(DType::kI64, {known(4)});
  auto out = infer(Op::Reshape, {&x, &spec_t}, {nullptr, &spec});
  EXPECT_EQ(str(out[0]), "[batch, seq, 12, 64]");
}

TEST(ShapeData, ReshapeInfersMinusOneSymbolically) {
  auto spec_t = type(DType::kI64, {known(3)});
  auto heads = type(DType::kF32, {sym("batch"), sym("seq"), known(12), known(64)});
  Tensor merge = i64({0, 0, -1});
  EXPECT_EQ(str(infer(Op::Reshape, {&heads, &spec_t}, {nullptr, &merge})[0]), "[batch, seq, 768]");

  auto x = type(DType::kF32, {sym("batch"), known(12), known(64)});
  Tensor flat = i64({-1, 768});
  auto spec2 = type(DType::kI64, {known(2)});
  EXPECT_EQ(str(infer(Op::Reshape, {&x, &spec2}, {nullptr, &flat})[0]), "[batch, 768]");

  auto y = type(DType::kF32, {sym("batch"), sym("seq"), known(768)});
  EXPECT_EQ(str(infer(Op::Reshape, {&y, &spec2}, {nullptr, &flat})[0]), "[?, 768]");
}

TEST(ShapeData, ReshapeUnknownShapeValueGivesRank) {
  auto x = type(DType::kF32, {sym("batch"), known(6)});
  auto spec_t = type(DType::kI64, {known(3)});
  EXPECT_EQ(str(infer(Op::Reshape, {&x, &spec_t}, {nullptr, nullptr})[0]), "[?, ?, ?]");
  auto spec_unknown = type(DType::kI64, {Dim::unknown()});
  EXPECT_THAT(error_of([&] {
                infer(Op::Reshape, {&x, &spec_unknown}, {});
              }),
              HasSubstr("unknown length"));
}

TEST(ShapeData, ReshapeErrorsNameBothShapes) {
  auto x = type(DType::kF32, {known(2), known(3)});
  auto spec_t = type(DType::kI64, {known(2)});
  Tensor bad = i64({4, 2});
  std::string msg = error_of([&] {
    infer(Op::Reshape, {&x, &spec_t}, {nullptr, &bad}, {}, 1, "r");
  });
  EXPECT_THAT(msg, HasSubstr("node 'r' (Reshape)"));
  EXPECT_THAT(msg, HasSubstr("cannot reshape [2, 3] to [4, 2]"));

  Tensor two = i64({-1, -1});
  EXPECT_THAT(error_of([&] {
                infer(Op::Reshape, {&x, &spec_t}, {nullptr, &two});
              }),
              HasSubstr("more than one -1"));
  Tensor indivisible = i64({4, -1});
  EXPECT_THAT(error_of([&] {
                infer(Op::Reshape, {&x, &spec_t}, {nullptr, &indivisible});
              }),
              HasSubstr("not divisible"));
  auto sx = type(DType::kF32, {sym("batch"), known(6)});
  Tensor mismatch = i64({0, 4});
  EXPECT_THAT(error_of([&] {
                infer(Op::Reshape, {&sx, &spec_t}, {nullptr, &mismatch});
              }),
              HasSubstr("cannot reshape [batch, 6] to [0, 4]"));
}

TEST(ShapeData, ReshapeAllowZero) {
  auto x = type(DType::kF32, {known(0), known(3), known(4)});
  auto spec_t = type(DType::kI64, {known(3)});
  Tensor spec = i64({3, 4, 0});
  auto out =
      infer(Op::Reshape, {&x, &spec_t}, {nullptr, &spec}, attrs_of({{"allowzero", int64_t{1}}}));
  EXPECT_EQ(str(out[0]), "[3, 4, 0]");
}

TEST(ShapeData, FlattenKeepsSingleSymbol) {
  auto x = type(DType::kF32, {sym("batch"), known(3), known(4)});
  EXPECT_EQ(str(infer(Op::Flatten, {&x}, {})[0]), "[batch, 12]");
  EXPECT_EQ(str(infer(Op::Flatten, {&x}, {}, attrs_of({{"axis", int64_t{0}}}))[0]), "[1, ?]");
  EXPECT_EQ(str(infer(Op::Flatten, {&x}, {}, attrs_of({{"axis", int64_t{-1}}}))[0]), "[?, 4]");
  EXPECT_EQ(str(infer(Op::Flatten, {&x}, {}, attrs_of({{"axis", int64_t{3}}}))[0]), "[?, 1]");
  EXPECT_THAT(error_of([&] {
                infer(Op::Flatten, {&x}, {}, attrs_of({{"axis", int64_t{4}}}));
              }),
              HasSubstr("out of range"));
}

TEST(ShapeData, TransposePermutesSymbols) {
  auto x = type(DType::kF32, {sym("batch"), sym("seq"), known(12), known(64)});
  auto perm = attrs_of({{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
  EXPECT_EQ(str(infer(Op::Transpose, {&x}, {}, perm)[0]), "[batch, 12, seq, 64]");
  EXPECT_EQ(str(infer(Op::Transpose, {&x}, {})[0]), "[64, 12, seq, batch]");
  auto bad = attrs_of({{"perm", std::vector<int64_t>{0, 1, 1, 3}}});
  EXPECT_THAT(error_of([&] { infer(Op::Transpose, {&x}, {}, bad); }),
              HasSubstr("not a permutation"));
}

TEST(ShapeData, SqueezeAndUnsqueeze) {
  auto x = type(DType::kF32, {sym("batch"), known(1), sym("seq")});
  auto axes_t = type(DType::kI64, {known(1)});
  Tensor minus2 = i64({-2});
  EXPECT_EQ(str(infer(Op::Squeeze, {&x, &axes_t}, {nullptr, &minus2})[0]), "[batch, seq]");
  EXPECT_EQ(str(infer(Op::Squeeze, {&x, &axes_t}, {})[0]), "[?, ?]");
  Tensor zero = i64({0});
  auto k = type(DType::kF32, {known(3), known(1)});
  EXPECT_THAT(error_of([&] {
                infer(Op::Squeeze, {&k, &axes_t}, {nullptr, &zero});
              }),
              HasSubstr("cannot squeeze axis 0 of size 3"));
  EXPECT_EQ(str(infer(Op::Squeeze, {&k, nullptr}, {})[0]), "[3]");
  EXPECT_THAT(error_of([&] { infer(Op::Squeeze, {&x}, {}); }),
              HasSubstr("every dim must be known"));

  auto mask = type(DType::kI64, {sym("batch"), sym("seq")});
  auto axes2 = type(DType::kI64, {known(2)});
  Tensor a12 = i64({1, 2});
  EXPECT_EQ(str(infer(Op::Unsqueeze, {&mask, &axes2}, {nullptr, &a12})[0]), "[batch, 1, 1, seq]");
  Tensor neg = i64({-1, 0});
  EXPECT_EQ(str(infer(Op::Unsqueeze, {&mask, &axes2}, {nullptr, &neg})[0]), "[1, batch, seq, 1]");
  EXPECT_EQ(str(infer(Op::Unsqueeze, {&mask, &axes2}, {})[0]), "[?, ?, ?, ?]");
  Tensor dup = i64({1, 1});
  EXPECT_THAT(error_of([&] {
                infer(Op::Unsqueeze, {&mask, &axes2}, {nullptr, &dup});
              }),
              HasSubstr("more than once"));
}

TEST(ShapeData, ConcatSumsAxisAndMergesOthers) {
  auto a = type(DType::kF32, {sym("batch"), known(3)});
  auto b = type(DType::kF32, {Dim::unknown(), known(5)});
  auto out = infer(Op::Concat, {&a, &b}, {}, attrs_of({{"axis", int64_t{-1}}}));
  EXPECT_EQ(str(out[0]), "[batch, 8]");
  auto empty = type(DType::kF32, {known(0), known(3)});
  EXPECT_EQ(str(infer(Op::Concat, {&a, &empty}, {}, attrs_of({{"axis", int64_t{0}}}))[0]),
            "[batch, 3]");
  EXPECT_EQ(str(infer(Op::Concat, {&a, &a}, {}, attrs_of({{"axis", int64_t{0}}}))[0]), "[?, 3]");
  auto i = type(DType::kI64, {known(2), known(3)});
  EXPECT_THAT(error_of([&] {
                infer(Op::Concat, {&a, &i}, {}, attrs_of({{"axis", int64_t{0}}}));
              }),
              HasSubstr("is int64, input 0 is float32"));
  auto c = type(DType::kF32, {known(2), known(4)});
  EXPECT_THAT(error_of([&] {
                infer(Op::Concat, {&i, &c}, {}, attrs_of({{"axis", int64_t{0}}}));
              }),
              HasSubstr("float32"));
  EXPECT_THAT(error_of([&] {
                infer(Op::Concat, {&a, &c}, {}, attrs_of({{"axis", int64_t{0}}}));
              }),
              HasSubstr("dim 3 does not match 4"));
}

TEST(ShapeData, SplitFromInputOrEqualParts) {
  auto qkv = type(DType::kF32, {sym("batch"), sym("seq"), known(2304)});
  auto split_t = type(DType::kI64, {known(3)});
  Tensor split = i64({768, 768, 768});
  auto outs =
      infer(Op::Split, {&qkv, &split_t}, {nullptr, &split}, attrs_of({{"axis", int64_t{-1}}}), 3);
  ASSERT_EQ(outs.size(), 3u);
  for (const auto& o : outs) EXPECT_EQ(str(o), "[batch, seq, 768]");
  auto equal = infer(Op::Split, {&qkv}, {}, attrs_of({{"axis", int64_t{2}}}), 2);
  EXPECT_EQ(str(equal[1]), "[batch, seq, 1152]");
  auto symbolic = infer(Op::Split, {&qkv}, {}, {}, 2);
  EXPECT_EQ(str(symbolic[0]), "[?, seq, 2304]");
  EXPECT_THAT(error_of([&] {
                infer(Op::Split, {&qkv}, {}, attrs_of({{"axis", int64_t{2}}}), 5);
              }),
              HasSubstr("cannot be split equally"));
  Tensor bad = i64({768, 768, 700});
  EXPECT_THAT(
      error_of([&] {
        infer(Op::Split, {&qkv, &split_t}, {nullptr, &bad}, attrs_of({{"axis", int64_t{2}}}), 3);
      }),
      HasSubstr("sums to 2236"));
  auto odd = type(DType::kF32, {known(7)});
  auto chunks = infer(Op::Split, {&odd}, {}, attrs_of({{"num_outputs", int64_t{4}}}), 4);
  EXPECT_EQ(str(chunks[0]), "[2]");
  EXPECT_EQ(str(chunks[3]), "[1]");
}

TEST(ShapeData, SliceKnownAndSymbolic) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto x = type(DType::kF32, {sym("batch"), sym("seq"), known(768)});
  auto one = type(DType::kI64, {known(1)});
  Tensor s0 = i64({0}), e64 = i64({64}), emax = i64({kMax}), a2 = i64({2}), a1 = i64({1});
  EXPECT_EQ(str(infer(Op::Slice, {&x, &one, &one, &one}, {nullptr, &s0, &e64, &a2})[0]),
            "[batch, seq, 64]");
  EXPECT_EQ(str(infer(Op::Slice, {&x, &one, &one, &one}, {nullptr, &s0, &emax, &a1})[0]),
            "[batch, seq, 768]");
  EXPECT_EQ(str(infer(Op::Slice, {&x, &one, &one, &one}, {nullptr, &s0, &e64, &a1})[0]),
            "[batch, ?, 768]");
  // ends unknown at compile time (e.g. from Shape): only the sliced axis becomes unknown.
  EXPECT_EQ(str(infer(Op::Slice, {&x, &one, &one, &one}, {nullptr, &s0, nullptr, &a2})[0]),
            "[batch, seq, ?]");
  EXPECT_EQ(str(infer(Op::Slice, {&x, &one, &one}, {nullptr, &s0, nullptr})[0]), "[?, seq, 768]");
  Tensor m1 = i64({-1}), emin = i64({std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(str(infer(Op::Slice, {&x, &one, &one, &one, &one}, {nullptr, &m1, &emin, &a1, &m1})[0]),
            "[batch, seq, 768]");
  Tensor step0 = i64({0});
  EXPECT_THAT(error_of([&] {
                infer(Op::Slice, {&x, &one, &one, &one, &one}, {nullptr, &s0, &e64, &a2, &step0});
              }),
              HasSubstr("step of 0"));
}

TEST(ShapeData, ExpandBroadcastsToValue) {
  auto x = type(DType::kF32, {known(1), known(1), sym("seq")});
  auto shape_t = type(DType::kI64, {known(3)});
  Tensor target = i64({2, 1, 1});
  EXPECT_EQ(str(infer(Op::Expand, {&x, &shape_t}, {nullptr, &target})[0]), "[2, 1, seq]");
  auto y = type(DType::kF32, {known(3), known(1)});
  auto shape4 = type(DType::kI64, {known(4)});
  EXPECT_EQ(str(infer(Op::Expand, {&y, &shape4}, {})[0]), "[?, ?, 3, ?]");
  Tensor bad = i64({2, 2});
  auto shape2 = type(DType::kI64, {known(2)});
  EXPECT_THAT(error_of([&] {
                infer(Op::Expand, {&y, &shape2}, {nullptr, &bad});
              }),
              HasSubstr("cannot broadcast"));
}

TEST(ShapeData, TileAndGatherElements) {
  auto x = type(DType::kF32, {known(4), sym("seq"), known(12)});
  auto reps = type(DType::kI64, {known(3)});
  Tensor r = i64({2, 1, 3});
  EXPECT_EQ(str(infer(Op::Tile, {&x, &reps}, {nullptr, &r})[0]), "[8, seq, 36]");
  EXPECT_EQ(str(infer(Op::Tile, {&x, &reps}, {})[0]), "[?, ?, ?]");
  Tensor negative = i64({1, -1, 1});
  EXPECT_THAT(error_of([&] { infer(Op::Tile, {&x, &reps}, {nullptr, &negative}); }), HasSubstr("negative"));
  auto two = type(DType::kI64, {known(2)});
  EXPECT_THAT(error_of([&] { infer(Op::Tile, {&x, &two}, {}); }), HasSubstr("one entry per dim"));

  auto data = type(DType::kF32, {known(8), sym("seq"), known(16)});
  auto idx = type(DType::kI64, {known(8), sym("seq"), sym("seq")});
  ir::Attrs last = attrs_of({{"axis", int64_t{-1}}});
  EXPECT_EQ(str(infer(Op::GatherElements, {&data, &idx}, {}, last)[0]), "[8, seq, seq]");
  auto flat = type(DType::kI64, {known(8), known(16)});
  EXPECT_THAT(error_of([&] { infer(Op::GatherElements, {&data, &flat}, {}, last); }), HasSubstr("must have the rank"));
  auto longer = type(DType::kI64, {known(9), known(2), known(2)});
  EXPECT_THAT(error_of([&] { infer(Op::GatherElements, {&data, &longer}, {}, last); }), HasSubstr("longer than data"));
}

TEST(ShapeData, ShapeSizeConstant) {
  auto x = type(DType::kF32, {sym("batch"), sym("seq"), known(768)});
  auto s = infer(Op::Shape, {&x}, {});
  EXPECT_EQ(s[0].dtype, DType::kI64);
  EXPECT_EQ(str(s[0]), "[3]");
  EXPECT_EQ(str(infer(Op::Shape, {&x}, {}, attrs_of({{"start", int64_t{-2}}}))[0]), "[2]");
  EXPECT_EQ(
      str(infer(Op::Shape, {&x}, {}, attrs_of({{"start", int64_t{2}}, {"end", int64_t{1}}}))[0]),
      "[0]");
  EXPECT_EQ(str(infer(Op::Size, {&x}, {})[0]), "[]");
  auto c = infer(Op::Constant, {}, {},
                 attrs_of({{"value", Tensor::from_vector<int32_t>({1, 2, 3, 4}, {2, 2})}}));
  EXPECT_EQ(c[0].dtype, DType::kI32);
  EXPECT_EQ(str(c[0]), "[2, 2]");
  EXPECT_EQ(
      str(infer(Op::Constant, {}, {}, attrs_of({{"value_ints", std::vector<int64_t>{1, 2}}}))[0]),
      "[2]");
  EXPECT_THAT(error_of([&] { infer(Op::Constant, {}, {}, {}, 1, "c"); }),
              HasSubstr("node 'c' (Constant): needs a value"));
}

TEST(ShapeData, ConstantOfShapeAndRangeUnknownValues) {
  auto shape_t = type(DType::kI64, {known(2)});
  auto out = infer(Op::ConstantOfShape, {&shape_t}, {});
  EXPECT_EQ(out[0].dtype, DType::kF32);
  EXPECT_EQ(str(out[0]), "[?, ?]");
  Tensor dims = i64({2, 0});
  auto filled = infer(Op::ConstantOfShape, {&shape_t}, {&dims},
                      attrs_of({{"value", Tensor::from_vector<int64_t>({7}, {1})}}));
  EXPECT_EQ(filled[0].dtype, DType::kI64);
  EXPECT_EQ(str(filled[0]), "[2, 0]");

  auto scalar = type(DType::kI64, {});
  EXPECT_EQ(str(infer(Op::Range, {&scalar, &scalar, &scalar}, {})[0]), "[?]");
  auto f = type(DType::kF32, {});
  EXPECT_THAT(error_of([&] {
                infer(Op::Range, {&scalar, &f, &scalar}, {});
              }),
              HasSubstr("same dtype"));
}

}  // namespace
}  // namespace bertc::testing
