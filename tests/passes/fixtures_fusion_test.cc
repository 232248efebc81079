// Every PyTorch-exported fixture (tests/fixtures) compiled at -O2 and -O3: the fused-op counts
// the passes must reach, and the outputs against PyTorch's (reference kernels, so this checks
// the passes and the fused ops' reference kernels; the optimized kernels are tested elsewhere).
#include <gtest/gtest.h>

#include "../e2e/fixtures.h"
#include "bertc/session.h"
#include "ir/printer.h"
#include "pass_test_util.h"

namespace bertc {
namespace {

struct Case {
  std::string fixture;
  int opt_level;
  bool fast_math;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.fixture + "_O" + std::to_string(info.param.opt_level) +
         (info.param.fast_math ? "" : "_precise");
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const std::string& name : testing::onnx_fixture_names()) {
    cases.push_back({name, 2, false});
    cases.push_back({name, 3, true});
    cases.push_back({name, 3, false});
  }
  return cases;
}

// Dense layers outside the encoder: the pooler, the classification heads and ELECTRA's
// embeddings_project (when embedding_size is not hidden_size).
int outer_dense_count(const std::string& arch, const nlohmann::json& config) {
  const int project = config.contains("embedding_size") && config["embedding_size"] != config["hidden_size"];
  if (arch == "BertModel" || arch == "RobertaModel" || arch == "MPNetModel") return 1;
  if (arch == "ModernBertModel") return 0;
  if (arch == "DebertaV2Model") return project;  // DeBERTa's embed_proj, before its LayerNorm
  if (arch == "DistilBertModel" || arch == "ElectraModel") return project;
  if (arch.ends_with("ForTokenClassification")) return 1 + project;  // the per-token classifier
  // *ForSequenceClassification: pooler + classifier, or RoBERTa's / ELECTRA's / MPNet's dense +
  // out_proj, or ModernBERT's head.dense + classifier
  return 2 + project;
}

class FixtureFusionTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixtureFusionTest, FusedCountsAndOutputs) {
  const Case& c = GetParam();
  auto dir = testing::fixtures_dir() / c.fixture;
  nlohmann::json meta = testing::fixture_meta(c.fixture);
  const nlohmann::json& config = meta["config"];
  const int layers = config.contains("n_layers") ? config["n_layers"].get<int>()
                                                 : config["num_hidden_layers"].get<int>();
  Model model =
      compile((dir / "model.onnx").string(), {.opt_level = c.opt_level, .fast_math = c.fast_math});
  const ir::Graph& g = model.graph();
  SCOPED_TRACE(ir::graph_to_string(g));
  const std::string arch = meta["arch"].get<std::string>();
  const bool modernbert = arch.starts_with("ModernBert"), deberta = arch.starts_with("DebertaV2");
  // DeBERTa's embed_proj sits between its embeddings' sum and their LayerNorm: no EmbedLayerNorm.
  const bool projected_norm =
      deberta && config.contains("embedding_size") && config["embedding_size"] != config["hidden_size"];
  EXPECT_EQ(testing::count_op(g, ir::Op::EmbedLayerNorm), projected_norm ? 0 : 1);
  EXPECT_EQ(testing::count_op(g, ir::Op::Attention), layers);
  // ModernBERT: attn_norm (not in layer 0), mlp_norm, final_norm, and its head's norm.
  EXPECT_EQ(testing::count_op(g, ir::Op::LayerNorm),
            2 * layers + (arch == "ModernBertForSequenceClassification" || projected_norm ? 1 : 0));
  EXPECT_EQ(testing::count_op(g, ir::Op::Dense), 4 * layers + outer_dense_count(meta["arch"], config));
  for (ir::Op op : {ir::Op::Softmax, ir::Op::Erf, ir::Op::MatMul, ir::Op::Gemm, ir::Op::ReduceMean,
                    ir::Op::LayerNormalization, ir::Op::Tanh, ir::Op::Relu, ir::Op::Transpose,
                    ir::Op::Pow, ir::Op::Sqrt, ir::Op::Cos, ir::Op::Sin}) {
    EXPECT_EQ(testing::count_op(g, op), 0) << ir::op_name(op);
  }
  int windows = 0;
  for (const ir::Node& node : g.nodes) {
    if (node.op == ir::Op::Dense) {
      EXPECT_EQ(node.attrs.get_int("packed"), c.opt_level >= 3 ? 1 : 0);
    }
    if (node.op == ir::Op::Attention) {
      // MPNet's relative position bias as a table by distance; ModernBERT's rotary tables, and
      // its local layers' window (every layer but each global_attn_every_n_layers-th).
      EXPECT_EQ(node.has_input(2), arch.starts_with("MPNet")) << node.name;
      EXPECT_EQ(node.has_input(3) && node.has_input(4), modernbert) << node.name;
      // DeBERTa's disentangled attention: pos_key (c2p), pos_query (p2c), pos_index.
      const bool relative = deberta && config.value("relative_attention", false);
      const std::string kinds = relative ? config["pos_att_type"].dump() : "";
      EXPECT_EQ(node.has_input(5), kinds.find("c2p") != std::string::npos) << node.name;
      EXPECT_EQ(node.has_input(6), kinds.find("p2c") != std::string::npos) << node.name;
      EXPECT_EQ(node.has_input(7), relative) << node.name;
      if (modernbert) windows += node.attrs.get_int("window", 0) > 0;
    }
    if (std::string(ir::op_name(node.op)).rfind("bertc.", 0) == 0) {
      EXPECT_EQ(node.attrs.get_int("fast_math", 0), c.fast_math ? 1 : 0) << node.name;
    }
  }
  // ModernBERT's GeGLU MLPs.
  EXPECT_EQ(testing::count_op(g, ir::Op::GatedActivation), modernbert ? layers : 0);
  if (modernbert) {
    const int every = config.value("global_attn_every_n_layers", 3);
    EXPECT_EQ(windows, layers - (layers + every - 1) / every);
  }
  // The reference kernels (exact, whatever fast_math says) and a Session (the kernels lowering
  // picks: with fast_math the optimized kernels' approximations).
  const double tol = c.fast_math ? 1e-3 : 1e-4;
  for (const char* set : {"", "_2"}) {
    auto inputs = testing::read_npy_dir(dir / (std::string("inputs") + set));
    auto expected = testing::read_npy_dir(dir / (std::string("outputs") + set));
    auto ref = testing::run_graph_ref(g, inputs);
    for (const auto& [name, want] : expected) {
      // On real tokens: rows at the padding are unspecified (ModernBERT's padded queries whose
      // window holds only padding attend to every key in PyTorch, only to their window here).
      double diff = testing::max_abs_diff(ref.at(name), want, inputs);
      EXPECT_LE(diff, 1e-4) << "output " << name << " of inputs" << set << " (reference kernels)";
      std::printf("[ diff ] %s O%d%s %s%s: ref %.3g\n", c.fixture.c_str(), c.opt_level,
                  c.fast_math ? " fast" : "", name.c_str(), set, diff);
    }
  }
  Session session(std::move(model), {.num_threads = 1});
  for (const char* set : {"", "_2"}) {
    auto inputs = testing::read_npy_dir(dir / (std::string("inputs") + set));
    auto expected = testing::read_npy_dir(dir / (std::string("outputs") + set));
    for (const auto& [name, t] : inputs) session.set_input(name, t);
    session.run();
    for (const auto& [name, want] : expected) {
      double diff = testing::max_abs_diff(session.get_output(name), want, inputs);
      EXPECT_LE(diff, tol) << "output " << name << " of inputs" << set;
      std::printf("[ diff ] %s O%d%s %s%s: session %.3g\n", c.fixture.c_str(), c.opt_level,
                  c.fast_math ? " fast" : "", name.c_str(), set, diff);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureFusionTest, ::testing::ValuesIn(all_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FixtureFusionTest);

}  // namespace
}  // namespace bertc
