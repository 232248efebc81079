// sentence-transformers' Dense modules: the hf/bert fixture with mean Pooling, a Dense (48 -> 20,
// Tanh) and Normalize (tests/fixtures/text_models/dense, written by tools/make_models.py with
// PyTorch's embeddings of hf/bert's reference inputs) gives PyTorch's sentence embeddings at -O0
// and -O3, keeps them through a bundle, and every way the module can be wrong is an error that
// names the file and the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../common/ascii_text_model.h"
#include "../common/error_of.h"
#include "../common/temp_path.h"
#include "bertc/compile.h"
#include "bertc/npy.h"
#include "bertc/pipeline.h"

namespace bertc {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

const fs::path kFixtures = fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures";

// hf/bert (with the ascii vocabulary) plus the sentence-transformers files of text_models/dense,
// in a folder of its own named by `tag`.
fs::path dense_model(const std::string& tag) {
  const fs::path out = testing::temp_path("dense_model_" + tag);
  fs::remove_all(out);
  fs::create_directories(out);
  for (const auto& e : fs::directory_iterator(testing::ascii_text_model("bert"))) {
    if (e.is_regular_file()) fs::copy_file(e.path(), out / e.path().filename());
  }
  fs::copy(kFixtures / "text_models" / "dense", out, fs::copy_options::recursive);
  fs::remove(out / "embeddings.npy");
  return out;
}

void edit_json(const fs::path& path, const std::function<void(nlohmann::json&)>& edit) {
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  in.close();
  edit(j);
  std::ofstream(path) << j.dump(2);
}

// hf/bert's reference inputs (right-padded [3, 11]) as encodings of their real tokens.
std::vector<Encoding> reference_encodings() {
  const fs::path dir = kFixtures / "hf" / "bert" / "reference" / "inputs";
  const Tensor ids = read_npy((dir / "input_ids.npy").string());
  const Tensor mask = read_npy((dir / "attention_mask.npy").string());
  const Tensor types = read_npy((dir / "token_type_ids.npy").string());
  std::vector<Encoding> out;
  for (int64_t b = 0; b < ids.dim(0); ++b) {
    Encoding e;
    for (int64_t s = 0; s < ids.dim(1); ++s) {
      const int64_t at = b * ids.dim(1) + s;
      if (mask.data<int64_t>()[at] == 0) break;
      e.ids.push_back(ids.data<int64_t>()[at]);
      e.type_ids.push_back(types.data<int64_t>()[at]);
      e.attention_mask.push_back(1);
    }
    out.push_back(std::move(e));
  }
  return out;
}

void expect_pytorch_embeddings(Pipeline& p, double tol, const std::string& what) {
  const Tensor want = read_npy((kFixtures / "text_models" / "dense" / "embeddings.npy").string());
  const auto got = p.embed(reference_encodings());
  ASSERT_EQ(static_cast<int64_t>(got.size()), want.dim(0));
  for (size_t b = 0; b < got.size(); ++b) {
    ASSERT_EQ(static_cast<int64_t>(got[b].size()), want.dim(1)) << what;  // the Dense's 20
    for (size_t j = 0; j < got[b].size(); ++j) {
      EXPECT_NEAR(got[b][j], want.data<float>()[b * got[b].size() + j], tol) << what << " row " << b;
    }
  }
}

TEST(DenseModules, MatchPyTorchAtEveryLevelAndThroughABundle) {
  const fs::path dir = dense_model("ok");
  for (int level : {0, 3}) {
    PipelineOptions o;
    o.compile.opt_level = level;
    Model model = compile(dir.string(), o.compile);
    ASSERT_EQ(model.info.dense.size(), 1u);
    EXPECT_EQ(model.info.dense[0].activation, "tanh");
    EXPECT_EQ(model.info.dense[0].weight.shape(), (Dims{20, 48}));
    const std::string bundle = testing::temp_path("dense_O" + std::to_string(level) + ".bertc");
    save(model, bundle);
    const double tol = level >= 3 ? 1e-3 : 1e-4;
    Pipeline from_folder = Pipeline::load(dir.string(), o);
    EXPECT_TRUE(from_folder.normalizes());
    expect_pytorch_embeddings(from_folder, tol, "folder -O" + std::to_string(level));
    Pipeline from_bundle = Pipeline::load(bundle, o);
    expect_pytorch_embeddings(from_bundle, tol, "bundle -O" + std::to_string(level));
    EXPECT_TRUE(load_model(bundle).info == model.info);
  }
}

std::string compile_error(const fs::path& dir) {
  return error_of([&] { compile(dir.string(), {.opt_level = 0}); });
}

TEST(DenseModules, BadModulesAreNamed) {
  fs::path dir = dense_model("in_features");
  edit_json(dir / "2_Dense" / "config.json", [](auto& j) { j["in_features"] = 40; });
  EXPECT_NE(compile_error(dir).find("2_Dense/config.json contradicts the model: in_features 40, but the "
                                    "embedding before it is 48 wide"),
            std::string::npos)
      << compile_error(dir);

  dir = dense_model("activation");
  edit_json(dir / "2_Dense" / "config.json",
            [](auto& j) { j["activation_function"] = "torch.nn.modules.activation.Softplus"; });
  EXPECT_NE(compile_error(dir).find("activation_function 'torch.nn.modules.activation.Softplus' is not "
                                    "supported"),
            std::string::npos);

  dir = dense_model("out_features");  // the weights are [20, 48]
  edit_json(dir / "2_Dense" / "config.json", [](auto& j) { j["out_features"] = 16; });
  EXPECT_NE(compile_error(dir).find("tensor 'linear.weight' has shape [20, 48], expected [16, 48]"),
            std::string::npos);

  dir = dense_model("no_weights");
  fs::remove(dir / "2_Dense" / "model.safetensors");
  EXPECT_NE(compile_error(dir).find("2_Dense: no model.safetensors"), std::string::npos);

  dir = dense_model("order");  // Dense before Pooling
  edit_json(dir / "modules.json", [](auto& j) { std::swap(j[1], j[2]); });
  EXPECT_NE(compile_error(dir).find("(2_Dense) comes before the Pooling module"), std::string::npos);

  dir = dense_model("after_normalize");
  edit_json(dir / "modules.json", [](auto& j) { std::swap(j[2], j[3]); });
  EXPECT_NE(compile_error(dir).find("(2_Dense) comes after Normalize"), std::string::npos);

  dir = dense_model("bias");  // bias false: the file's linear.bias is not read
  edit_json(dir / "2_Dense" / "config.json", [](auto& j) { j["bias"] = false; });
  EXPECT_FALSE(compile(dir.string(), {.opt_level = 0}).info.dense.at(0).bias.defined());
}

}  // namespace
}  // namespace bertc
