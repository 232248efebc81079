// f32_embed_layer_norm_{avx512,avx2} (bertc.EmbedLayerNorm) against the reference kernel, and
// its id validation: an id outside a table throws naming the table and the id.
#include <gtest/gtest.h>

#include <tuple>

#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

Tensor ids_tensor(int64_t B, int64_t S, int64_t rows, uint32_t seed, DType dtype = DType::kI64) {
  Tensor t = Tensor::empty(dtype, {B, S});
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < B * S; ++i) {
    // Some negative ids (counted from the end, as ONNX Gather and the reference kernel).
    int64_t id = static_cast<int64_t>(rng() % static_cast<uint32_t>(2 * rows)) - rows;
    if (dtype == DType::kI64) {
      t.data<int64_t>()[i] = id;
    } else {
      t.data<int32_t>()[i] = static_cast<int32_t>(id);
    }
  }
  return t;
}

struct Tables {
  Tensor word, type, position, gamma, beta;
  Tables(int64_t H, int64_t V, int64_t T, int64_t P, uint32_t seed)
      : word(random_f32({V, H}, seed)),
        type(random_f32({T, H}, seed + 1)),
        position(random_f32({P, H}, seed + 2)),
        gamma(random_f32({H}, seed + 3, 0.5f, 1.5f)),
        beta(random_f32({H}, seed + 4)) {}
};

// isa, H, S, B, with token types, positions broadcast over the batch
using EmbedParam = std::tuple<cpu::Isa, int64_t, int64_t, int64_t, bool, bool>;

std::string embed_name(const ::testing::TestParamInfo<EmbedParam>& info) {
  return std::string(cpu::isa_name(std::get<0>(info.param))) + "_H" +
         std::to_string(std::get<1>(info.param)) + "_S" + std::to_string(std::get<2>(info.param)) +
         "_B" + std::to_string(std::get<3>(info.param)) + (std::get<4>(info.param) ? "_types" : "") +
         (std::get<5>(info.param) ? "_bcastpos" : "");
}

class EmbedLayerNormTest : public ::testing::TestWithParam<EmbedParam> {};

TEST_P(EmbedLayerNormTest, MatchesReference) {
  const auto [isa, H, S, B, typed, bcast_pos] = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const uint32_t seed = static_cast<uint32_t>(H * 17 + S * 3 + B);
  Tables t(H, 50, 2, 140, seed);
  Tensor ids = ids_tensor(B, S, 50, seed);
  Tensor types = ids_tensor(B, S, 2, seed + 1, DType::kI32);
  Tensor pos = Tensor::empty(DType::kI64, {bcast_pos ? 1 : B, S});
  for (int64_t i = 0; i < pos.numel(); ++i) pos.data<int64_t>()[i] = (i % S) + 2;
  ir::Attrs attrs;
  attrs.set("epsilon", 1e-12f);
  OneNode n(ir::Op::EmbedLayerNorm,
            {&ids, typed ? &types : nullptr, &pos, &t.word, typed ? &t.type : nullptr, &t.position,
             &t.gamma, &t.beta},
            {false, false, false, true, true, true, true, true}, attrs);
  Tensor want = Tensor::empty(DType::kF32, {B, S, H});
  n.run_ref(want);
  for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
    Tensor got = Tensor::empty(DType::kF32, {B, S, H});
    n.run_x86(isa, got, pool);
    expect_close(got, want, 2e-5, 2e-5, pool ? "2 threads" : "1 thread");
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, EmbedLayerNormTest,
                         ::testing::Combine(::testing::ValuesIn(x86_isas()),
                                            ::testing::Values(1, 7, 16, 33, 48, 768, 771),
                                            ::testing::Values(1, 5, 17, 64, 130),
                                            ::testing::Values(1, 3), ::testing::Bool(),
                                            ::testing::Bool()),
                         embed_name);

class EmbedLayerNormIsaTest : public ::testing::TestWithParam<cpu::Isa> {};

// Runs the x86 kernel and returns the error message ("" if none).
std::string run_error(const OneNode& n, cpu::Isa isa, std::vector<const Tensor*> srcs) {
  kernels::KernelChoice c = n.choose(isa);
  EXPECT_NE(c.fn, nullptr) << c.refused;
  Tensor got = Tensor::empty(DType::kF32, {srcs[0]->dim(0), srcs[0]->dim(1), srcs[3]->dim(1)});
  std::vector<Tensor*> d = {&got};
  try {
    c.fn(kernels::KernelCall{c.attrs.get(), srcs, d, nullptr});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_P(EmbedLayerNormIsaTest, OutOfRangeIdsThrowNamingTheTable) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tables t(16, 30, 2, 8, 1);
  Tensor ids = ids_tensor(2, 5, 30, 1);
  Tensor types = ids_tensor(2, 5, 2, 2);
  Tensor pos = Tensor::empty(DType::kI64, {1, 5});
  for (int64_t i = 0; i < 5; ++i) pos.data<int64_t>()[i] = i;
  OneNode n(ir::Op::EmbedLayerNorm,
            {&ids, &types, &pos, &t.word, &t.type, &t.position, &t.gamma, &t.beta},
            {false, false, false, true, true, true, true, true}, {}, "embeddings");
  std::vector<const Tensor*> srcs = n.srcs();
  EXPECT_EQ(run_error(n, isa, srcs), "");

  Tensor bad_ids = Tensor::copy_of(ids);
  bad_ids.data<int64_t>()[7] = 30;
  srcs[0] = &bad_ids;
  std::string msg = run_error(n, isa, srcs);
  EXPECT_NE(msg.find("embeddings"), std::string::npos) << msg;           // the node
  EXPECT_NE(msg.find("id 30 at [1, 2]"), std::string::npos) << msg;      // the id and where
  EXPECT_NE(msg.find("embeddings_in3"), std::string::npos) << msg;       // the table's name
  EXPECT_NE(msg.find("30 rows"), std::string::npos) << msg;

  bad_ids.data<int64_t>()[7] = -31;
  EXPECT_NE(run_error(n, isa, srcs).find("id -31"), std::string::npos);

  srcs[0] = &ids;
  Tensor bad_types = Tensor::copy_of(types);
  bad_types.data<int64_t>()[0] = 2;
  srcs[1] = &bad_types;
  msg = run_error(n, isa, srcs);
  EXPECT_NE(msg.find("token type id 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("embeddings_in4"), std::string::npos) << msg;

  srcs[1] = &types;
  Tensor bad_pos = Tensor::copy_of(pos);
  bad_pos.data<int64_t>()[4] = 8;
  srcs[2] = &bad_pos;
  msg = run_error(n, isa, srcs);
  EXPECT_NE(msg.find("position id 8"), std::string::npos) << msg;
  EXPECT_NE(msg.find("embeddings_in5"), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(Isa, EmbedLayerNormIsaTest, ::testing::ValuesIn(x86_isas()),
                         isa_param_name);

}  // namespace
}  // namespace bertc::testing
