// ModelInfo in the bundle: every field survives save and load, and a bad one is an error that
// names it.
#include <gtest/gtest.h>

#include <filesystem>

#include "../common/error_of.h"
#include "../common/temp_path.h"
#include "bertc/compile.h"
#include "bertc/error.h"
#include "ir/graph.h"
#include "runtime/model_info_json.h"

namespace bertc {
namespace {

using testing::error_of;

ModelInfo full_info() {
  ModelInfo info;
  info.architecture = "BertForSequenceClassification";
  info.model_type = "bert";
  info.task = Task::classification;
  info.max_positions = 512;
  info.labels = {"negative", "positive"};
  info.problem_type = "multi_label_classification";
  info.tokenizer_files = {{"vocab.txt", "[PAD]\n[UNK]\n"}, {"tokenizer_config.json", "{}"}};
  info.tokenizer_error = "no tokenizer";  // every field differs from its default
  info.pooling = {"mean", "max"};
  info.normalize = true;
  info.max_length = 256;
  info.embedding_error = "a module";
  info.dense = {{Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}), Tensor::from_vector<float>({7, 8}, {2}), "tanh"},
                {Tensor::from_vector<float>({0.5f, -1}, {1, 2}), Tensor(), "identity"}};
  return info;
}

// Tensors kept in memory by index, as the bundle keeps them in its data section.
struct TensorStore {
  std::vector<Tensor> tensors;
  runtime::TensorWriter writer() {
    return [this](const Tensor& t) {
      tensors.push_back(t);
      return nlohmann::json(tensors.size() - 1);
    };
  }
  runtime::TensorReader reader() {
    return [this](const nlohmann::json& j) {
      const auto i = j.get<size_t>();
      if (i >= tensors.size()) throw Error("bad tensor reference");
      return tensors[i];
    };
  }
};

TEST(ModelInfo, SurvivesSaveAndLoad) {
  ir::Graph g;
  const ir::TypeInfo f32{DType::kF32, {ir::Dim::known(2)}};
  const ir::ValueId x = g.add_input("x", f32);
  const ir::ValueId y = g.add_value("y", f32);
  g.add_node(ir::Op::Identity, "id", {x}, {y});
  g.outputs = {y};
  Model model(std::move(g), {.opt_level = 0});
  model.info = full_info();
  const std::string path = testing::temp_path("model_info.bertc");
  save(model, path);
  EXPECT_TRUE(load_model(path).info == full_info());

  model.info = {};  // an ONNX model: no task, nothing else
  save(model, path);
  const ModelInfo empty = load_model(path).info;
  EXPECT_FALSE(empty.task.has_value());
  EXPECT_TRUE(empty.labels.empty());
  std::filesystem::remove(path);
}

TEST(ModelInfo, BadFieldsAreNamed) {
  TensorStore store;
  const nlohmann::json good = runtime::model_info_to_json(full_info(), store.writer());
  EXPECT_TRUE(runtime::model_info_from_json(good, "b.bertc", store.reader()) == full_info());
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json j = good;
    j[key] = std::move(value);
    return error_of([&] { runtime::model_info_from_json(j, "b.bertc", store.reader()); });
  };
  EXPECT_NE(with("labels", 3).find("b.bertc: model info 'labels' is 3"), std::string::npos);
  EXPECT_NE(with("max_positions", 2e22).find("model info 'max_positions'"), std::string::npos);
  EXPECT_NE(with("max_length", -1).find("negative"), std::string::npos);
  EXPECT_NE(with("task", "ranking").find("'task' is \"ranking\""), std::string::npos);
  EXPECT_NE(with("dense", 1).find("model info 'dense' is 1"), std::string::npos);
  nlohmann::json bias_misfit = good["dense"];
  bias_misfit[0]["bias"] = 2;  // the [1, 2] tensor as the bias of a [2, 3] weight
  EXPECT_NE(with("dense", bias_misfit).find("weights of shape [2, 3] and bias [1, 2]"), std::string::npos);
  nlohmann::json old_bundle = good;  // written before Dense modules: none
  old_bundle.erase("dense");
  EXPECT_TRUE(runtime::model_info_from_json(old_bundle, "b.bertc", store.reader()).dense.empty());
  nlohmann::json missing = good;
  missing.erase("pooling");
  EXPECT_NE(error_of([&] { runtime::model_info_from_json(missing, "b.bertc", store.reader()); })
                .find("model info has no 'pooling'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { runtime::model_info_from_json(nlohmann::json::array(), "b.bertc", store.reader()); })
                .find("not an object"),
            std::string::npos);
}

}  // namespace
}  // namespace bertc
