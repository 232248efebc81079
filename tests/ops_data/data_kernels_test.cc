// Reference kernels of the data-movement ops on hand-computed cases: every op, negative axes and
// indices, several dtypes, empty tensors and the run-time errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "../common/error_of.h"
#include "bertc/error.h"
#include "data_test_util.h"

namespace bertc::testing {
namespace {

using ir::Op;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

ir::Attrs axis(int64_t a) { return attrs_of({{"axis", a}}); }

// ---- Gather ----

TEST(DataGather, EmbeddingRowsWithNegativeIndex) {
  Tensor table = iota_f32({4, 3});
  Tensor ids = Tensor::from_vector<int64_t>({2, 0, -1, 1}, {2, 2});
  Tensor out = run_op(Op::Gather, {table, ids})[0];
  EXPECT_EQ(out.shape(), (Dims{2, 2, 3}));
  EXPECT_THAT(values_of<float>(out), ElementsAre(6, 7, 8, 0, 1, 2, 9, 10, 11, 3, 4, 5));
}

TEST(DataGather, InnerAxisInt32IndicesAndInt8Data) {
  Tensor data = Tensor::from_vector<int8_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor idx = Tensor::from_vector<int32_t>({-1, 0}, {2});
  Tensor out = run_op(Op::Gather, {data, idx}, axis(-1))[0];
  EXPECT_EQ(out.shape(), (Dims{2, 2}));
  EXPECT_THAT(values_of<int8_t>(out), ElementsAre(3, 1, 6, 4));
}

TEST(DataGather, ScalarIndexDropsAxis) {
  Tensor data = iota_f32({2, 3, 2});
  Tensor idx = Tensor::from_vector<int64_t>({1}, {});
  Tensor out = run_op(Op::Gather, {data, idx}, axis(1))[0];
  EXPECT_EQ(out.shape(), (Dims{2, 2}));
  EXPECT_THAT(values_of<float>(out), ElementsAre(2, 3, 8, 9));
}

TEST(DataGather, EmptyIndices) {
  Tensor out = run_op(Op::Gather, {iota_f32({3, 2}), Tensor::empty(DType::kI64, {0})})[0];
  EXPECT_EQ(out.shape(), (Dims{0, 2}));
}

// The out-of-vocabulary token id: checked by the kernel (indices are run-time data).
TEST(DataGather, OutOfRangeIndexNamesNodeIndexAndRange) {
  ir::Node node = make_node(Op::Gather, 2, 1, {}, "embeddings.word_embeddings");
  Tensor table = Tensor::empty(DType::kF32, {30522, 2});
  Tensor ids = Tensor::from_vector<int64_t>({101, 30522, 102}, {1, 3});
  Tensor out = Tensor::empty(DType::kF32, {1, 3, 2});
  const Tensor* src[] = {&table, &ids};
  Tensor* dst[] = {&out};
  std::string msg = error_of([&] { kernels::ref::run(node, src, dst); });
  EXPECT_THAT(msg, HasSubstr("node 'embeddings.word_embeddings' (Gather)"));
  EXPECT_THAT(msg, HasSubstr("index 30522 is out of range [-30522, 30522)"));
  ids.data<int64_t>()[1] = -30523;
  EXPECT_THAT(error_of([&] {
                kernels::ref::run(node, src, dst);
              }),
              HasSubstr("index -30523 is out of range [-30522, 30522)"));
}

// ---- GatherElements ----

// DeBERTa's form: each query row picks its own columns (axis -1), negative indices wrap.
TEST(DataGatherElements, LastAxisPerRowAndNegative) {
  Tensor data = iota_f32({2, 2, 3});
  Tensor idx = Tensor::from_vector<int64_t>({2, 0, -1, 1, 1, 0, 0, 2}, {2, 2, 2});
  Tensor out = run_op(Op::GatherElements, {data, idx}, axis(-1))[0];
  EXPECT_EQ(out.shape(), (Dims{2, 2, 2}));
  EXPECT_THAT(values_of<float>(out), ElementsAre(2, 0, 5, 4, 7, 6, 9, 11));
}

TEST(DataGatherElements, AxisZeroInt32IndicesShorterThanData) {
  Tensor data = Tensor::from_vector<int64_t>({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor idx = Tensor::from_vector<int32_t>({2, 0}, {1, 2});
  Tensor out = run_op(Op::GatherElements, {data, idx}, axis(0))[0];
  EXPECT_EQ(out.shape(), (Dims{1, 2}));
  EXPECT_THAT(values_of<int64_t>(out), ElementsAre(5, 2));
}

TEST(DataGatherElements, OutOfRangeIndexNamesNodeIndexAndRange) {
  ir::Node node = make_node(Op::GatherElements, 2, 1, axis(1), "c2p");
  Tensor data = iota_f32({1, 3});
  Tensor idx = Tensor::from_vector<int64_t>({0, 3}, {1, 2});
  Tensor out = Tensor::empty(DType::kF32, {1, 2});
  const Tensor* src[] = {&data, &idx};
  Tensor* dst[] = {&out};
  const std::string msg = error_of([&] { kernels::ref::run(node, src, dst); });
  EXPECT_THAT(msg, HasSubstr("node 'c2p' (GatherElements)"));
  EXPECT_THAT(msg, HasSubstr("index 3 is out of range [-3, 3)"));
}

// ---- Reshape, Flatten, Squeeze, Unsqueeze ----

TEST(DataLayout, ReshapeZeroAndMinusOne) {
  Tensor x = iota_f32({2, 3, 4});
  Tensor out = run_op(Op::Reshape, {x, i64({0, -1})})[0];
  EXPECT_EQ(out.shape(), (Dims{2, 12}));
  EXPECT_EQ(values_of<float>(out), values_of<float>(x));
  EXPECT_THAT(error_of([&] {
                run_op(Op::Reshape, {x, i64({5, -1})}, {}, 1, "r");
              }),
              HasSubstr("node 'r' (Reshape): cannot reshape [2, 3, 4] to [5, -1]"));
}

TEST(DataLayout, ReshapeEmptyAndAllowZero) {
  Tensor x = Tensor::empty(DType::kF32, {0, 3, 4});
  EXPECT_EQ(
      run_op(Op::Reshape, {x, i64({3, 4, 0})}, attrs_of({{"allowzero", int64_t{1}}}))[0].shape(),
      (Dims{3, 4, 0}));
  EXPECT_EQ(run_op(Op::Reshape, {x, i64({0, 12})})[0].shape(), (Dims{0, 12}));
}

TEST(DataLayout, ReshapeInPlaceCopiesNothing) {
  EXPECT_TRUE(kernels::ref::kernel(Op::Reshape).inplace_ok);
  ir::Node node = make_node(Op::Reshape, 2, 1, {});
  Tensor x = iota_f32({2, 3});
  Tensor shape = i64({3, 2});
  Tensor alias = Tensor::view(DType::kF32, {3, 2}, x.raw());
  const Tensor* src[] = {&x, &shape};
  Tensor* dst[] = {&alias};
  kernels::ref::run(node, src, dst);
  EXPECT_THAT(values_of<float>(alias), ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST(DataLayout, FlattenSqueezeUnsqueezeBool) {
  Tensor b = Tensor::from_vector<bool>({true, false, true, true, false, false}, {1, 2, 3});
  Tensor flat = run_op(Op::Flatten, {b}, axis(-1))[0];
  EXPECT_EQ(flat.shape(), (Dims{2, 3}));
  EXPECT_THAT(values_of<bool>(flat), ElementsAre(true, false, true, true, false, false));
  EXPECT_EQ(run_op(Op::Flatten, {b}, axis(0))[0].shape(), (Dims{1, 6}));
  Tensor sq = run_op(Op::Squeeze, {b, i64({0})})[0];
  EXPECT_EQ(sq.shape(), (Dims{2, 3}));
  EXPECT_EQ(run_op(Op::Squeeze, {b})[0].shape(), (Dims{2, 3}));
  Tensor un = run_op(Op::Unsqueeze, {sq, i64({-1, 1})})[0];
  EXPECT_EQ(un.shape(), (Dims{2, 1, 3, 1}));
  EXPECT_EQ(values_of<bool>(un), values_of<bool>(b));
  EXPECT_EQ(run_op(Op::Unsqueeze, {Tensor::from_vector<float>({5}, {}), i64({0})})[0].shape(),
            (Dims{1}));
}

// ---- Transpose ----

TEST(DataLayout, TransposeDefaultReverses) {
  Tensor out = run_op(Op::Transpose, {iota_f32({2, 3})})[0];
  EXPECT_EQ(out.shape(), (Dims{3, 2}));
  EXPECT_THAT(values_of<float>(out), ElementsAre(0, 3, 1, 4, 2, 5));
}

TEST(DataLayout, TransposeHeadsInt64) {
  // [b=1, s=2, h=2, d=2] -> [b, h, s, d]
  Tensor x = Tensor::from_vector<int64_t>({0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, 2, 2});
  Tensor out =
      run_op(Op::Transpose, {x}, attrs_of({{"perm", std::vector<int64_t>{0, 2, 1, 3}}}))[0];
  EXPECT_EQ(out.shape(), (Dims{1, 2, 2, 2}));
  EXPECT_THAT(values_of<int64_t>(out), ElementsAre(0, 1, 4, 5, 2, 3, 6, 7));
}

TEST(DataLayout, TransposeThreeDimsAndEmpty) {
  Tensor out = run_op(Op::Transpose, {iota_f32({2, 3, 4})},
                      attrs_of({{"perm", std::vector<int64_t>{2, 0, 1}}}))[0];
  EXPECT_EQ(out.shape(), (Dims{4, 2, 3}));
  // out[k, i, j] = x[i, j, k] = 12 i + 4 j + k
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(out.data<float>()[k * 6 + i * 3 + j], 12 * i + 4 * j + k);
  EXPECT_EQ(run_op(Op::Transpose, {Tensor::empty(DType::kF64, {0, 3})})[0].shape(), (Dims{3, 0}));
}

// ---- Expand ----

TEST(DataLayout, ExpandBidirectional) {
  Tensor x = Tensor::from_vector<int32_t>({1, 2, 3}, {3, 1});
  Tensor out = run_op(Op::Expand, {x, i64({2, 1, 2})})[0];
  EXPECT_EQ(out.shape(), (Dims{2, 3, 2}));
  EXPECT_THAT(values_of<int32_t>(out), ElementsAre(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3));
  Tensor same = run_op(Op::Expand, {x, i64({3, 1})})[0];
  EXPECT_THAT(values_of<int32_t>(same), ElementsAre(1, 2, 3));
  EXPECT_EQ(run_op(Op::Expand, {x, i64({0, 3, 1})})[0].shape(), (Dims{0, 3, 1}));
}

// ---- Tile ----

TEST(DataLayout, TileRepeatsEachDim) {
  Tensor x = Tensor::from_vector<int32_t>({1, 2, 3, 4}, {2, 2});
  Tensor out = run_op(Op::Tile, {x, i64({2, 1})})[0];
  EXPECT_EQ(out.shape(), (Dims{4, 2}));
  EXPECT_THAT(values_of<int32_t>(out), ElementsAre(1, 2, 3, 4, 1, 2, 3, 4));
  Tensor wide = run_op(Op::Tile, {x, i64({1, 3})})[0];
  EXPECT_THAT(values_of<int32_t>(wide), ElementsAre(1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4));
  EXPECT_EQ(run_op(Op::Tile, {x, i64({0, 2})})[0].shape(), (Dims{0, 4}));
}

// ---- Concat ----

TEST(DataConcat, NegativeAxisAndEmptyInput) {
  Tensor a = iota_f32({2, 2});
  Tensor b = Tensor::from_vector<float>({10, 11, 12, 13, 14, 15}, {2, 3});
  Tensor e = Tensor::empty(DType::kF32, {2, 0});
  Tensor out = run_op(Op::Concat, {a, e, b}, axis(-1))[0];
  EXPECT_EQ(out.shape(), (Dims{2, 5}));
  EXPECT_THAT(values_of<float>(out), ElementsAre(0, 1, 10, 11, 12, 2, 3, 13, 14, 15));
  Tensor rows = run_op(Op::Concat, {a, a}, axis(0))[0];
  EXPECT_THAT(values_of<float>(rows), ElementsAre(0, 1, 2, 3, 0, 1, 2, 3));
}

TEST(DataConcat, OneDimensionalUint8) {
  Tensor out = run_op(Op::Concat, {vec<uint8_t>({1, 2}), vec<uint8_t>({3})}, axis(0))[0];
  EXPECT_THAT(values_of<uint8_t>(out), ElementsAre(1, 2, 3));
}

// ---- Split ----

TEST(DataSplit, VariableAndEqualParts) {
  Tensor x = iota_f32({2, 6});
  auto parts = run_op(Op::Split, {x, i64({2, 4})}, axis(-1), 2);
  EXPECT_EQ(parts[0].shape(), (Dims{2, 2}));
  EXPECT_THAT(values_of<float>(parts[0]), ElementsAre(0, 1, 6, 7));
  EXPECT_THAT(values_of<float>(parts[1]), ElementsAre(2, 3, 4, 5, 8, 9, 10, 11));
  auto equal = run_op(Op::Split, {x}, axis(1), 3);
  EXPECT_THAT(values_of<float>(equal[2]), ElementsAre(4, 5, 10, 11));
  auto rows = run_op(Op::Split, {x}, {}, 2);
  EXPECT_THAT(values_of<float>(rows[1]), ElementsAre(6, 7, 8, 9, 10, 11));
}

TEST(DataSplit, ZeroSizeParts) {
  auto parts = run_op(Op::Split, {Tensor::empty(DType::kF32, {0}), i64({0, 0, 0})}, {}, 3);
  for (const Tensor& p : parts) EXPECT_EQ(p.shape(), (Dims{0}));
  auto mixed = run_op(Op::Split, {vec<int64_t>({1, 2, 3}), i64({0, 3})}, {}, 2);
  EXPECT_EQ(mixed[0].numel(), 0);
  EXPECT_THAT(values_of<int64_t>(mixed[1]), ElementsAre(1, 2, 3));
}

// ---- Slice ----

TEST(DataSlice, BasicAndDefaultAxes) {
  Tensor x = iota_f32({3, 4});
  Tensor out = run_op(Op::Slice, {x, i64({1, 1}), i64({3, 3})})[0];
  EXPECT_EQ(out.shape(), (Dims{2, 2}));
  EXPECT_THAT(values_of<float>(out), ElementsAre(5, 6, 9, 10));
}

TEST(DataSlice, NegativeAxesStartsAndSteps) {
  Tensor x = iota_f32({3, 4});
  // x[:, -1:0:-2] -> columns 3, 1
  Tensor out = run_op(Op::Slice, {x, i64({-1}), i64({0}), i64({-1}), i64({-2})})[0];
  EXPECT_EQ(out.shape(), (Dims{3, 2}));
  EXPECT_THAT(values_of<float>(out), ElementsAre(3, 1, 7, 5, 11, 9));
  // Full reversal with the INT64 sentinels, as exporters write x[::-1].
  Tensor rev = run_op(Op::Slice, {x, i64({kMax}), i64({kMin}), i64({0}), i64({-1})})[0];
  EXPECT_THAT(values_of<float>(rev), ElementsAre(8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3));
}

TEST(DataSlice, ClampingOutOfBounds) {
  Tensor x = iota_f32({2, 5});
  Tensor end_big = run_op(Op::Slice, {x, i64({1}), i64({1000}), i64({1})})[0];
  EXPECT_THAT(values_of<float>(end_big), ElementsAre(1, 2, 3, 4, 6, 7, 8, 9));
  Tensor start_big = run_op(Op::Slice, {x, i64({1000}), i64({1001}), i64({1})})[0];
  EXPECT_EQ(start_big.shape(), (Dims{2, 0}));
  Tensor neg_big = run_op(Op::Slice, {x, i64({-1000}), i64({2}), i64({-1}), i64({3})})[0];
  EXPECT_THAT(values_of<float>(neg_big), ElementsAre(0, 5));
  Tensor max_step = run_op(Op::Slice, {x, i64({4}), i64({kMin}), i64({1}), i64({kMin})})[0];
  EXPECT_THAT(values_of<float>(max_step), ElementsAre(4, 9));
  // A huge step on an outer axis keeps one row; its stride times the step must not overflow
  // (found by fuzz_bundle).
  Tensor outer_step = run_op(Op::Slice, {x, i64({1}), i64({2}), i64({0}), i64({kMax})})[0];
  EXPECT_THAT(values_of<float>(outer_step), ElementsAre(5, 6, 7, 8, 9));
}

TEST(DataSlice, Int32ParamsAndEmptyData) {
  Tensor x = Tensor::from_vector<double>({1, 2, 3, 4}, {4});
  Tensor out = run_op(Op::Slice, {x, vec<int32_t>({-3}), vec<int32_t>({-1})})[0];
  EXPECT_THAT(values_of<double>(out), ElementsAre(2, 3));
  Tensor e =
      run_op(Op::Slice, {Tensor::empty(DType::kF32, {0, 3}), i64({0}), i64({2}), i64({1})})[0];
  EXPECT_EQ(e.shape(), (Dims{0, 2}));
  EXPECT_THAT(error_of([&] {
                run_op(Op::Slice, {x, i64({0}), i64({1}), i64({0}), i64({0})});
              }),
              HasSubstr("step of 0"));
}

// ---- Shape, Size, Constant, ConstantOfShape, Range ----

TEST(DataGenerate, ShapeWithStartEnd) {
  Tensor x = Tensor::empty(DType::kF32, {3, 4, 5});
  EXPECT_THAT(values_of<int64_t>(run_op(Op::Shape, {x})[0]), ElementsAre(3, 4, 5));
  auto a = [](int64_t s, int64_t e) { return attrs_of({{"start", s}, {"end", e}}); };
  EXPECT_THAT(values_of<int64_t>(run_op(Op::Shape, {x}, a(1, -1))[0]), ElementsAre(4));
  EXPECT_THAT(values_of<int64_t>(run_op(Op::Shape, {x}, a(-10, 10))[0]), ElementsAre(3, 4, 5));
  EXPECT_EQ(run_op(Op::Shape, {x}, a(2, 1))[0].numel(), 0);
  EXPECT_EQ(run_op(Op::Shape, {Tensor::from_vector<float>({1}, {})})[0].shape(), (Dims{0}));
}

TEST(DataGenerate, Size) {
  Tensor out = run_op(Op::Size, {Tensor::empty(DType::kBool, {3, 4, 5})})[0];
  EXPECT_EQ(out.shape(), Dims{});
  EXPECT_EQ(out.data<int64_t>()[0], 60);
  EXPECT_EQ(run_op(Op::Size, {Tensor::empty(DType::kF32, {3, 0})})[0].data<int64_t>()[0], 0);
}

TEST(DataGenerate, ConstantForms) {
  Tensor v = Tensor::from_vector<int32_t>({1, 2, 3, 4}, {2, 2});
  EXPECT_THAT(values_of<int32_t>(run_op(Op::Constant, {}, attrs_of({{"value", v}}))[0]),
              ElementsAre(1, 2, 3, 4));
  Tensor f = run_op(Op::Constant, {}, attrs_of({{"value_float", 2.5f}}))[0];
  EXPECT_EQ(f.shape(), Dims{});
  EXPECT_EQ(f.data<float>()[0], 2.5f);
  Tensor ints = run_op(Op::Constant, {}, attrs_of({{"value_ints", std::vector<int64_t>{7, 8}}}))[0];
  EXPECT_THAT(values_of<int64_t>(ints), ElementsAre(7, 8));
}

TEST(DataGenerate, ConstantOfShape) {
  Tensor zeros = run_op(Op::ConstantOfShape, {i64({2, 3})})[0];
  EXPECT_EQ(zeros.dtype(), DType::kF32);
  EXPECT_THAT(values_of<float>(zeros), ElementsAre(0, 0, 0, 0, 0, 0));
  Tensor ones = run_op(Op::ConstantOfShape, {i64({2})},
                       attrs_of({{"value", Tensor::from_vector<int64_t>({-1}, {1})}}))[0];
  EXPECT_THAT(values_of<int64_t>(ones), ElementsAre(-1, -1));
  Tensor empty = run_op(Op::ConstantOfShape, {i64({0})},
                        attrs_of({{"value", Tensor::from_vector<int32_t>({0}, {1})}}))[0];
  EXPECT_EQ(empty.shape(), (Dims{0}));
  EXPECT_EQ(empty.dtype(), DType::kI32);
  Tensor scalar = run_op(Op::ConstantOfShape, {i64({})},
                         attrs_of({{"value", Tensor::from_vector<double>({1.5}, {1})}}))[0];
  EXPECT_EQ(scalar.shape(), Dims{});
  EXPECT_EQ(scalar.data<double>()[0], 1.5);
}

TEST(DataGenerate, RangeTypes) {
  auto scalar = [](auto v) { return Tensor::from_vector<decltype(v)>({v}, {}); };
  Tensor f = run_op(Op::Range, {scalar(1.0f), scalar(5.0f), scalar(1.5f)})[0];
  EXPECT_THAT(values_of<float>(f), ElementsAre(1.0f, 2.5f, 4.0f));
  Tensor i = run_op(Op::Range, {scalar(int32_t{10}), scalar(int32_t{6}), scalar(int32_t{-3})})[0];
  EXPECT_THAT(values_of<int32_t>(i), ElementsAre(10, 7));
  Tensor l = run_op(Op::Range, {scalar(int64_t{0}), scalar(int64_t{5}), scalar(int64_t{1})})[0];
  EXPECT_THAT(values_of<int64_t>(l), ElementsAre(0, 1, 2, 3, 4));
  constexpr int32_t kLow = std::numeric_limits<int32_t>::min();
  constexpr int32_t kHigh = std::numeric_limits<int32_t>::max();
  Tensor wide = run_op(Op::Range, {scalar(kLow), scalar(kHigh), scalar(int32_t{1} << 30)})[0];
  EXPECT_THAT(values_of<int32_t>(wide), ElementsAre(kLow, -(1 << 30), 0, 1 << 30));
  Tensor none = run_op(Op::Range, {scalar(0.0), scalar(-1.0), scalar(1.0)})[0];
  EXPECT_EQ(none.shape(), (Dims{0}));
  EXPECT_THAT(error_of([&] {
                run_op(Op::Range, {scalar(int64_t{0}), scalar(int64_t{5}), scalar(int64_t{0})});
              }),
              HasSubstr("delta must not be 0"));
}

}  // namespace
}  // namespace bertc::testing
