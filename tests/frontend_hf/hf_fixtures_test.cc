// The committed Hugging Face checkpoint folders (tests/fixtures/hf/: BERT, DistilBERT, RoBERTa,
// ELECTRA, with and without embeddings_project, MPNet, ModernBERT and DeBERTa-v2 / v3, bare,
// sequence and token classifiers; written by
// tools/make_models.py with PyTorch's outputs), compiled at every -O level, saved, loaded and run
// on two shapes in one session; and the graph they compile to uses the same fused kernels as the
// ONNX export of the same model.
#include <gtest/gtest.h>

#include "bertc/session.h"
#include "hf_test_util.h"
#include "ir/graph.h"
#include "ir/printer.h"

namespace bertc {
namespace {

using testing::hf_fixture;

const char* const kFixtures[] = {"bert",        "bert_cls",    "bert_tok",       "distilbert",
                                 "distilbert_cls", "distilbert_tok", "roberta",  "roberta_cls",
                                 "roberta_tok", "electra",     "electra_cls",    "electra_tok",
                                 "mpnet",       "mpnet_cls",   "modernbert",     "modernbert_cls",
                                 "deberta",     "deberta_cls", "deberta_tok",    "deberta_plain"};

struct Case {
  std::string fixture;
  int opt_level;
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* name : kFixtures) {
    for (int level : {0, 1, 2, 3}) cases.push_back({name, level});
  }
  return cases;
}

// -O3 turns fast math on (approximate erf / exp / tanh in the optimized kernels).
double tolerance(int opt_level) { return opt_level >= 3 ? 1e-3 : 1e-4; }

class HfFixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(HfFixtureTest, MatchesPyTorch) {
  const Case& c = GetParam();
  const auto dir = hf_fixture(c.fixture);
  const std::string bundle =
      testing::temp_path("hf_" + c.fixture + "_O" + std::to_string(c.opt_level) + ".bertc");
  save(compile(dir.string(), {.opt_level = c.opt_level}), bundle);
  Session session = Session::load(bundle, {.num_threads = 2});
  for (const char* set : {"", "_2"}) {
    auto inputs = testing::read_npy_dir(dir / "reference" / (std::string("inputs") + set));
    auto expected = testing::read_npy_dir(dir / "reference" / (std::string("outputs") + set));
    ASSERT_FALSE(inputs.empty());
    for (const auto& [name, t] : inputs) session.set_input(name, t);
    session.run();
    ASSERT_EQ(session.output_names().size(), expected.size());
    for (const auto& [name, want] : expected) {
      double diff = testing::max_abs_diff(session.get_output(name), want, inputs);
      EXPECT_LE(diff, tolerance(c.opt_level)) << "output " << name << " of inputs" << set;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(HfFixtures, HfFixtureTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.fixture + "_O" + std::to_string(info.param.opt_level);
                         });

// The counts of the fused ops (the kernels that do the work) after -O3.
std::map<std::string, int> fused_ops(const Model& model) {
  std::map<std::string, int> fused;
  for (const auto& [op, n] : ir::op_histogram(model.graph())) {
    if (op.starts_with("bertc.") || op == "MatMul" || op == "Gemm" || op == "Softmax")
      fused[op] = n;
  }
  return fused;
}

TEST(HfFrontend, SameKernelsAsTheOnnxExport) {
  for (const char* name : kFixtures) {
    const auto onnx = testing::fixtures_dir() / (std::string(name) + "_opset17") / "model.onnx";
    const Model from_hf = compile(hf_fixture(name).string(), {.opt_level = 3});
    const Model from_onnx = compile(onnx.string(), {.opt_level = 3});
    EXPECT_EQ(fused_ops(from_hf), fused_ops(from_onnx)) << name;
    EXPECT_GT(fused_ops(from_hf).at("bertc.Attention"), 0) << name;
  }
}

TEST(HfFrontend, MetadataForPipelines) {
  const Model cls = compile(hf_fixture("bert_cls").string(), {.opt_level = 0});
  EXPECT_EQ(cls.info.task, Task::classification);
  EXPECT_EQ(cls.info.architecture, "BertForSequenceClassification");
  EXPECT_EQ(cls.info.model_type, "bert");
  EXPECT_EQ(cls.info.labels, (std::vector<std::string>{"negative", "neutral", "positive"}));
  EXPECT_EQ(cls.info.max_positions, 48);
  // The fixture has no tokenizer files: text is refused, tensors still run.
  EXPECT_NE(cls.info.tokenizer_error.find("no tokenizer files"), std::string::npos);
  EXPECT_TRUE(cls.info.tokenizer_files.empty());

  const Model roberta = compile(hf_fixture("roberta").string(), {.opt_level = 0});
  EXPECT_EQ(roberta.info.task, Task::embedding);
  EXPECT_EQ(roberta.info.max_positions, 40);  // 42 - pad_token_id 1 - 1

  const Model electra = compile(hf_fixture("electra_cls").string(), {.opt_level = 0});
  EXPECT_EQ(electra.info.architecture, "ElectraForSequenceClassification");
  EXPECT_EQ(electra.info.labels, (std::vector<std::string>{"sadness", "joy", "love", "anger"}));
  EXPECT_EQ(electra.info.max_positions, 44);
}

}  // namespace
}  // namespace bertc
