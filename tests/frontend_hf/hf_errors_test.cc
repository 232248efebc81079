// Every way a Hugging Face folder can be wrong gets a bertc::Error naming the file and the thing at
// fault: each case is an edited copy of a committed fixture folder.
#include <gtest/gtest.h>

#include "bertc/compile.h"
#include "hf_test_util.h"

namespace bertc {
namespace {

using testing::copy_hf_fixture;
using testing::error_of;
using testing::read_json;
using testing::write_json;
namespace fs = std::filesystem;

std::string compile_error(const fs::path& dir) {
  return error_of([&] { compile(dir.string(), {.opt_level = 0}); });
}

// Compiles a copy of `fixture` whose config.json `edit` changed; returns the error.
template <typename Edit>
std::string config_error(const std::string& fixture, const std::string& tag, Edit edit) {
  const fs::path dir = copy_hf_fixture(fixture, tag);
  nlohmann::json cfg = read_json(dir / "config.json");
  edit(cfg);
  write_json(dir / "config.json", cfg);
  return compile_error(dir);
}

// Compiles a copy of `fixture` whose tensors `edit` changed; returns the error.
template <typename Edit>
std::string weights_error(const std::string& fixture, const std::string& tag, Edit edit) {
  const fs::path dir = copy_hf_fixture(fixture, tag);
  auto tensors = testing::read_safetensors(dir / "model.safetensors");
  edit(tensors);
  testing::write_safetensors(dir / "model.safetensors", tensors);
  return compile_error(dir);
}

TEST(HfErrors, NotAModelFolder) {
  const fs::path dir = copy_hf_fixture("bert", "no_config");
  fs::remove(dir / "config.json");
  const std::string msg = compile_error(dir);
  EXPECT_HAS(msg, dir.string());
  EXPECT_HAS(msg, "no config.json");
}

TEST(HfErrors, MissingWeightsFile) {
  const fs::path dir = copy_hf_fixture("bert", "no_weights");
  fs::remove(dir / "model.safetensors");
  EXPECT_HAS(compile_error(dir), "no model.safetensors");
}

TEST(HfErrors, LegacyPytorchBinAsksForSafetensors) {
  const fs::path dir = copy_hf_fixture("bert", "bin");
  fs::rename(dir / "model.safetensors", dir / "pytorch_model.bin");  // not a ZIP: pre-1.6 format
  const std::string msg = compile_error(dir);
  EXPECT_HAS(msg, "pytorch_model.bin: the legacy torch.save format (PyTorch < 1.6)");
  EXPECT_HAS(msg, "convert to safetensors");
}

TEST(HfErrors, ShardedCheckpoint) {
  const fs::path dir = copy_hf_fixture("bert", "sharded");
  fs::rename(dir / "model.safetensors", dir / "model-00001-of-00002.safetensors");
  testing::write_text(dir / "model.safetensors.index.json", "{}");
  EXPECT_HAS(compile_error(dir), "model.safetensors.index.json");
}

TEST(HfErrors, MalformedConfig) {
  const fs::path dir = copy_hf_fixture("bert", "bad_json");
  testing::write_text(dir / "config.json", "{\"model_type\": \"bert\",");
  const std::string msg = compile_error(dir);
  EXPECT_HAS(msg, "config.json");
  EXPECT_HAS(msg, "malformed JSON");
}

TEST(HfErrors, UnknownArchitecture) {
  const std::string msg = config_error(
      "bert", "gpt2_arch", [](nlohmann::json& c) { c["architectures"] = {"GPT2LMHeadModel"}; });
  EXPECT_HAS(msg, "config.json");
  EXPECT_HAS(msg, "architecture 'GPT2LMHeadModel' is not supported");
  EXPECT_HAS(msg, "BertForSequenceClassification");  // the list of supported ones
}

TEST(HfErrors, UnknownModelType) {
  const std::string msg = config_error("bert", "gpt2_type", [](nlohmann::json& c) {
    c.erase("architectures");
    c["model_type"] = "gpt2";
  });
  EXPECT_HAS(msg, "model_type 'gpt2' is not supported");
}

TEST(HfErrors, ArchitectureAndModelTypeDisagree) {
  const std::string msg = config_error("bert", "arch_vs_type",
                                       [](nlohmann::json& c) { c["model_type"] = "distilbert"; });
  EXPECT_HAS(msg, "architecture 'BertModel' does not fit model_type 'distilbert'");
}

TEST(HfErrors, UnknownActivation) {
  const std::string msg =
      config_error("bert", "act", [](nlohmann::json& c) { c["hidden_act"] = "swish"; });
  EXPECT_HAS(msg, "hidden_act \"swish\" is not supported");
}

TEST(HfErrors, HeadsDoNotDivideHidden) {
  const std::string msg = config_error("bert", "heads", [](nlohmann::json& c) {
    c["num_attention_heads"] = 5;  // hidden 48
  });
  EXPECT_HAS(msg, "hidden_size 48 is not divisible by num_attention_heads 5");
}

TEST(HfErrors, MissingTensor) {
  const std::string name = "encoder.layer.1.attention.self.key.weight";
  const std::string msg = weights_error("bert", "missing", [&](auto& t) { t.erase(name); });
  EXPECT_HAS(msg, "model.safetensors");
  EXPECT_HAS(msg, "missing tensor '" + name + "'");
}

TEST(HfErrors, MisshapenTensor) {
  const std::string name = "encoder.layer.0.intermediate.dense.weight";  // [192, 48]
  const std::string msg = weights_error("bert", "shape", [&](auto& t) {
    t[name] = Tensor::empty(DType::kF32, {191, 48});
  });
  EXPECT_HAS(msg, "tensor '" + name + "' has shape [191, 48], expected [192, 48]");
  EXPECT_HAS(msg, "hidden_size 48, intermediate_size 192");
}

TEST(HfErrors, ElectraEmbeddingSizeContradictsTheWeights) {
  // The embeddings are 24 wide (embedding_size), projected to hidden 48: a config saying 32
  // names the key the expected width comes from.
  const std::string msg =
      config_error("electra", "emb_size", [](nlohmann::json& c) { c["embedding_size"] = 32; });
  EXPECT_HAS(msg, "tensor 'embeddings.word_embeddings.weight' has shape [230, 24], expected [230, 32]");
  EXPECT_HAS(msg, "embedding_size 32");
}

TEST(HfErrors, ElectraWithoutItsProjection) {
  const std::string name = "embeddings_project.weight";
  const std::string msg = weights_error("electra", "no_project", [&](auto& t) { t.erase(name); });
  EXPECT_HAS(msg, "missing tensor '" + name + "'");
}

TEST(HfErrors, MPNetWithFewerThan32Buckets) {
  // transformers' MPNet always computes 32 buckets: a smaller table could not be indexed.
  const std::string msg = config_error("mpnet", "buckets", [](nlohmann::json& c) {
    c["relative_attention_num_buckets"] = 16;
  });
  EXPECT_HAS(msg, "relative_attention_num_buckets 16 is less than the 32 buckets");
}

TEST(HfErrors, MPNetBucketTableContradictsTheConfig) {
  const std::string msg = config_error("mpnet", "bucket_rows", [](nlohmann::json& c) {
    c["relative_attention_num_buckets"] = 40;
  });
  EXPECT_HAS(msg, "tensor 'encoder.relative_attention_bias.weight' has shape [32, 4], expected [40, 4]");
  EXPECT_HAS(msg, "relative_attention_num_buckets 40");
}

TEST(HfErrors, ModernBertSettingsItDoesNotRunAreNamed) {
  EXPECT_HAS(config_error("modernbert", "pooling", [](nlohmann::json& c) { c["classifier_pooling"] = "max"; }),
             "classifier_pooling 'max' is not supported (cls, mean)");
  EXPECT_HAS(config_error("modernbert", "rope_scaling",
                          [](nlohmann::json& c) { c["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}}; }),
             "'rope_scaling' is not supported");
  EXPECT_HAS(config_error("modernbert", "odd_head", [](nlohmann::json& c) { c["num_attention_heads"] = 16; }),
             "rotary embeddings need an even head size, got hidden_size 48 / num_attention_heads 16");
  EXPECT_HAS(config_error("modernbert", "activation", [](nlohmann::json& c) { c["hidden_activation"] = "silu"; }),
             "activation \"silu\" is not supported");
  EXPECT_HAS(config_error("modernbert", "window", [](nlohmann::json& c) { c["local_attention"] = 1; }),
             "'local_attention' must be at least 2");
}

TEST(HfErrors, DebertaSettingsItDoesNotRunAreNamed) {
  EXPECT_HAS(config_error("deberta", "p2p", [](nlohmann::json& c) { c["pos_att_type"] = "p2c|p2p"; }),
             "pos_att_type 'p2p' is not supported (c2p, p2c)");
  EXPECT_HAS(config_error("deberta", "att_list", [](nlohmann::json& c) { c["pos_att_type"] = {"c2p", 3}; }),
             "'pos_att_type' must be a list of strings");
  EXPECT_HAS(config_error("deberta", "norm_rel", [](nlohmann::json& c) { c["norm_rel_ebd"] = "layer_norm|rms"; }),
             "norm_rel_ebd 'layer_norm|rms' is not supported (none, layer_norm)");
  EXPECT_HAS(config_error("deberta", "conv", [](nlohmann::json& c) { c["conv_kernel_size"] = 3; }),
             "conv_kernel_size > 0 (DeBERTa-v2's ConvLayer after the first layer) is not supported");
  EXPECT_HAS(config_error("deberta", "head_size", [](nlohmann::json& c) { c["attention_head_size"] = 64; }),
             "attention_head_size other than hidden_size / num_attention_heads is not supported");
  EXPECT_HAS(config_error("deberta", "pooler", [](nlohmann::json& c) { c["pooler_hidden_size"] = 96; }),
             "pooler_hidden_size other than hidden_size is not supported");
  EXPECT_HAS(config_error("deberta", "buckets", [](nlohmann::json& c) { c["position_buckets"] = 2; }),
             "position_buckets 2 is too few");
  EXPECT_HAS(config_error("deberta", "max_rel", [](nlohmann::json& c) { c["max_relative_positions"] = 5; }),
             "max_relative_positions 5 must exceed position_buckets / 2 + 1");
  EXPECT_HAS(config_error("deberta", "pooler_act", [](nlohmann::json& c) { c["pooler_hidden_act"] = "swish"; }),
             "\"swish\" is not supported");
}

// The relative-position table must have 2 x position_buckets rows (or 2 x max_relative_positions
// without buckets): a config that says otherwise names the tensor and where its dims come from.
TEST(HfErrors, DebertaPositionTableContradictsTheConfig) {
  EXPECT_HAS(config_error("deberta", "rel_rows", [](nlohmann::json& c) { c["position_buckets"] = 16; }),
             "tensor 'encoder.rel_embeddings.weight' has shape [16, 48], expected [32, 48] (from config.json: 2 x "
             "position_buckets 32");
}

TEST(HfErrors, ModernBertNormBiasContradictsTheWeights) {
  // hf/modernbert has no LayerNorm biases (norm_bias false): a config saying otherwise names
  // the missing tensor.
  EXPECT_HAS(config_error("modernbert", "norm_bias", [](nlohmann::json& c) { c["norm_bias"] = true; }),
             "missing tensor 'embeddings.norm.bias'");
}

TEST(HfErrors, WeightOfTheWrongDtype) {
  const fs::path dir = copy_hf_fixture("bert", "dtype");
  auto tensors = testing::read_safetensors(dir / "model.safetensors");
  nlohmann::json header = {{"embeddings.LayerNorm.bias",
                            {{"dtype", "I32"}, {"shape", {48}}, {"data_offsets", {0, 192}}}}};
  std::string data(192, '\0');
  for (const auto& [name, t] : tensors) {
    if (name == "embeddings.LayerNorm.bias") continue;
    header[name] = {{"dtype", "F32"},
                    {"shape", t.shape()},
                    {"data_offsets", {data.size(), data.size() + t.nbytes()}}};
    data.append(static_cast<const char*>(t.raw()), t.nbytes());
  }
  testing::write_raw_safetensors(dir / "model.safetensors", header.dump(), data);
  EXPECT_HAS(compile_error(dir), "tensor 'embeddings.LayerNorm.bias' has dtype I32");
}

TEST(HfErrors, HiddenSizeContradictsWeights) {
  const std::string msg =
      config_error("bert", "hidden", [](nlohmann::json& c) { c["hidden_size"] = 96; });
  EXPECT_HAS(msg, "'embeddings.word_embeddings.weight' has shape [250, 48], expected [250, 96]");
  EXPECT_HAS(msg, "vocab_size 250, hidden_size 96");
}

TEST(HfErrors, VocabSizeContradictsWeights) {
  const std::string msg =
      config_error("bert", "vocab", [](nlohmann::json& c) { c["vocab_size"] = 30522; });
  EXPECT_HAS(msg, "expected [30522, 48]");
}

TEST(HfErrors, FewerLayersThanTheWeights) {
  const std::string msg =
      config_error("bert", "layers", [](nlohmann::json& c) { c["num_hidden_layers"] = 1; });
  EXPECT_HAS(msg, "contradicts the weights: num_hidden_layers is 1");
  EXPECT_HAS(msg, "of layer 1");
}

TEST(HfErrors, MoreLayersThanTheWeights) {
  const std::string msg =
      config_error("distilbert_cls", "more_layers", [](nlohmann::json& c) { c["n_layers"] = 4; });
  EXPECT_HAS(msg, "missing tensor 'distilbert.transformer.layer.3.");
}

TEST(HfErrors, LabelsContradictWeights) {
  const std::string msg = config_error("bert_cls", "labels", [](nlohmann::json& c) {
    c["id2label"] = {{"0", "no"}, {"1", "yes"}};
    c["label2id"] = {{"no", 0}, {"yes", 1}};
  });
  EXPECT_HAS(msg, "contradicts the weights: it has 2 labels but 'classifier.weight'");
  EXPECT_HAS(msg, "has 3 rows");
}

TEST(HfErrors, ClassifierConfigOnABareModel) {
  const std::string msg = config_error("bert", "bare", [](nlohmann::json& c) {
    c["architectures"] = {"BertForSequenceClassification"};
  });
  EXPECT_HAS(msg, "missing tensor 'classifier.weight'");
}

TEST(HfErrors, PoolingDimensionContradictsModel) {
  const fs::path dir = copy_hf_fixture("bert", "pooling_dim");
  write_json(dir / "modules.json", {{{"idx", 0},
                                     {"name", "0"},
                                     {"path", ""},
                                     {"type", "sentence_transformers.models.Transformer"}},
                                    {{"idx", 1},
                                     {"name", "1"},
                                     {"path", "1_Pooling"},
                                     {"type", "sentence_transformers.models.Pooling"}}});
  write_json(dir / "1_Pooling" / "config.json",
             {{"word_embedding_dimension", 384}, {"pooling_mode_mean_tokens", true}});
  const std::string msg = compile_error(dir);
  EXPECT_HAS(msg, "1_Pooling/config.json contradicts the model: word_embedding_dimension 384");
}

TEST(HfErrors, TruncatedWeights) {
  const fs::path dir = copy_hf_fixture("bert", "truncated");
  fs::resize_file(dir / "model.safetensors", fs::file_size(dir / "model.safetensors") - 100);
  const std::string msg = compile_error(dir);
  EXPECT_HAS(msg, "model.safetensors");
  EXPECT_HAS(msg, "is the file truncated?");
}

}  // namespace
}  // namespace bertc
