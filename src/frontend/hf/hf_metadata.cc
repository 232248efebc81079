// What a text pipeline needs from a Hugging Face / sentence-transformers folder besides the
// weights: its tokenizer files (embedded whole, so a bundle is self-contained) and the
// sentence-transformers modules that turn token states into a sentence embedding (pooling modes,
// Dense projections with their weights, Normalize, max_seq_length). Unsupported tokenizers and
// modules are recorded as error messages for the pipeline to report when text is given: the
// model still compiles and runs on tensors.
#include <filesystem>

#include "base/files.h"
#include "base/json_text.h"
#include "bertc/error.h"
#include "bertc/tokenizer.h"
#include "frontend/hf/hf_importer.h"
#include "frontend/hf/hf_internal.h"
#include "frontend/hf/weights_file.h"

namespace bertc::frontend::hf {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string read_text(const fs::path& path) { return base::read_input_file(path.string()); }

// modules.json's entries (an empty list when the folder has none).
json read_modules(const fs::path& dir) {
  const fs::path path = dir / "modules.json";
  if (!is_file(path)) return json::array();
  json modules = read_json_file(path);
  if (!modules.is_array()) throw Error(path.string() + ": expected a list of modules");
  for (const json& m : modules) {
    if (!m.is_object() || !m.contains("type") || !m["type"].is_string() ||
        (m.contains("path") && !m["path"].is_string())) {
      throw Error(path.string() + ": every module needs a \"type\" and a \"path\" string, got " +
                  base::json_excerpt(m));
    }
  }
  return modules;
}

// "sentence_transformers.models.Pooling" -> "Pooling"
std::string module_kind(const json& m) {
  const std::string type = m["type"].get<std::string>();
  return type.substr(type.rfind('.') + 1);
}

// The tokenizer files of the first folder that has some (tokenizer.json, else vocab.txt, else
// vocab.json + merges.txt, each with tokenizer_config.json when present), or the tokenizer error.
void add_tokenizer(const std::vector<fs::path>& dirs, ModelInfo& info) {
  static const std::vector<std::vector<const char*>> kSets = {
      {"tokenizer.json"}, {"vocab.txt"}, {"vocab.json", "merges.txt"}};
  for (const fs::path& dir : dirs) {
    for (const auto& set : kSets) {
      if (!std::any_of(set.begin(), set.end(), [&](const char* f) { return is_file(dir / f); })) {
        continue;
      }
      for (const char* f : set) {
        if (is_file(dir / f)) info.tokenizer_files[f] = read_text(dir / f);
      }
      if (is_file(dir / "tokenizer_config.json")) {
        info.tokenizer_files["tokenizer_config.json"] = read_text(dir / "tokenizer_config.json");
      }
      // A broken tokenizer fails the compile, with the message text use would give, rather
      // than being embedded and failing at the first text.
      Tokenizer::from_files(info.tokenizer_files, dir.string());
      return;
    }
  }
  for (const fs::path& d : dirs) {
    for (const char* sp : {"sentencepiece.bpe.model", "spiece.model", "tokenizer.model"}) {
      if (is_file(d / sp)) {
        info.tokenizer_error = (d / sp).string() +
                               ": raw SentencePiece .model files are not read; put the model's "
                               "tokenizer.json beside it, or give the model token ids: --input "
                               "input_ids=IDS.npy --input attention_mask=MASK.npy";
        return;
      }
    }
  }
  info.tokenizer_error = dirs.front().string() +
                          ": no tokenizer files (tokenizer.json, vocab.txt or vocab.json + "
                          "merges.txt) in this model folder; give the model token ids with "
                          "--input NAME=FILE.npy";
}

// A Pooling module's config: the modes in the order sentence-transformers concatenates them,
// and the embedding error for a mode bertc does not implement.
void add_pooling(const fs::path& path, int64_t hidden, ModelInfo& info) {
  const json cfg = read_json_file(path);
  if (!cfg.is_object()) throw Error(path.string() + ": expected a JSON object");
  if (auto it = cfg.find("word_embedding_dimension");
      it != cfg.end() && it->is_number_integer() && it->get<int64_t>() != hidden) {
    throw Error(path.string() + " contradicts the model: word_embedding_dimension " + base::json_excerpt(*it) +
                ", but the model's hidden size is " + std::to_string(hidden));
  }
  static const std::pair<const char*, const char*> kModes[] = {
      {"pooling_mode_cls_token", "cls"},
      {"pooling_mode_max_tokens", "max"},
      {"pooling_mode_mean_tokens", "mean"},
      {"pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len"},
      {"pooling_mode_weightedmean_tokens", "weightedmean"},
      {"pooling_mode_lasttoken", "lasttoken"}};
  std::vector<std::string> modes;
  for (const auto& [key, mode] : kModes) {
    auto it = cfg.find(key);
    if (it == cfg.end() || it->is_null()) continue;
    if (!it->is_boolean()) throw Error(path.string() + ": '" + key + "' must be true or false");
    if (!it->get<bool>()) continue;
    modes.push_back(mode);
  }
  if (modes.empty()) throw Error(path.string() + ": no pooling mode is set to true");
  info.pooling = std::move(modes);
  if (auto it = cfg.find("include_prompt"); it != cfg.end() && !it->is_null()) {
    if (!it->is_boolean()) throw Error(path.string() + ": 'include_prompt' must be true or false");
    info.include_prompt = it->get<bool>();
  }
}

// A Dense module's folder (sentence_transformers.models.Dense): config.json's in_features,
// out_features, bias and activation_function, and linear.weight / linear.bias from its
// model.safetensors or pytorch_model.bin. `width` is the embedding's width before it.
DenseModule read_dense(const fs::path& folder, int64_t width) {
  const fs::path config_path = folder / "config.json";
  const json cfg = read_json_file(config_path);
  if (!cfg.is_object()) throw Error(config_path.string() + ": expected a JSON object");
  auto positive = [&](const char* key) {
    const auto it = cfg.find(key);
    if (it == cfg.end() || !it->is_number_integer() || it->get<int64_t>() < 1) {
      throw Error(config_path.string() + ": '" + key + "' must be a positive integer, got " +
                  (it == cfg.end() ? std::string("nothing") : base::json_excerpt(*it)));
    }
    return it->get<int64_t>();
  };
  const int64_t in = positive("in_features"), out = positive("out_features");
  if (in != width) {
    throw Error(config_path.string() + " contradicts the model: in_features " + std::to_string(in) +
                ", but the embedding before it is " + std::to_string(width) + " wide");
  }
  bool has_bias = true;
  if (const auto it = cfg.find("bias"); it != cfg.end() && !it->is_null()) {
    if (!it->is_boolean()) throw Error(config_path.string() + ": 'bias' must be true or false");
    has_bias = it->get<bool>();
  }
  // sentence-transformers names the activation by its torch class (default Tanh).
  static const std::pair<const char*, const char*> kActivations[] = {
      {"torch.nn.modules.linear.Identity", "identity"},
      {"torch.nn.modules.activation.Tanh", "tanh"},
      {"torch.nn.modules.activation.ReLU", "relu"},
      {"torch.nn.modules.activation.Sigmoid", "sigmoid"},
      {"torch.nn.modules.activation.GELU", "gelu"}};
  std::string torch_name = "torch.nn.modules.activation.Tanh";
  if (const auto it = cfg.find("activation_function"); it != cfg.end() && !it->is_null()) {
    if (!it->is_string()) throw Error(config_path.string() + ": 'activation_function' must be a string");
    torch_name = it->get<std::string>();
  }
  DenseModule m;
  for (const auto& [name, kind] : kActivations) {
    if (torch_name == name) m.activation = kind;
  }
  if (m.activation.empty()) {
    throw Error(config_path.string() + ": activation_function '" + torch_name +
                "' is not supported (Identity, Tanh, ReLU, Sigmoid, GELU)");
  }
  const std::unique_ptr<WeightsFile> weights = open_weights(folder);
  auto tensor = [&](const std::string& name, const Dims& want) {
    if (weights->shape(name) != want) {
      throw Error(weights->path() + ": tensor '" + name + "' has shape " + dims_str(weights->shape(name)) +
                  ", expected " + dims_str(want) + " (from " + config_path.filename().string() +
                  ": in_features " + std::to_string(in) + ", out_features " + std::to_string(out) + ")");
    }
    return weights->read_f32(name);
  };
  m.weight = tensor("linear.weight", {out, in});
  if (has_bias) m.bias = tensor("linear.bias", {out});
  return m;
}

// modules.json: Pooling, Dense, Normalize (in that order, as sentence-transformers runs them);
// config_sentence_transformers.json: prompts; sentence_bert_config.json: max_seq_length.
void add_sentence_transformers(const fs::path& dir, int64_t hidden, ModelInfo& info) {
  int64_t width = hidden;  // the embedding's width so far
  for (const json& m : read_modules(dir)) {
    const std::string kind = module_kind(m);
    const std::string sub = m.value("path", "");
    if (kind == "Transformer") continue;
    const std::string where = (dir / "modules.json").string() + ": module '" + m["type"].get<std::string>() +
                              "' (" + sub + ")";
    if (info.normalize && (kind == "Pooling" || kind == "Dense")) {
      throw Error(where + " comes after Normalize; bertc runs Normalize last");
    }
    if (kind == "Normalize") {
      info.normalize = true;
    } else if (kind == "Pooling") {
      add_pooling(dir / sub / "config.json", hidden, info);
      width = hidden * static_cast<int64_t>(info.pooling.size());
    } else if (kind == "Dense") {
      if (info.pooling.empty()) throw Error(where + " comes before the Pooling module");
      info.dense.push_back(read_dense(dir / sub, width));
      width = info.dense.back().weight.dim(0);
    } else {
      info.embedding_error = where + " is not supported; bertc runs Transformer, Pooling, Dense and Normalize";
    }
  }
  const fs::path prompts_config = dir / "config_sentence_transformers.json";
  if (is_file(prompts_config)) {
    const json cfg = read_json_file(prompts_config);
    if (!cfg.is_object()) throw Error(prompts_config.string() + ": expected a JSON object");
    if (auto it = cfg.find("prompts"); it != cfg.end() && !it->is_null()) {
      if (!it->is_object()) throw Error(prompts_config.string() + ": 'prompts' must be an object {name: text}");
      for (auto p = it->begin(); p != it->end(); ++p) {
        if (!p.value().is_string()) {
          throw Error(prompts_config.string() + ": prompts['" + p.key() + "'] must be a string, got " +
                      base::json_excerpt(p.value()));
        }
        info.prompts[p.key()] = p.value().get<std::string>();
      }
    }
    if (auto it = cfg.find("default_prompt_name"); it != cfg.end() && !it->is_null()) {
      if (!it->is_string()) throw Error(prompts_config.string() + ": 'default_prompt_name' must be a string or null");
      info.default_prompt_name = it->get<std::string>();
      if (!info.prompts.count(info.default_prompt_name)) {
        throw Error(prompts_config.string() + ": default_prompt_name '" + info.default_prompt_name +
                    "' is not one of its prompts");
      }
    }
  }
  const fs::path st_config = dir / "sentence_bert_config.json";
  if (is_file(st_config)) {
    const json cfg = read_json_file(st_config);
    if (auto it = cfg.find("max_seq_length"); it != cfg.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1) {
        throw Error(st_config.string() + ": 'max_seq_length' must be a positive integer, got " +
                    base::json_excerpt(*it));
      }
      info.max_length = it->get<int64_t>();
    }
  }
}

}  // namespace

json read_json_file(const fs::path& path) {
  return base::parse_json(read_text(path), path.string());
}

std::string hf_model_subdir(const std::string& dir) {
  if (is_file(fs::path(dir) / "config.json")) return "";
  for (const json& m : read_modules(dir)) {
    const std::string sub = m.value("path", "");
    if (module_kind(m) == "Transformer" && !sub.empty() &&
        is_file(fs::path(dir) / sub / "config.json")) {
      return sub;
    }
  }
  return "";
}

fs::path hf_model_dir(const std::string& dir) {
  const std::string sub = hf_model_subdir(dir);
  return sub.empty() ? fs::path(dir) : fs::path(dir) / sub;
}

void add_folder_files_info(const std::string& dir, int64_t hidden, ModelInfo& info) {
  const fs::path model_dir = hf_model_dir(dir);
  std::vector<fs::path> dirs = {model_dir};
  if (model_dir != fs::path(dir)) dirs.push_back(dir);
  add_tokenizer(dirs, info);
  add_sentence_transformers(dir, hidden, info);
}

}  // namespace bertc::frontend::hf
