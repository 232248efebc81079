// Hugging Face folder → ir::Graph. See hf_importer.h for the graph this builds; the builders
// below follow transformers' forward code (tools/make_models.py has the same modules).
#include "frontend/hf/hf_importer.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "base/json_text.h"
#include "bertc/error.h"
#include "frontend/hf/hf_internal.h"
#include "frontend/hf/weights_file.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::frontend::hf {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ir::Op;
using ir::ValueId;

namespace {

// ---- architectures -------------------------------------------------------------------------

// What sits on the encoder: nothing (the bare model, with its pooler if the file has one), a
// sequence classifier on the first token, or a token classifier (a Linear on every token).
enum class Head { none, sequence, token };

struct ArchInfo {
  const char* name;
  const char* family;  // bert | distilbert | roberta | electra | mpnet | modernbert | deberta-v2: which graph
  const char* prefix;  // the body's parameter prefix in *For* files
  Head head;
};

constexpr ArchInfo kArchs[] = {
    {"BertModel", "bert", "bert.", Head::none},
    {"BertForSequenceClassification", "bert", "bert.", Head::sequence},
    {"BertForTokenClassification", "bert", "bert.", Head::token},
    {"DistilBertModel", "distilbert", "distilbert.", Head::none},
    {"DistilBertForSequenceClassification", "distilbert", "distilbert.", Head::sequence},
    {"DistilBertForTokenClassification", "distilbert", "distilbert.", Head::token},
    {"RobertaModel", "roberta", "roberta.", Head::none},
    {"RobertaForSequenceClassification", "roberta", "roberta.", Head::sequence},
    {"RobertaForTokenClassification", "roberta", "roberta.", Head::token},
    {"XLMRobertaModel", "roberta", "roberta.", Head::none},
    {"XLMRobertaForSequenceClassification", "roberta", "roberta.", Head::sequence},
    {"XLMRobertaForTokenClassification", "roberta", "roberta.", Head::token},
    {"ElectraModel", "electra", "electra.", Head::none},
    {"ElectraForSequenceClassification", "electra", "electra.", Head::sequence},
    {"ElectraForTokenClassification", "electra", "electra.", Head::token},
    {"MPNetModel", "mpnet", "mpnet.", Head::none},
    {"MPNetForSequenceClassification", "mpnet", "mpnet.", Head::sequence},
    {"ModernBertModel", "modernbert", "model.", Head::none},
    {"ModernBertForSequenceClassification", "modernbert", "model.", Head::sequence},
    {"DebertaV2Model", "deberta-v2", "deberta.", Head::none},
    {"DebertaV2ForSequenceClassification", "deberta-v2", "deberta.", Head::sequence},
    {"DebertaV2ForTokenClassification", "deberta-v2", "deberta.", Head::token},
};

// model_type → (family, bare architecture)
const std::map<std::string, std::pair<std::string, std::string>>& model_types() {
  static const std::map<std::string, std::pair<std::string, std::string>> m = {
      {"bert", {"bert", "BertModel"}},
      {"distilbert", {"distilbert", "DistilBertModel"}},
      {"roberta", {"roberta", "RobertaModel"}},
      {"xlm-roberta", {"roberta", "XLMRobertaModel"}},
      {"electra", {"electra", "ElectraModel"}},
      {"mpnet", {"mpnet", "MPNetModel"}},
      {"modernbert", {"modernbert", "ModernBertModel"}},
      {"deberta-v2", {"deberta-v2", "DebertaV2Model"}},
  };
  return m;
}

std::string supported_model_types() {
  std::string s;
  for (const auto& [type, arch] : model_types()) s += (s.empty() ? "" : ", ") + type;
  return s;
}

std::string supported_archs() {
  std::string s;
  for (const ArchInfo& a : kArchs) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

// ---- config.json ---------------------------------------------------------------------------

struct Config {
  std::string path;  // for messages
  const ArchInfo* arch = nullptr;
  std::string model_type;
  int64_t vocab = 0, hidden = 0, layers = 0, heads = 0, intermediate = 0, max_pos = 0,
          type_vocab = 0, pad_id = 0;
  int64_t embedding = 0;  // the embeddings' width: hidden, or ELECTRA's embedding_size
  int64_t rel_buckets = 0;  // MPNet: rows of the relative position bias table
  // ModernBERT: rotary thetas, a global layer every `global_every` (others attend within
  // `window` tokens), which Linears / LayerNorms have biases, the classifier's pooling and
  // activation.
  double global_theta = 0, local_theta = 0;
  int64_t global_every = 0, window = 0;
  bool attention_bias = false, mlp_bias = false, norm_bias = false, classifier_bias = false;
  std::string classifier_pooling, classifier_act;
  // DeBERTa-v2: relative attention over `rel_span` position rows each way (position_buckets, or
  // max_relative_positions without buckets), log buckets when `buckets` > 0, which disentangled
  // terms (c2p, p2c), whether they use the layer's own query / key projections
  // (share_att_key), LayerNorm'd rel_embeddings, absolute positions too (position_biased_input),
  // the pooler's activation.
  bool relative_attention = false, c2p = false, p2c = false, share_att_key = false, norm_rel = false,
       position_biased = true;
  int64_t rel_span = 0, buckets = 0, max_relative = 0;
  std::string pooler_act;
  float eps = 1e-12f;
  std::string act;
  std::vector<std::string> labels;  // id2label in id order (empty: none given)
  int64_t num_labels = 0;           // num_labels when given without id2label
  std::string problem_type;
  // Which config keys the dims come from, for messages.
  std::string hidden_key = "hidden_size", layers_key = "num_hidden_layers",
              heads_key = "num_attention_heads", ffn_key = "intermediate_size";
};

class ConfigReader {
 public:
  ConfigReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

  int64_t get_int(const char* key, int64_t fallback, int64_t min = 1) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_number_integer() && !(it->is_number_float() && std::floor(it->get<double>()) == it->get<double>())) {
      throw Error(path_ + ": '" + key + "' must be an integer, got " + base::json_excerpt(*it));
    }
    // Beyond int64 (a float such as 2e22, an unsigned above 2^63 - 1): too large for any model.
    constexpr double kLimit = 9.2e18;
    if ((it->is_number_float() && std::abs(it->get<double>()) > kLimit) ||
        (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
      throw Error(path_ + ": '" + key + "' is too large, got " + base::json_excerpt(*it));
    }
    int64_t v = it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
    if (v < min) throw Error(path_ + ": '" + key + "' must be at least " + std::to_string(min) + ", got " + std::to_string(v));
    return v;
  }
  double get_float(const char* key, double fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_number()) throw Error(path_ + ": '" + key + "' must be a number, got " + base::json_excerpt(*it));
    return it->get<double>();
  }
  std::string get_string(const char* key, const std::string& fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_string()) throw Error(path_ + ": '" + key + "' must be a string, got " + base::json_excerpt(*it));
    return it->get<std::string>();
  }
  bool get_bool(const char* key, bool fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) throw Error(path_ + ": '" + key + "' must be true or false, got " + base::json_excerpt(*it));
    return it->get<bool>();
  }

 private:
  const json& j_;
  std::string path_;
};

Config read_config(const fs::path& path) {
  const json j = read_json_file(path);
  Config c;
  c.path = path.string();
  if (!j.is_object()) throw Error(c.path + ": not a Hugging Face config (not a JSON object)");
  ConfigReader r(j, c.path);
  c.model_type = r.get_string("model_type", "");
  std::string arch_name;
  if (auto it = j.find("architectures"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) throw Error(c.path + ": 'architectures' must be a list of class names");
    if (!it->empty()) {
      if (!(*it)[0].is_string()) throw Error(c.path + ": 'architectures' must be a list of class names");
      arch_name = (*it)[0].get<std::string>();
    }
  }
  if (arch_name.empty()) {
    if (c.model_type.empty()) {
      throw Error(c.path + ": names neither 'architectures' nor 'model_type'; supported: " + supported_archs());
    }
    auto mt = model_types().find(c.model_type);
    if (mt == model_types().end()) {
      throw Error(c.path + ": model_type '" + c.model_type + "' is not supported (supported: " +
                  supported_model_types() + ")");
    }
    arch_name = mt->second.second;
  }
  for (const ArchInfo& a : kArchs) {
    if (arch_name == a.name) c.arch = &a;
  }
  if (!c.arch) {
    throw Error(c.path + ": architecture '" + arch_name + "' is not supported (supported: " +
                supported_archs() + ")");
  }
  if (!c.model_type.empty()) {
    auto mt = model_types().find(c.model_type);
    if (mt == model_types().end()) {
      throw Error(c.path + ": model_type '" + c.model_type + "' is not supported (supported: " +
                  supported_model_types() + ")");
    }
    if (mt->second.first != c.arch->family) {
      throw Error(c.path + ": architecture '" + arch_name + "' does not fit model_type '" + c.model_type + "'");
    }
  } else {
    c.model_type = c.arch->family;
  }

  const std::string family = c.arch->family;
  if (family == "distilbert") {
    c.hidden_key = "dim";
    c.layers_key = "n_layers";
    c.heads_key = "n_heads";
    c.ffn_key = "hidden_dim";
    c.vocab = r.get_int("vocab_size", 30522);
    c.hidden = r.get_int("dim", 768);
    c.layers = r.get_int("n_layers", 6);
    c.heads = r.get_int("n_heads", 12);
    c.intermediate = r.get_int("hidden_dim", 3072);
    c.max_pos = r.get_int("max_position_embeddings", 512);
    c.type_vocab = 0;
    c.pad_id = r.get_int("pad_token_id", 0, 0);
    c.eps = 1e-12f;  // fixed in transformers' DistilBERT
    c.act = r.get_string("activation", "gelu");
    // sinusoidal_pos_embds: the table is still saved as position_embeddings.weight, so the graph
    // is the same.
  } else if (family == "modernbert") {
    // ModernBertConfig's defaults (transformers 4.48+, the keys ModernBERT's hub configs use).
    c.vocab = r.get_int("vocab_size", 50368);
    c.hidden = r.get_int("hidden_size", 768);
    c.layers = r.get_int("num_hidden_layers", 22);
    c.heads = r.get_int("num_attention_heads", 12);
    c.intermediate = r.get_int("intermediate_size", 1152);
    c.max_pos = r.get_int("max_position_embeddings", 8192);
    c.pad_id = r.get_int("pad_token_id", 50283, 0);
    c.eps = static_cast<float>(r.get_float("norm_eps", 1e-5));
    c.act = r.get_string("hidden_activation", "gelu");
    c.global_theta = r.get_float("global_rope_theta", 160000.0);
    c.local_theta = r.get_float("local_rope_theta", 10000.0);
    c.global_every = r.get_int("global_attn_every_n_layers", 3);
    c.window = r.get_int("local_attention", 128) / 2;
    c.attention_bias = r.get_bool("attention_bias", false);
    c.mlp_bias = r.get_bool("mlp_bias", false);
    c.norm_bias = r.get_bool("norm_bias", false);
    c.classifier_bias = r.get_bool("classifier_bias", false);
    c.classifier_pooling = r.get_string("classifier_pooling", "cls");
    c.classifier_act = r.get_string("classifier_activation", "gelu");
    if (c.classifier_pooling != "cls" && c.classifier_pooling != "mean") {
      throw Error(c.path + ": classifier_pooling '" + c.classifier_pooling + "' is not supported (cls, mean)");
    }
    for (const char* key : {"rope_scaling", "rope_parameters", "layer_types", "head_dim"}) {
      if (j.contains(key) && !j[key].is_null()) {
        throw Error(c.path + ": '" + key + "' is not supported (ModernBERT's global_rope_theta, local_rope_theta "
                    "and global_attn_every_n_layers are)");
      }
    }
    if ((c.hidden / std::max<int64_t>(c.heads, 1)) % 2 != 0) {
      throw Error(c.path + ": rotary embeddings need an even head size, got hidden_size " + std::to_string(c.hidden) +
                  " / num_attention_heads " + std::to_string(c.heads));
    }
    if (c.window < 1) throw Error(c.path + ": 'local_attention' must be at least 2");
  } else if (family == "deberta-v2") {
    // DebertaV2Config's defaults (transformers' configuration_deberta_v2.py).
    c.vocab = r.get_int("vocab_size", 128100);
    c.hidden = r.get_int("hidden_size", 1536);
    c.layers = r.get_int("num_hidden_layers", 24);
    c.heads = r.get_int("num_attention_heads", 24);
    c.intermediate = r.get_int("intermediate_size", 6144);
    c.embedding = r.get_int("embedding_size", c.hidden);
    c.max_pos = r.get_int("max_position_embeddings", 512);
    c.type_vocab = r.get_int("type_vocab_size", 0, 0);
    c.pad_id = r.get_int("pad_token_id", 0, 0);
    c.eps = static_cast<float>(r.get_float("layer_norm_eps", 1e-7));
    c.act = r.get_string("hidden_act", "gelu");
    c.pooler_act = r.get_string("pooler_hidden_act", "gelu");
    c.position_biased = r.get_bool("position_biased_input", true);
    c.relative_attention = r.get_bool("relative_attention", false);
    c.share_att_key = r.get_bool("share_att_key", false);
    if (r.get_int("pooler_hidden_size", c.hidden) != c.hidden) {
      throw Error(c.path + ": pooler_hidden_size other than hidden_size is not supported (the pooler reads the "
                  "first token's hidden state)");
    }
    if (r.get_int("conv_kernel_size", 0, 0) > 0) {
      throw Error(c.path + ": conv_kernel_size > 0 (DeBERTa-v2's ConvLayer after the first layer) is not supported");
    }
    if (r.get_int("attention_head_size", c.hidden / std::max<int64_t>(c.heads, 1)) != c.hidden / std::max<int64_t>(c.heads, 1)) {
      throw Error(c.path + ": attention_head_size other than hidden_size / num_attention_heads is not supported");
    }
    // pos_att_type: a list, or a "p2c|c2p" string; norm_rel_ebd: "none" or "layer_norm" (| separated).
    std::vector<std::string> kinds;
    if (auto it = j.find("pos_att_type"); it != j.end() && !it->is_null()) {
      if (it->is_string()) {
        std::string s = it->get<std::string>();
        for (size_t at = 0; at <= s.size();) {
          const size_t bar = std::min(s.find('|', at), s.size());
          kinds.push_back(s.substr(at, bar - at));
          at = bar + 1;
        }
      } else if (it->is_array()) {
        for (const json& k : *it) {
          if (!k.is_string()) throw Error(c.path + ": 'pos_att_type' must be a list of strings, got " + base::json_excerpt(*it));
          kinds.push_back(k.get<std::string>());
        }
      } else {
        throw Error(c.path + ": 'pos_att_type' must be a list or a '|'-separated string, got " + base::json_excerpt(*it));
      }
    }
    auto trimmed_lower = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return s;
    };
    for (const std::string& k : kinds) {
      const std::string t = trimmed_lower(k);
      if (t == "c2p") {
        c.c2p = true;
      } else if (t == "p2c") {
        c.p2c = true;
      } else if (!t.empty()) {
        throw Error(c.path + ": pos_att_type '" + k + "' is not supported (c2p, p2c)");
      }
    }
    const std::string norm_rel = r.get_string("norm_rel_ebd", "none");
    for (size_t at = 0; at <= norm_rel.size();) {
      const size_t bar = std::min(norm_rel.find('|', at), norm_rel.size());
      const std::string t = trimmed_lower(norm_rel.substr(at, bar - at));
      if (t == "layer_norm") {
        c.norm_rel = true;
      } else if (t != "none" && !t.empty()) {
        throw Error(c.path + ": norm_rel_ebd '" + norm_rel + "' is not supported (none, layer_norm)");
      }
      at = bar + 1;
    }
    if (c.relative_attention) {
      c.max_relative = r.get_int("max_relative_positions", -1, INT64_MIN);
      if (c.max_relative < 1) c.max_relative = c.max_pos;
      c.buckets = r.get_int("position_buckets", -1, INT64_MIN);
      if (c.buckets <= 0) c.buckets = 0;
      c.rel_span = c.buckets > 0 ? c.buckets : c.max_relative;
      if (c.buckets > 0 && c.buckets < 4) {
        throw Error(c.path + ": position_buckets " + std::to_string(c.buckets) + " is too few (at least 4)");
      }
      if (c.buckets > 0 && c.max_relative <= c.buckets / 2 + 1) {
        throw Error(c.path + ": max_relative_positions " + std::to_string(c.max_relative) +
                    " must exceed position_buckets / 2 + 1 (the log buckets divide by log((max - 1) / (buckets / 2)))");
      }
    }
  } else if (family == "mpnet") {
    // MPNetConfig's defaults. The embeddings' padding index is 1 whatever pad_token_id says
    // (transformers fixes it); the buckets of the position bias are always 32 with a maximum
    // distance of 128 (compute_position_bias passes no num_buckets), so a table with fewer
    // rows cannot be indexed.
    c.vocab = r.get_int("vocab_size", 30527);
    c.hidden = r.get_int("hidden_size", 768);
    c.layers = r.get_int("num_hidden_layers", 12);
    c.heads = r.get_int("num_attention_heads", 12);
    c.intermediate = r.get_int("intermediate_size", 3072);
    c.max_pos = r.get_int("max_position_embeddings", 512);
    c.pad_id = 1;
    c.eps = static_cast<float>(r.get_float("layer_norm_eps", 1e-12));
    c.act = r.get_string("hidden_act", "gelu");
    c.rel_buckets = r.get_int("relative_attention_num_buckets", 32);
    if (c.rel_buckets < 32) {
      throw Error(c.path + ": relative_attention_num_buckets " + std::to_string(c.rel_buckets) +
                  " is less than the 32 buckets transformers' MPNet always computes");
    }
  } else {
    // The defaults of transformers' BertConfig / RobertaConfig / ElectraConfig.
    const bool roberta = family == "roberta", electra = family == "electra";
    c.vocab = r.get_int("vocab_size", roberta ? 50265 : 30522);
    c.hidden = r.get_int("hidden_size", electra ? 256 : 768);
    c.layers = r.get_int("num_hidden_layers", 12);
    c.heads = r.get_int("num_attention_heads", electra ? 4 : 12);
    c.intermediate = r.get_int("intermediate_size", electra ? 1024 : 3072);
    if (electra) c.embedding = r.get_int("embedding_size", 128);
    c.max_pos = r.get_int("max_position_embeddings", roberta ? 514 : 512);
    c.type_vocab = r.get_int("type_vocab_size", roberta ? 1 : 2);
    c.pad_id = r.get_int("pad_token_id", roberta ? 1 : 0, 0);
    c.eps = static_cast<float>(r.get_float("layer_norm_eps", roberta ? 1e-5 : 1e-12));
    c.act = r.get_string("hidden_act", "gelu");
    const std::string pe = r.get_string("position_embedding_type", "absolute");
    if (pe != "absolute") {
      throw Error(c.path + ": position_embedding_type '" + pe + "' is not supported (only absolute)");
    }
    if (r.get_bool("is_decoder", false) || r.get_bool("add_cross_attention", false)) {
      throw Error(c.path + ": decoder / cross-attention models are not supported (encoders only)");
    }
  }
  for (const std::string& act : {c.act, family == "modernbert"   ? c.classifier_act
                                       : family == "deberta-v2" ? c.pooler_act
                                                                : c.act}) {
    if (act != "gelu" && act != "gelu_new" && act != "gelu_pytorch_tanh" && act != "relu") {
      throw Error(c.path + ": " + (family == "modernbert" ? "activation " : "hidden_act ") +
                  base::json_excerpt(json(act)) + " is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)");
    }
  }
  if (c.embedding == 0) c.embedding = c.hidden;
  if (c.hidden % c.heads != 0) {
    throw Error(c.path + ": " + c.hidden_key + " " + std::to_string(c.hidden) +
                " is not divisible by " + c.heads_key + " " + std::to_string(c.heads));
  }
  if ((family == "roberta" || family == "mpnet") && c.max_pos <= c.pad_id + 1) {
    throw Error(c.path + ": max_position_embeddings " + std::to_string(c.max_pos) +
                " leaves no positions after pad_token_id " + std::to_string(c.pad_id));
  }
  if (c.pad_id >= c.vocab) {
    throw Error(c.path + ": pad_token_id " + std::to_string(c.pad_id) + " is outside vocab_size " +
                std::to_string(c.vocab));
  }

  if (c.arch->head != Head::none) {
    if (auto it = j.find("id2label"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) throw Error(c.path + ": 'id2label' must be an object {\"0\": \"label\", ...}");
      std::map<int64_t, std::string> by_id;
      for (auto e = it->begin(); e != it->end(); ++e) {
        int64_t id = -1;
        try {
          size_t used = 0;
          id = std::stoll(e.key(), &used);
          if (used != e.key().size()) id = -1;
        } catch (const std::exception&) {
        }
        if (id < 0) throw Error(c.path + ": id2label key '" + e.key() + "' is not a label id");
        if (!e.value().is_string()) throw Error(c.path + ": id2label['" + e.key() + "'] is not a string");
        by_id[id] = e.value().get<std::string>();
      }
      int64_t expect = 0;
      for (const auto& [id, label] : by_id) {
        if (id != expect++) {
          throw Error(c.path + ": id2label ids must be 0.." + std::to_string(by_id.size() - 1) +
                      " (label id " + std::to_string(expect - 1) + " is missing)");
        }
        c.labels.push_back(label);
      }
    }
    c.num_labels = r.get_int("num_labels", 0, 0);
    if (c.num_labels && !c.labels.empty() && c.num_labels != static_cast<int64_t>(c.labels.size())) {
      throw Error(c.path + ": num_labels " + std::to_string(c.num_labels) + " but id2label has " +
                  std::to_string(c.labels.size()) + " labels");
    }
    c.problem_type = r.get_string("problem_type", "");
  }
  return c;
}

// ---- weights -------------------------------------------------------------------------------

class Weights {
 public:
  Weights(std::unique_ptr<WeightsFile> file, const Config& cfg) : file_(std::move(file)) {
    // The body's prefix: whichever convention the word embeddings are stored under.
    const std::string word = std::string(cfg.arch->family) == "modernbert" ? "embeddings.tok_embeddings.weight"
                                                                         : "embeddings.word_embeddings.weight";
    const std::string p = cfg.arch->prefix;
    if (file_->contains(p + word)) {
      prefix_ = p;
    } else if (file_->contains(word)) {
      prefix_ = "";
    } else {
      prefix_ = cfg.arch->head != Head::none ? p : "";
    }
  }

  // The stored name of body tensor `key` (e.g. "encoder.layer.0.attention.self.query.weight").
  std::string body_name(const std::string& key) const {
    std::string n = prefix_ + key;
    if (file_->contains(n)) return n;
    // Old checkpoints name LayerNorm parameters gamma / beta.
    for (auto [from, to] : {std::pair{".weight", ".gamma"}, std::pair{".bias", ".beta"}}) {
      if (key.ends_with(from) && key.find("LayerNorm") != std::string::npos) {
        std::string alt = n.substr(0, n.size() - std::string(from).size()) + to;
        if (file_->contains(alt)) return alt;
      }
    }
    return n;
  }
  bool has_body(const std::string& key) const { return file_->contains(body_name(key)); }

  // Reads a tensor and checks its shape; `hint` explains where the expected dims come from.
  Tensor get(const std::string& stored, const Dims& want, const std::string& hint) const {
    const Dims& shape = file_->shape(stored);
    if (shape != want) {
      throw Error(file_->path() + ": tensor '" + stored + "' has shape " + dims_str(shape) +
                  ", expected " + dims_str(want) + " (" + hint + ")");
    }
    return file_->read_f32(stored);
  }
  Tensor body(const std::string& key, const Dims& want, const std::string& hint) const {
    return get(body_name(key), want, hint);
  }
  Tensor head(const std::string& key, const Dims& want, const std::string& hint) const {
    return get(key, want, hint);
  }
  const WeightsFile& file() const { return *file_; }
  const std::string& prefix() const { return prefix_; }

 private:
  std::unique_ptr<WeightsFile> file_;
  std::string prefix_;
};

// A file with more layers than the config asks for: the config contradicts the weights (the
// graph would silently skip the extra layers).
void check_layer_count(const Config& c, const Weights& w) {
  const std::string family = c.arch->family;
  const std::string stem = w.prefix() + (family == "distilbert"   ? "transformer.layer."
                                         : family == "modernbert" ? "layers."
                                                                  : "encoder.layer.");
  for (const auto& [name, shape] : w.file().shapes()) {
    if (!name.starts_with(stem)) continue;
    const std::string index = name.substr(stem.size(), name.find('.', stem.size()) - stem.size());
    if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::stoll(index) >= c.layers) {
      throw Error(c.path + " contradicts the weights: " + c.layers_key + " is " +
                  std::to_string(c.layers) + ", but " + w.file().path() + " has tensor '" + name +
                  "' of layer " + index);
    }
  }
}

// ---- graph building ------------------------------------------------------------------------

class Builder {
 public:
  Builder(ir::Graph& g, const Config& cfg, const Weights& w) : g_(g), cfg_(cfg), w_(w) {}

  std::string dims_hint(const std::vector<std::pair<std::string, int64_t>>& keys) const {
    std::string s = "from " + fs::path(cfg_.path).filename().string() + ":";
    for (const auto& [k, v] : keys) s += " " + k + " " + std::to_string(v) + ",";
    s.pop_back();
    return s;
  }
  std::string hidden_hint() const { return dims_hint({{cfg_.hidden_key, cfg_.hidden}}); }

  ValueId constant(const std::string& name, Tensor t) { return g_.add_constant(name, std::move(t)); }
  ValueId i64s(const std::string& name, const std::vector<int64_t>& v, Dims shape) {
    return constant(name, Tensor::from_vector<int64_t>(v, std::move(shape)));
  }
  ValueId i64_scalar(const std::string& name, int64_t v) { return i64s(name, {v}, {}); }
  ValueId f32_scalar(const std::string& name, float v) {
    return constant(name, Tensor::from_vector<float>({v}, {}));
  }

  // One node with one output named `out` (default: the node's name).
  ValueId node(Op op, const std::string& name, std::vector<ValueId> inputs, ir::Attrs attrs = {},
               const std::string& out = "") {
    ValueId o = g_.add_value(out.empty() ? name : out);
    g_.add_node(op, name, std::move(inputs), {o}, std::move(attrs));
    return o;
  }

  static ir::Attrs attr(const std::string& k, ir::Attr v) {
    ir::Attrs a;
    a.set(k, std::move(v));
    return a;
  }

  // A body tensor as a constant named as stored.
  ValueId body_const(const std::string& key, const Dims& want, const std::string& hint) {
    std::string stored = w_.body_name(key);
    return constant(stored, w_.get(stored, want, hint));
  }

  // y = x · Wᵀ + b on [..., K] (MatMul with W transposed to [K, N] at import, then Add(b, ·)),
  // as torch exports nn.Linear on a 3-D input; without `bias`, x · Wᵀ.
  ValueId linear3d(ValueId x, const std::string& module, bool body, int64_t k, int64_t n,
                   const std::string& hint, const std::string& out = "", bool bias = true) {
    const std::string wname = body ? w_.body_name(module + ".weight") : module + ".weight";
    const std::string bname = body ? w_.body_name(module + ".bias") : module + ".bias";
    Tensor w = w_.get(wname, {n, k}, hint);
    Tensor wt = Tensor::empty(DType::kF32, {k, n});
    const float* src = w.data<float>();
    float* dst = wt.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < k; ++j) dst[j * n + i] = src[i * k + j];
    }
    ValueId wv = constant(wname + ".T", std::move(wt));
    if (!bias) return node(Op::MatMul, module + "/MatMul", {x, wv}, {}, out);
    ValueId bv = constant(bname, w_.get(bname, {n}, hint));
    ValueId mm = node(Op::MatMul, module + "/MatMul", {x, wv});
    return node(Op::Add, module + "/Add", {bv, mm}, {}, out);
  }

  // y = x · Wᵀ + b on [batch, K] as Gemm(transB = 1), as torch exports it on a 2-D input
  // (without `bias`, Gemm without C).
  ValueId gemm(ValueId x, const std::string& module, bool body, int64_t k, int64_t n,
               const std::string& hint, const std::string& out = "", bool bias = true) {
    const std::string wname = body ? w_.body_name(module + ".weight") : module + ".weight";
    const std::string bname = body ? w_.body_name(module + ".bias") : module + ".bias";
    ValueId wv = constant(wname, w_.get(wname, {n, k}, hint));
    ValueId bv = bias ? constant(bname, w_.get(bname, {n}, hint)) : ir::kNoValue;
    ir::Attrs a;
    a.set("alpha", 1.0f);
    a.set("beta", 1.0f);
    a.set("transB", int64_t{1});
    std::vector<ValueId> inputs{x, wv};
    if (bias) inputs.push_back(bv);
    return node(Op::Gemm, module + "/Gemm", std::move(inputs), std::move(a), out);
  }

  // LayerNormalization (opset 17) over the last axis, of width hidden (or `width`); without
  // `bias` (ModernBERT's norm_bias false) its beta is zeros.
  ValueId layer_norm(ValueId x, const std::string& module, const std::string& out = "",
                     int64_t width = 0, bool bias = true, bool body = true) {
    const std::string hint = width ? dims_hint({{"embedding_size", width}}) : hidden_hint();
    if (width == 0) width = cfg_.hidden;
    auto param = [&](const std::string& key) {
      const std::string stored = body ? w_.body_name(key) : key;
      return constant(stored, w_.get(stored, {width}, hint));
    };
    ValueId gamma = param(module + ".weight");
    ValueId beta = bias ? param(module + ".bias")
                        : constant(module + ".zero_bias", Tensor::empty(DType::kF32, {width}));
    ir::Attrs a;
    a.set("axis", int64_t{-1});
    a.set("epsilon", cfg_.eps);
    return node(Op::LayerNormalization, module + "/LayerNormalization", {x, gamma, beta}, std::move(a), out);
  }

  // The config's hidden_act, or `act`.
  ValueId activation(ValueId y, const std::string& module, const std::string& act = "") {
    const std::string& name = act.empty() ? cfg_.act : act;
    if (name == "relu") return node(Op::Relu, module + "/Relu", {y});
    if (name == "gelu") {
      // 0.5 · y · (1 + erf(y / √2)), in the order torch exports it.
      ValueId d = node(Op::Div, module + "/Div", {y, f32_scalar(module + "/sqrt2", static_cast<float>(std::sqrt(2.0)))});
      ValueId e = node(Op::Erf, module + "/Erf", {d});
      ValueId a = node(Op::Add, module + "/Add", {e, f32_scalar(module + "/one", 1.0f)});
      ValueId m = node(Op::Mul, module + "/Mul", {y, a});
      return node(Op::Mul, module + "/Mul_1", {m, f32_scalar(module + "/half", 0.5f)});
    }
    // gelu_new / gelu_pytorch_tanh: 0.5 · y · (1 + tanh(√(2/π) · (y + 0.044715 · y³)))
    ValueId p = node(Op::Pow, module + "/Pow", {y, f32_scalar(module + "/three", 3.0f)});
    ValueId c = node(Op::Mul, module + "/Mul", {f32_scalar(module + "/c", 0.044715f), p});
    ValueId s = node(Op::Add, module + "/Add", {y, c});
    ValueId t = node(Op::Mul, module + "/Mul_1",
                     {f32_scalar(module + "/sqrt_2_pi", static_cast<float>(std::sqrt(2.0 / std::numbers::pi))), s});
    ValueId th = node(Op::Tanh, module + "/Tanh", {t});
    ValueId a = node(Op::Add, module + "/Add_1", {f32_scalar(module + "/one", 1.0f), th});
    ValueId h = node(Op::Mul, module + "/Mul_2", {f32_scalar(module + "/half", 0.5f), y});
    return node(Op::Mul, module + "/Mul_3", {h, a});
  }

  // Multi-head self-attention up to (not including) the output projection: [B, S, H] context.
  // position_bias (MPNet; may be kNoValue): [1, NH, S, S], added to the scores before the mask.
  ValueId self_attention(ValueId x, ValueId mask, const std::string& module, const std::string& q,
                         const std::string& k, const std::string& v, bool scale_q,
                         ValueId position_bias = ir::kNoValue) {
    const int64_t h = cfg_.hidden, nh = cfg_.heads, d = h / nh;
    const std::string hint = dims_hint({{cfg_.hidden_key, h}});
    ValueId qv = linear3d(x, q, true, h, h, hint);
    ValueId kv = linear3d(x, k, true, h, h, hint);
    ValueId vv = linear3d(x, v, true, h, h, hint);
    ValueId heads_shape = i64s(module + "/heads_shape", {0, 0, nh, d}, {4});
    ir::Attrs reshape_attrs = attr("allowzero", int64_t{0});
    auto perm = [](std::vector<int64_t> p) { return attr("perm", std::move(p)); };
    ValueId kr = node(Op::Reshape, module + "/Reshape", {kv, heads_shape}, reshape_attrs);
    ValueId kt = node(Op::Transpose, module + "/Transpose_k", {kr}, perm({0, 2, 3, 1}));
    ValueId vr = node(Op::Reshape, module + "/Reshape_1", {vv, heads_shape}, reshape_attrs);
    ValueId vt = node(Op::Transpose, module + "/Transpose_v", {vr}, perm({0, 2, 1, 3}));
    ValueId qr = node(Op::Reshape, module + "/Reshape_2", {qv, heads_shape}, reshape_attrs);
    ValueId qt = node(Op::Transpose, module + "/Transpose_q", {qr}, perm({0, 2, 1, 3}));
    ValueId sqrt_d = f32_scalar(module + "/sqrt_head_size", static_cast<float>(std::sqrt(static_cast<double>(d))));
    ValueId scores;
    if (scale_q) {  // DistilBERT: q / √D, then q · kᵀ
      ValueId qs = node(Op::Div, module + "/Div", {qt, sqrt_d});
      scores = node(Op::MatMul, module + "/MatMul", {qs, kt});
    } else {  // BERT, RoBERTa: (q · kᵀ) / √D
      ValueId s = node(Op::MatMul, module + "/MatMul", {qt, kt});
      scores = node(Op::Div, module + "/Div", {s, sqrt_d});
    }
    if (position_bias != ir::kNoValue) {
      scores = node(Op::Add, module + "/Add_position_bias", {scores, position_bias});
    }
    ValueId masked = node(Op::Add, module + "/Add", {scores, mask});
    ValueId probs = node(Op::Softmax, module + "/Softmax", {masked}, attr("axis", int64_t{-1}));
    ValueId ctx = node(Op::MatMul, module + "/MatMul_1", {probs, vt});
    ValueId ct = node(Op::Transpose, module + "/Transpose_ctx", {ctx}, perm({0, 2, 1, 3}));
    return node(Op::Reshape, module + "/Reshape_3", {ct, i64s(module + "/hidden_shape", {0, 0, h}, {3})},
                reshape_attrs);
  }

  // (1 - mask) · finfo(float32).min as [B, 1, 1, S], the HF extended attention mask.
  ValueId extended_mask(ValueId attention_mask) {
    ValueId u = node(Op::Unsqueeze, "extended_attention_mask/Unsqueeze",
                     {attention_mask, i64s("extended_attention_mask/axes", {1, 2}, {2})});
    ValueId c = node(Op::Cast, "extended_attention_mask/Cast", {u},
                     attr("to", static_cast<int64_t>(DType::kF32)));
    ValueId s = node(Op::Sub, "extended_attention_mask/Sub", {f32_scalar("extended_attention_mask/one", 1.0f), c});
    return node(Op::Mul, "extended_attention_mask/Mul",
                {s, f32_scalar("extended_attention_mask/min", std::numeric_limits<float>::lowest())});
  }

  // The sequence length of ids as a [1] int64 value.
  ValueId seq_len_1d(ValueId ids, const std::string& module) {
    ValueId shape = node(Op::Shape, module + "/Shape", {ids});
    ValueId seq = node(Op::Gather, module + "/Gather", {shape, i64_scalar(module + "/one", 1)}, attr("axis", int64_t{0}));
    return node(Op::Unsqueeze, module + "/Unsqueeze", {seq, i64s(module + "/axes0", {0}, {1})});
  }

  ir::Graph& g_;
  const Config& cfg_;
  const Weights& w_;
};

ir::TypeInfo ids_type() {
  return {DType::kI64, {ir::Dim::sym("batch"), ir::Dim::sym("seq")}};
}

// Embeddings of BERT / RoBERTa / DistilBERT / ELECTRA / MPNet (no token types) → [B, S, H] after LayerNorm (and, for an
// ELECTRA whose embedding_size is not hidden_size, embeddings_project).
ValueId build_embeddings(Builder& b, const Config& c, ValueId ids, ValueId type_ids) {
  const std::string fam = c.arch->family;
  const int64_t h = c.embedding;
  const std::string width_key = fam == "electra" ? "embedding_size" : c.hidden_key;
  const std::string m = "embeddings";
  ValueId word_table = b.body_const(m + ".word_embeddings.weight", {c.vocab, h},
                                    b.dims_hint({{"vocab_size", c.vocab}, {width_key, h}}));
  ValueId pos_table = b.body_const(m + ".position_embeddings.weight", {c.max_pos, h},
                                   b.dims_hint({{"max_position_embeddings", c.max_pos}, {width_key, h}}));
  ir::Attrs axis0 = Builder::attr("axis", int64_t{0});
  ValueId word = b.node(Op::Gather, m + ".word_embeddings/Gather", {word_table, ids}, axis0);
  ValueId sum = word;
  ValueId pos_ids;
  if (fam == "bert" || fam == "electra") {
    ValueId type_table = b.body_const(m + ".token_type_embeddings.weight", {c.type_vocab, h},
                                      b.dims_hint({{"type_vocab_size", c.type_vocab}, {width_key, h}}));
    ValueId tt = b.node(Op::Gather, m + ".token_type_embeddings/Gather", {type_table, type_ids}, axis0);
    sum = b.node(Op::Add, m + "/Add", {word, tt});
    // position_ids[:, :seq] of the [1, P] buffer.
    std::vector<int64_t> positions(static_cast<size_t>(c.max_pos));
    for (int64_t i = 0; i < c.max_pos; ++i) positions[static_cast<size_t>(i)] = i;
    ValueId buffer = b.i64s(m + ".position_ids", positions, {1, c.max_pos});
    ValueId end = b.seq_len_1d(ids, m);
    pos_ids = b.node(Op::Slice, m + "/Slice",
                     {buffer, b.i64s(m + "/starts", {0}, {1}), end, b.i64s(m + "/slice_axes", {1}, {1}),
                      b.i64s(m + "/steps", {1}, {1})});
  } else if (fam == "roberta" || fam == "mpnet") {
    // create_position_ids_from_input_ids: cumsum(ids != pad) · (ids != pad) + pad
    ValueId eq = b.node(Op::Equal, m + "/Equal", {ids, b.i64_scalar(m + "/pad", c.pad_id)});
    ValueId ne = b.node(Op::Not, m + "/Not", {eq});
    ValueId mask = b.node(Op::Cast, m + "/Cast", {ne}, Builder::attr("to", static_cast<int64_t>(DType::kI32)));
    ValueId cs = b.node(Op::CumSum, m + "/CumSum", {mask, b.i64_scalar(m + "/cumsum_axis", 1)});
    ValueId inc = b.node(Op::Mul, m + "/Mul", {cs, mask});
    ValueId inc64 = b.node(Op::Cast, m + "/Cast_1", {inc}, Builder::attr("to", static_cast<int64_t>(DType::kI64)));
    pos_ids = b.node(Op::Add, m + "/Add_positions", {inc64, b.i64_scalar(m + "/pad_offset", c.pad_id)});
  }
  if (fam == "roberta") {
    // token_type_ids: the zeros buffer.
    ValueId type_table = b.body_const(m + ".token_type_embeddings.weight", {c.type_vocab, h},
                                      b.dims_hint({{"type_vocab_size", c.type_vocab}, {width_key, h}}));
    ValueId shape = b.node(Op::Shape, m + "/Shape_ids", {ids});
    ValueId zeros = b.node(Op::ConstantOfShape, m + "/token_type_ids", {shape},
                           Builder::attr("value", Tensor::from_vector<int64_t>({0}, {1})));
    ValueId tt = b.node(Op::Gather, m + ".token_type_embeddings/Gather", {type_table, zeros}, axis0);
    sum = b.node(Op::Add, m + "/Add", {word, tt});
  } else if (fam == "distilbert") {  // arange(seq) expanded to [B, S]
    ValueId shape = b.node(Op::Shape, m + "/Shape", {ids});
    ValueId seq = b.node(Op::Gather, m + "/Gather", {shape, b.i64_scalar(m + "/one", 1)}, axis0);
    ValueId r = b.node(Op::Range, m + "/Range", {b.i64_scalar(m + "/start", 0), seq, b.i64_scalar(m + "/delta", 1)});
    ValueId u = b.node(Op::Unsqueeze, m + "/Unsqueeze", {r, b.i64s(m + "/axes0", {0}, {1})});
    pos_ids = b.node(Op::Expand, m + "/Expand", {u, shape});
  }
  ValueId pos = b.node(Op::Gather, m + ".position_embeddings/Gather", {pos_table, pos_ids}, axis0);
  ValueId total = b.node(Op::Add, m + "/Add_1", {sum, pos});
  ValueId norm = b.layer_norm(total, m + ".LayerNorm", "", h == c.hidden ? 0 : h);
  if (h == c.hidden) return norm;
  return b.linear3d(norm, "embeddings_project", true, h, c.hidden,
                    b.dims_hint({{"embedding_size", h}, {c.hidden_key, c.hidden}}));
}

// One post-LayerNorm encoder layer, as BERT, DistilBERT, RoBERTa, ELECTRA and MPNet have it:
// self-attention → output dense + residual → LayerNorm → FFN dense → activation → dense +
// residual → LayerNorm. The families differ only in their modules' names.
struct LayerModules {
  std::string attention, q, k, v;          // the attention module and its projections
  std::string out, out_add, out_norm;      // output dense, residual Add node, LayerNorm
  std::string ffn_in, ffn_act, ffn_out, ffn_add, ffn_norm;
  bool scale_q = false;                    // DistilBERT: q / √D before the MatMul
};

LayerModules layer_modules(const std::string& family, int64_t i) {
  if (family == "distilbert") {
    const std::string l = "transformer.layer." + std::to_string(i);
    return {l + ".attention", l + ".attention.q_lin", l + ".attention.k_lin", l + ".attention.v_lin",
            l + ".attention.out_lin", l + "/Add", l + ".sa_layer_norm",
            l + ".ffn.lin1", l + ".ffn", l + ".ffn.lin2", l + "/Add_1", l + ".output_layer_norm", true};
  }
  const std::string l = "encoder.layer." + std::to_string(i);
  if (family == "mpnet") {
    return {l + ".attention.attn", l + ".attention.attn.q", l + ".attention.attn.k", l + ".attention.attn.v",
            l + ".attention.attn.o", l + ".attention/Add", l + ".attention.LayerNorm",
            l + ".intermediate.dense", l + ".intermediate", l + ".output.dense", l + ".output/Add",
            l + ".output.LayerNorm"};
  }
  return {l + ".attention.self", l + ".attention.self.query", l + ".attention.self.key",
          l + ".attention.self.value", l + ".attention.output.dense", l + ".attention.output/Add",
          l + ".attention.output.LayerNorm", l + ".intermediate.dense", l + ".intermediate",
          l + ".output.dense", l + ".output/Add", l + ".output.LayerNorm"};
}

// The layer after its self-attention's context `ctx` (DeBERTa's too).
ValueId layer_after_attention(Builder& b, const Config& c, ValueId x, ValueId ctx, const LayerModules& m, bool last) {
  const int64_t h = c.hidden, f = c.intermediate;
  const std::string hh = b.dims_hint({{c.hidden_key, h}});
  const std::string fh = b.dims_hint({{c.hidden_key, h}, {c.ffn_key, f}});
  ValueId o = b.linear3d(ctx, m.out, true, h, h, hh);
  ValueId r = b.node(Op::Add, m.out_add, {o, x});
  ValueId a = b.layer_norm(r, m.out_norm);
  ValueId inter = b.linear3d(a, m.ffn_in, true, h, f, fh);
  ValueId act = b.activation(inter, m.ffn_act);
  ValueId out = b.linear3d(act, m.ffn_out, true, f, h, fh);
  ValueId r2 = b.node(Op::Add, m.ffn_add, {out, a});
  return b.layer_norm(r2, m.ffn_norm, last ? "last_hidden_state" : "");
}

// position_bias: MPNet's (else kNoValue).
ValueId build_layer(Builder& b, const Config& c, ValueId x, ValueId mask, ValueId position_bias,
                    const LayerModules& m, bool last) {
  ValueId ctx = b.self_attention(x, mask, m.attention, m.q, m.k, m.v, m.scale_q, position_bias);
  return layer_after_attention(b, c, x, ctx, m, last);
}

// MPNetEncoder.compute_position_bias: for query i and key j, relative_attention_bias[bucket(j -
// i)] as [1, NH, S, S], with relative_position_bucket's 32 buckets (16 per direction: 8 exact
// distances, then 8 on a log scale up to distance 128, clamped), in float32 as torch computes it.
// fuse_attention turns it into the attention's table by distance.
ValueId build_position_bias(Builder& b, const Config& c, ValueId ids) {
  const std::string m = "encoder/position_bias";
  ir::Attrs axis0 = Builder::attr("axis", int64_t{0});
  ir::Attrs to_i64 = Builder::attr("to", static_cast<int64_t>(DType::kI64));
  ValueId shape = b.node(Op::Shape, m + "/Shape", {ids});
  ValueId seq = b.node(Op::Gather, m + "/Gather", {shape, b.i64_scalar(m + "/one", 1)}, axis0);
  ValueId zero = b.i64_scalar(m + "/zero", 0);
  ValueId r = b.node(Op::Range, m + "/Range", {zero, seq, b.i64_scalar(m + "/delta", 1)});
  ValueId context = b.node(Op::Unsqueeze, m + "/Unsqueeze_context", {r, b.i64s(m + "/axes1", {1}, {1})});
  ValueId memory = b.node(Op::Unsqueeze, m + "/Unsqueeze_memory", {r, b.i64s(m + "/axes0", {0}, {1})});
  ValueId relative = b.node(Op::Sub, m + "/Sub", {memory, context});
  ValueId n = b.node(Op::Neg, m + "/Neg", {relative});
  ValueId negative = b.node(Op::Less, m + "/Less", {n, zero});
  ValueId ret = b.node(Op::Mul, m + "/Mul", {b.node(Op::Cast, m + "/Cast", {negative}, to_i64),
                                             b.i64_scalar(m + "/half_buckets", 16)});
  ValueId distance = b.node(Op::Abs, m + "/Abs", {n});
  ValueId max_exact = b.i64_scalar(m + "/max_exact", 8);
  ValueId small = b.node(Op::Less, m + "/Less_1", {distance, max_exact});
  ValueId df = b.node(Op::Cast, m + "/Cast_1", {distance}, Builder::attr("to", static_cast<int64_t>(DType::kF32)));
  ValueId ratio = b.node(Op::Div, m + "/Div", {df, b.f32_scalar(m + "/max_exact_f", 8.0f)});
  ValueId log = b.node(Op::Log, m + "/Log", {ratio});
  ValueId scaled = b.node(Op::Div, m + "/Div_1", {log, b.f32_scalar(m + "/log_range", static_cast<float>(std::log(16.0)))});
  ValueId steps = b.node(Op::Mul, m + "/Mul_1", {scaled, b.f32_scalar(m + "/log_buckets", 8.0f)});
  ValueId large = b.node(Op::Add, m + "/Add", {b.node(Op::Cast, m + "/Cast_2", {steps}, to_i64), max_exact});
  ValueId clamped = b.node(Op::Min, m + "/Min", {large, b.i64_scalar(m + "/last_bucket", 15)});
  ValueId bucket = b.node(Op::Add, m + "/Add_1", {ret, b.node(Op::Where, m + "/Where", {small, distance, clamped})});
  ValueId table = b.body_const("encoder.relative_attention_bias.weight", {c.rel_buckets, c.heads},
                               b.dims_hint({{"relative_attention_num_buckets", c.rel_buckets},
                                            {c.heads_key, c.heads}}));
  ValueId values = b.node(Op::Gather, m + "/Gather_bias", {table, bucket}, axis0);
  ValueId heads_first = b.node(Op::Transpose, m + "/Transpose", {values}, Builder::attr("perm", std::vector<int64_t>{2, 0, 1}));
  return b.node(Op::Unsqueeze, m + "/Unsqueeze", {heads_first, b.i64s(m + "/axes_batch", {0}, {1})});
}

// ---- ModernBERT (transformers' modeling_modernbert.py, its eager attention) ------------------

// Rotary cos and sin [1, 1, S, D] for positions 0..S-1 (`positions`: float32 [S]) at `theta`,
// in float32 as ModernBertRotaryEmbedding computes them: inv_freq = 1 / theta^(2i / D),
// freqs = position · inv_freq, emb = cat(freqs, freqs).
std::pair<ValueId, ValueId> build_rotary(Builder& b, const Config& c, ValueId positions, double theta,
                                         const std::string& m) {
  const int64_t D = c.hidden / c.heads;
  std::vector<float> inv(static_cast<size_t>(D / 2));
  for (int64_t i = 0; i < D / 2; ++i) {
    inv[static_cast<size_t>(i)] =
        1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * i) / static_cast<float>(D));
  }
  ValueId column = b.node(Op::Unsqueeze, m + "/Unsqueeze", {positions, b.i64s(m + "/axes1", {1}, {1})});
  ValueId freqs = b.node(Op::Mul, m + "/Mul", {column, b.constant(m + ".inv_freq", Tensor::from_vector<float>(inv, {D / 2}))});
  ValueId emb = b.node(Op::Concat, m + "/Concat", {freqs, freqs}, Builder::attr("axis", int64_t{-1}));
  ValueId axes = b.i64s(m + "/axes01", {0, 1}, {2});
  ValueId cos = b.node(Op::Unsqueeze, m + "/Unsqueeze_cos", {b.node(Op::Cos, m + "/Cos", {emb}), axes});
  ValueId sin = b.node(Op::Unsqueeze, m + "/Unsqueeze_sin", {b.node(Op::Sin, m + "/Sin", {emb}), axes});
  return {cos, sin};
}

// x · cos + rotate_half(x) · sin on [B, NH, S, D], rotate_half(x) = (-x[..., D/2:], x[..., :D/2]).
ValueId apply_rotary(Builder& b, ValueId x, std::pair<ValueId, ValueId> rope, int64_t D, const std::string& m) {
  auto slice = [&](int64_t begin, int64_t end, const std::string& name) {
    return b.node(Op::Slice, m + "/" + name,
                  {x, b.i64s(m + "/" + name + "_starts", {begin}, {1}), b.i64s(m + "/" + name + "_ends", {end}, {1}),
                   b.i64s(m + "/" + name + "_axes", {-1}, {1}), b.i64s(m + "/" + name + "_steps", {1}, {1})});
  };
  ValueId upper = b.node(Op::Neg, m + "/Neg", {slice(D / 2, INT64_MAX, "Slice_upper")});
  ValueId half = b.node(Op::Concat, m + "/Concat", {upper, slice(0, D / 2, "Slice_lower")},
                        Builder::attr("axis", int64_t{-1}));
  return b.node(Op::Add, m + "/Add", {b.node(Op::Mul, m + "/Mul", {x, rope.first}),
                                      b.node(Op::Mul, m + "/Mul_1", {half, rope.second})});
}

// One output per part of x split along `axis` (sizes `sizes`).
std::vector<ValueId> split(Builder& b, ValueId x, int64_t axis, const std::vector<int64_t>& sizes,
                           const std::string& m) {
  std::vector<ValueId> outs;
  for (size_t i = 0; i < sizes.size(); ++i) outs.push_back(b.g_.add_value(m + "_output_" + std::to_string(i)));
  b.g_.add_node(Op::Split, m, {x, b.i64s(m + "/split", sizes, {static_cast<int64_t>(sizes.size())})}, outs,
                Builder::attr("axis", axis));
  return outs;
}

// ModernBertEncoderLayer: x + Wo(attention(attn_norm(x))), then + Wo(act(in) · gate) of the
// GeGLU MLP on mlp_norm; layer 0 has no attn_norm; local layers add `window_bias` (float32 min
// beyond the window) to the scores.
ValueId build_modernbert_layer(Builder& b, const Config& c, ValueId x, ValueId mask, ValueId window_bias,
                               std::pair<ValueId, ValueId> rope, int64_t i) {
  const std::string l = "layers." + std::to_string(i);
  const int64_t h = c.hidden, nh = c.heads, d = h / nh, f = c.intermediate;
  const std::string hh = b.dims_hint({{c.hidden_key, h}});
  const std::string fh = b.dims_hint({{c.hidden_key, h}, {c.ffn_key, f}});
  ValueId a = i == 0 ? x : b.layer_norm(x, l + ".attn_norm", "", 0, c.norm_bias);
  ValueId qkv = b.linear3d(a, l + ".attn.Wqkv", true, h, 3 * h, hh, "", c.attention_bias);
  ir::Attrs reshape_attrs = Builder::attr("allowzero", int64_t{0});
  ValueId five = b.node(Op::Reshape, l + "/attn/Reshape", {qkv, b.i64s(l + "/attn/qkv_shape", {0, 0, 3, nh, d}, {5})},
                        reshape_attrs);
  ValueId heads_first = b.node(Op::Transpose, l + "/attn/Transpose", {five},
                               Builder::attr("perm", std::vector<int64_t>{0, 3, 2, 1, 4}));
  std::vector<ValueId> parts = split(b, heads_first, 2, {1, 1, 1}, l + "/attn/Split");
  ValueId axis2 = b.i64s(l + "/attn/axis2", {2}, {1});
  std::vector<ValueId> qkv_heads;
  for (int p = 0; p < 3; ++p) {
    qkv_heads.push_back(b.node(Op::Squeeze, l + "/attn/Squeeze_" + std::to_string(p), {parts[static_cast<size_t>(p)], axis2}));
  }
  ValueId q = apply_rotary(b, qkv_heads[0], rope, d, l + "/attn/rotary_q");
  ValueId k = apply_rotary(b, qkv_heads[1], rope, d, l + "/attn/rotary_k");
  ValueId kt = b.node(Op::Transpose, l + "/attn/Transpose_k", {k}, Builder::attr("perm", std::vector<int64_t>{0, 1, 3, 2}));
  ValueId scores = b.node(Op::Mul, l + "/attn/Mul_scale",
                          {b.node(Op::MatMul, l + "/attn/MatMul", {q, kt}),
                           b.f32_scalar(l + "/attn/scale", static_cast<float>(std::pow(static_cast<double>(d), -0.5)))});
  if (window_bias != ir::kNoValue) scores = b.node(Op::Add, l + "/attn/Add_window", {scores, window_bias});
  ValueId masked = b.node(Op::Add, l + "/attn/Add_mask", {scores, mask});
  ValueId probs = b.node(Op::Softmax, l + "/attn/Softmax", {masked}, Builder::attr("axis", int64_t{-1}));
  ValueId ctx = b.node(Op::MatMul, l + "/attn/MatMul_1", {probs, qkv_heads[2]});
  ValueId ct = b.node(Op::Transpose, l + "/attn/Transpose_ctx", {ctx}, Builder::attr("perm", std::vector<int64_t>{0, 2, 1, 3}));
  ValueId merged = b.node(Op::Reshape, l + "/attn/Reshape_1", {ct, b.i64s(l + "/attn/hidden_shape", {0, 0, h}, {3})},
                          reshape_attrs);
  ValueId attn = b.linear3d(merged, l + ".attn.Wo", true, h, h, hh, "", c.attention_bias);
  ValueId x2 = b.node(Op::Add, l + "/Add", {x, attn});
  ValueId m = b.layer_norm(x2, l + ".mlp_norm", "", 0, c.norm_bias);
  ValueId wi = b.linear3d(m, l + ".mlp.Wi", true, h, 2 * f, fh, "", c.mlp_bias);
  std::vector<ValueId> halves = split(b, wi, -1, {f, f}, l + "/mlp/Split");
  ValueId gated = b.node(Op::Mul, l + "/mlp/Mul", {b.activation(halves[0], l + ".mlp"), halves[1]});
  ValueId out = b.linear3d(gated, l + ".mlp.Wo", true, f, h, fh, "", c.mlp_bias);
  return b.node(Op::Add, l + "/Add_1", {x2, out});
}

// The whole ModernBertModel body: embeddings (tok_embeddings → norm), layers (global ones every
// global_attn_every_n_layers with the global theta, the others windowed with the local theta),
// final_norm → last_hidden_state.
ValueId build_modernbert(Builder& b, const Config& c, ValueId ids, ValueId mask) {
  ValueId word_table = b.body_const("embeddings.tok_embeddings.weight", {c.vocab, c.hidden},
                                    b.dims_hint({{"vocab_size", c.vocab}, {c.hidden_key, c.hidden}}));
  ValueId x = b.node(Op::Gather, "embeddings.tok_embeddings/Gather", {word_table, ids}, Builder::attr("axis", int64_t{0}));
  x = b.layer_norm(x, "embeddings.norm", "", 0, c.norm_bias);
  const std::string m = "rotary_emb";
  ValueId shape = b.node(Op::Shape, m + "/Shape", {ids});
  ValueId seq = b.node(Op::Gather, m + "/Gather", {shape, b.i64_scalar(m + "/one", 1)}, Builder::attr("axis", int64_t{0}));
  ValueId r = b.node(Op::Range, m + "/Range", {b.i64_scalar(m + "/zero", 0), seq, b.i64_scalar(m + "/delta", 1)});
  ValueId positions = b.node(Op::Cast, m + "/Cast", {r}, Builder::attr("to", static_cast<int64_t>(DType::kF32)));
  const auto global_rope = build_rotary(b, c, positions, c.global_theta, m + ".global");
  const auto local_rope = build_rotary(b, c, positions, c.local_theta, m + ".local");
  // The sliding window: float32 min where |i - j| > local_attention / 2, as [1, 1, S, S].
  const std::string w = "sliding_window";
  ValueId rows = b.node(Op::Unsqueeze, w + "/Unsqueeze_rows", {r, b.i64s(w + "/axes0", {0}, {1})});
  ValueId cols = b.node(Op::Unsqueeze, w + "/Unsqueeze_cols", {r, b.i64s(w + "/axes1", {1}, {1})});
  ValueId distance = b.node(Op::Abs, w + "/Abs", {b.node(Op::Sub, w + "/Sub", {rows, cols})});
  ValueId far = b.node(Op::Greater, w + "/Greater", {distance, b.i64_scalar(w + "/half_window", c.window)});
  ValueId bias2 = b.node(Op::Where, w + "/Where", {far, b.f32_scalar(w + "/min", std::numeric_limits<float>::lowest()),
                                                  b.f32_scalar(w + "/zero", 0.0f)});
  ValueId window_bias = b.node(Op::Unsqueeze, w + "/Unsqueeze", {bias2, b.i64s(w + "/axes01", {0, 1}, {2})});
  for (int64_t i = 0; i < c.layers; ++i) {
    const bool global = i % c.global_every == 0;
    x = build_modernbert_layer(b, c, x, mask, global ? ir::kNoValue : window_bias, global ? global_rope : local_rope, i);
  }
  return b.layer_norm(x, "final_norm", "last_hidden_state", 0, c.norm_bias);
}

// ---- DeBERTa-v2 / v3 (transformers' modeling_deberta_v2.py; tools/make_models.py) --------------
// The graph torch exports from DisentangledSelfAttention: heads flattened into the batch
// ([B·NH, S, D]), the content scores q·(kᵀ / √(D·(1 + c2p + p2c))) plus, per disentangled term,
// the gathered products with the position projections of rel_embeddings (repeated per batch row),
// divided by the same √; the mask a bool [B, 1, S, S] condition (key or query padding);
// fuse_attention recognizes it all (bertc.Attention's pos_key / pos_query / pos_index).

// What every layer shares: the mask condition, the flattening shapes, the position indices of
// the c2p and p2c gathers, the (normalized) rel_embeddings and the batch repeats of the
// projections.
struct DebertaShared {
  ValueId masked;                            // bool [B, 1, S, S], true where masked
  ValueId flat_shape, scores_shape, probs_shape, heads4;  // [-1, S, D], [-1, NH, S, S], [-1, S, S], [-1, NH, S, D]
  ValueId c2p_index = ir::kNoValue, p2c_index = ir::kNoValue;  // int64 [1, S, S]
  ValueId rel = ir::kNoValue;                // [2·span, H]
  ValueId repeats = ir::kNoValue;            // [B, 1, 1]
};

// make_log_bucket_position of rel (int64 [S, S], i - j) as int64: |d| < buckets / 2 exact, then
// logarithmic up to max_relative_positions, in float32 as torch computes it.
ValueId deberta_buckets(Builder& b, const Config& c, ValueId rel, const std::string& m) {
  const int64_t mid = c.buckets / 2;
  ir::Attrs to_f32 = Builder::attr("to", static_cast<int64_t>(DType::kF32));
  ValueId sign = b.node(Op::Sign, m + "/Sign", {rel});
  ValueId inner = b.node(Op::And, m + "/And", {b.node(Op::Less, m + "/Less", {rel, b.i64_scalar(m + "/mid", mid)}),
                                               b.node(Op::Greater, m + "/Greater", {rel, b.i64_scalar(m + "/neg_mid", -mid)})});
  ValueId abs_pos = b.node(Op::Where, m + "/Where", {inner, b.i64_scalar(m + "/mid_1", mid - 1), b.node(Op::Abs, m + "/Abs", {rel})});
  ValueId ratio = b.node(Op::Div, m + "/Div", {b.node(Op::Cast, m + "/Cast", {abs_pos}, to_f32), b.f32_scalar(m + "/mid_f", static_cast<float>(mid))});
  const float log_range = std::log(static_cast<float>(c.max_relative - 1) / static_cast<float>(mid));
  ValueId steps = b.node(Op::Mul, m + "/Mul", {b.node(Op::Div, m + "/Div_1", {b.node(Op::Log, m + "/Log", {ratio}), b.f32_scalar(m + "/log_range", log_range)}),
                                               b.f32_scalar(m + "/mid_minus_1", static_cast<float>(mid - 1))});
  ValueId log_pos = b.node(Op::Add, m + "/Add", {b.node(Op::Ceil, m + "/Ceil", {steps}), b.f32_scalar(m + "/mid_f_1", static_cast<float>(mid))});
  ValueId far = b.node(Op::Mul, m + "/Mul_1", {log_pos, b.node(Op::Cast, m + "/Cast_1", {sign}, to_f32)});
  ValueId near = b.node(Op::LessOrEqual, m + "/LessOrEqual", {abs_pos, b.i64_scalar(m + "/mid_2", mid)});
  ValueId bucket = b.node(Op::Where, m + "/Where_1", {near, b.node(Op::Cast, m + "/Cast_2", {rel}, to_f32), far});
  return b.node(Op::Cast, m + "/Cast_3", {bucket}, Builder::attr("to", static_cast<int64_t>(DType::kI64)));
}

DebertaShared deberta_shared(Builder& b, const Config& c, ValueId ids, ValueId mask_in) {
  DebertaShared s;
  const std::string m = "encoder";
  const int64_t nh = c.heads, d = c.hidden / c.heads;
  // get_attention_mask: mask[:, None, None, :] · mask[:, None, :, None], masked where 0.
  ValueId keys = b.node(Op::Unsqueeze, m + "/Unsqueeze_keys", {mask_in, b.i64s(m + "/axes12", {1, 2}, {2})});
  ValueId queries = b.node(Op::Unsqueeze, m + "/Unsqueeze_queries", {mask_in, b.i64s(m + "/axes13", {1, 3}, {2})});
  ValueId both = b.node(Op::Mul, m + "/Mul_mask", {keys, queries});
  ValueId on = b.node(Op::Cast, m + "/Cast_mask", {both}, Builder::attr("to", static_cast<int64_t>(DType::kBool)));
  s.masked = b.node(Op::Not, m + "/Not_mask", {on});
  ValueId seq = b.seq_len_1d(ids, m);
  ir::Attrs axis0 = Builder::attr("axis", int64_t{0});
  s.flat_shape = b.node(Op::Concat, m + "/flat_shape", {b.i64s(m + "/minus_one", {-1}, {1}), seq, b.i64s(m + "/head_size", {d}, {1})}, axis0);
  s.scores_shape = b.node(Op::Concat, m + "/scores_shape", {b.i64s(m + "/minus_one_heads", {-1, nh}, {2}), seq, seq}, axis0);
  s.probs_shape = b.node(Op::Concat, m + "/probs_shape", {b.i64s(m + "/minus_one_1", {-1}, {1}), seq, seq}, axis0);
  s.heads4 = b.node(Op::Concat, m + "/heads_shape", {b.i64s(m + "/minus_one_heads_1", {-1, nh}, {2}), seq, b.i64s(m + "/head_size_1", {d}, {1})}, axis0);
  if (!c.relative_attention) return s;
  // build_relative_position: i - j, bucketed, as [1, S, S]; the gathers' rows clamp(± · + span).
  ValueId shape = b.node(Op::Shape, m + "/Shape_ids", {ids});
  ValueId n = b.node(Op::Gather, m + "/Gather_seq", {shape, b.i64_scalar(m + "/one", 1)}, axis0);
  ValueId r = b.node(Op::Range, m + "/Range", {b.i64_scalar(m + "/zero", 0), n, b.i64_scalar(m + "/delta", 1)});
  ValueId rel = b.node(Op::Sub, m + "/Sub_positions", {b.node(Op::Unsqueeze, m + "/Unsqueeze_q", {r, b.i64s(m + "/axes1", {1}, {1})}),
                                                       b.node(Op::Unsqueeze, m + "/Unsqueeze_k", {r, b.i64s(m + "/axes0", {0}, {1})})});
  if (c.buckets > 0) rel = deberta_buckets(b, c, rel, m + "/buckets");
  ValueId rel3 = b.node(Op::Unsqueeze, m + "/Unsqueeze_rel", {rel, b.i64s(m + "/axes0_1", {0}, {1})});
  ValueId lo = b.i64_scalar(m + "/row_min", 0), hi = b.i64_scalar(m + "/row_max", 2 * c.rel_span - 1);
  ValueId span = b.i64_scalar(m + "/span", c.rel_span);
  s.c2p_index = b.node(Op::Clip, m + "/Clip_c2p", {b.node(Op::Add, m + "/Add_c2p", {rel3, span}), lo, hi});
  s.p2c_index = b.node(Op::Clip, m + "/Clip_p2c", {b.node(Op::Add, m + "/Add_p2c", {b.node(Op::Neg, m + "/Neg_rel", {rel3}), span}), lo, hi});
  s.rel = b.body_const("encoder.rel_embeddings.weight", {2 * c.rel_span, c.hidden},
                       b.dims_hint({{c.buckets > 0 ? "2 x position_buckets" : "2 x max_relative_positions", 2 * c.rel_span},
                                    {c.hidden_key, c.hidden}}));
  if (c.norm_rel) s.rel = b.layer_norm(s.rel, "encoder.LayerNorm");
  ValueId batch = b.node(Op::Slice, m + "/Slice_batch", {shape, b.i64s(m + "/b0", {0}, {1}), b.i64s(m + "/b1", {1}, {1})});
  s.repeats = b.node(Op::Concat, m + "/repeats", {batch, b.i64s(m + "/ones", {1, 1}, {2})}, axis0);
  return s;
}

// DisentangledSelfAttention: the context [B, S, H] of layer module `l` (…attention.self).
ValueId deberta_attention(Builder& b, const Config& c, const DebertaShared& s, ValueId x, const std::string& l) {
  const int64_t h = c.hidden, nh = c.heads, d = h / nh;
  const std::string hint = b.dims_hint({{c.hidden_key, h}});
  ir::Attrs reshape_attrs = Builder::attr("allowzero", int64_t{0});
  auto perm = [](std::vector<int64_t> p) { return Builder::attr("perm", std::move(p)); };
  ValueId heads_shape = b.i64s(l + "/heads_shape", {0, 0, nh, d}, {4});
  // transpose_for_scores: [B, S, H] → [B, NH, S, D] → [B·NH, S, D]
  auto flat_heads = [&](ValueId y, const std::string& name) {
    ValueId r = b.node(Op::Reshape, l + "/Reshape_" + name, {y, heads_shape}, reshape_attrs);
    ValueId t = b.node(Op::Transpose, l + "/Transpose_" + name, {r}, perm({0, 2, 1, 3}));
    return b.node(Op::Reshape, l + "/Reshape_flat_" + name, {t, s.flat_shape}, reshape_attrs);
  };
  ValueId q = flat_heads(b.linear3d(x, l + ".query_proj", true, h, h, hint), "q");
  ValueId k = flat_heads(b.linear3d(x, l + ".key_proj", true, h, h, hint), "k");
  ValueId v = flat_heads(b.linear3d(x, l + ".value_proj", true, h, h, hint), "v");
  const int64_t factor = 1 + (c.relative_attention && c.c2p) + (c.relative_attention && c.p2c);
  ValueId scale = b.f32_scalar(l + "/scale", std::sqrt(static_cast<float>(d) * static_cast<float>(factor)));
  ValueId kt = b.node(Op::Div, l + "/Div", {b.node(Op::Transpose, l + "/Transpose_kt", {k}, perm({0, 2, 1})), scale});
  ValueId scores = b.node(Op::MatMul, l + "/MatMul", {q, kt});
  if (c.relative_attention) {
    // the projections of rel_embeddings, [B·NH, 2·span, D] (one copy per batch row)
    auto projection = [&](const std::string& module, const std::string& name) {
      ValueId y = b.linear3d(s.rel, module, true, h, h, hint);
      ValueId r = b.node(Op::Reshape, l + "/Reshape_" + name, {y, b.i64s(l + "/" + name + "_shape", {1, -1, nh, d}, {4})}, reshape_attrs);
      ValueId t = b.node(Op::Transpose, l + "/Transpose_" + name, {r}, perm({0, 2, 1, 3}));
      ValueId f = b.node(Op::Reshape, l + "/Reshape_flat_" + name, {t, b.i64s(l + "/" + name + "_flat", {nh, -1, d}, {3})}, reshape_attrs);
      ValueId tiled = b.node(Op::Tile, l + "/Tile_" + name, {f, s.repeats});
      return b.node(Op::Transpose, l + "/Transpose_t_" + name, {tiled}, perm({0, 2, 1}));
    };
    ValueId all = b.node(Op::Shape, l + "/Shape_scores", {scores});
    ir::Attrs last = Builder::attr("axis", int64_t{-1});
    if (c.c2p) {
      ValueId pk = projection(c.share_att_key ? l + ".key_proj" : l + ".pos_key_proj", "pos_key");
      ValueId idx = b.node(Op::Expand, l + "/Expand_c2p", {s.c2p_index, all});
      ValueId att = b.node(Op::GatherElements, l + "/GatherElements_c2p", {b.node(Op::MatMul, l + "/MatMul_c2p", {q, pk}), idx}, last);
      scores = b.node(Op::Add, l + "/Add_c2p", {scores, b.node(Op::Div, l + "/Div_c2p", {att, scale})});
    }
    if (c.p2c) {
      ValueId pq = projection(c.share_att_key ? l + ".query_proj" : l + ".pos_query_proj", "pos_query");
      ValueId idx = b.node(Op::Expand, l + "/Expand_p2c", {s.p2c_index, all});
      ValueId att = b.node(Op::GatherElements, l + "/GatherElements_p2c", {b.node(Op::MatMul, l + "/MatMul_p2c", {k, pq}), idx}, last);
      ValueId att_t = b.node(Op::Transpose, l + "/Transpose_p2c", {att}, perm({0, 2, 1}));
      scores = b.node(Op::Add, l + "/Add_p2c", {scores, b.node(Op::Div, l + "/Div_p2c", {att_t, scale})});
    }
  }
  ValueId scores4 = b.node(Op::Reshape, l + "/Reshape_scores", {scores, s.scores_shape}, reshape_attrs);
  ValueId masked = b.node(Op::Where, l + "/Where", {s.masked, b.f32_scalar(l + "/min", std::numeric_limits<float>::lowest()), scores4});
  ValueId probs = b.node(Op::Softmax, l + "/Softmax", {masked}, Builder::attr("axis", int64_t{-1}));
  ValueId probs3 = b.node(Op::Reshape, l + "/Reshape_probs", {probs, s.probs_shape}, reshape_attrs);
  ValueId ctx = b.node(Op::MatMul, l + "/MatMul_ctx", {probs3, v});
  ValueId ctx4 = b.node(Op::Reshape, l + "/Reshape_ctx", {ctx, s.heads4}, reshape_attrs);
  ValueId ct = b.node(Op::Transpose, l + "/Transpose_ctx", {ctx4}, perm({0, 2, 1, 3}));
  return b.node(Op::Reshape, l + "/Reshape_out", {ct, b.i64s(l + "/hidden_shape", {0, 0, h}, {3})}, reshape_attrs);
}

// DebertaV2Embeddings: word (+ absolute positions) (+ token types) → embed_proj when
// embedding_size ≠ hidden → LayerNorm → · mask.
ValueId deberta_embeddings(Builder& b, const Config& c, ValueId ids, ValueId mask_in, ValueId type_ids) {
  const std::string m = "embeddings";
  const int64_t e = c.embedding;
  const std::string width_key = e == c.hidden ? c.hidden_key : "embedding_size";
  ir::Attrs axis0 = Builder::attr("axis", int64_t{0});
  ValueId word_table = b.body_const(m + ".word_embeddings.weight", {c.vocab, e}, b.dims_hint({{"vocab_size", c.vocab}, {width_key, e}}));
  ValueId x = b.node(Op::Gather, m + ".word_embeddings/Gather", {word_table, ids}, axis0);
  if (c.position_biased) {
    ValueId pos_table = b.body_const(m + ".position_embeddings.weight", {c.max_pos, e},
                                     b.dims_hint({{"max_position_embeddings", c.max_pos}, {width_key, e}}));
    ValueId shape = b.node(Op::Shape, m + "/Shape", {ids});
    ValueId n = b.node(Op::Gather, m + "/Gather", {shape, b.i64_scalar(m + "/one", 1)}, axis0);
    ValueId r = b.node(Op::Range, m + "/Range", {b.i64_scalar(m + "/start", 0), n, b.i64_scalar(m + "/delta", 1)});
    ValueId pos_ids = b.node(Op::Unsqueeze, m + "/Unsqueeze", {r, b.i64s(m + "/axes0", {0}, {1})});
    x = b.node(Op::Add, m + "/Add", {x, b.node(Op::Gather, m + ".position_embeddings/Gather", {pos_table, pos_ids}, axis0)});
  }
  if (c.type_vocab > 0) {
    ValueId type_table = b.body_const(m + ".token_type_embeddings.weight", {c.type_vocab, e},
                                      b.dims_hint({{"type_vocab_size", c.type_vocab}, {width_key, e}}));
    x = b.node(Op::Add, m + "/Add_1", {x, b.node(Op::Gather, m + ".token_type_embeddings/Gather", {type_table, type_ids}, axis0)});
  }
  if (e != c.hidden) {
    x = b.linear3d(x, m + ".embed_proj", true, e, c.hidden, b.dims_hint({{"embedding_size", e}, {c.hidden_key, c.hidden}}),
                   "", false);
  }
  x = b.layer_norm(x, m + ".LayerNorm");
  ValueId mf = b.node(Op::Cast, m + "/Cast", {b.node(Op::Unsqueeze, m + "/Unsqueeze_mask", {mask_in, b.i64s(m + "/axes2", {2}, {1})})},
                      Builder::attr("to", static_cast<int64_t>(DType::kF32)));
  return b.node(Op::Mul, m + "/Mul", {x, mf});
}

// hidden[:, 0] as [B, H].
ValueId first_token(Builder& b, ValueId hidden, const std::string& module) {
  return b.node(Op::Gather, module + "/Gather", {hidden, b.i64_scalar(module + "/index0", 0)},
                Builder::attr("axis", int64_t{1}));
}

}  // namespace

bool is_hf_folder(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && (fs::is_regular_file(fs::path(dir) / "config.json", ec) ||
                                       !hf_model_subdir(dir).empty());
}

HfImport import_hf(const std::string& dir_arg) {
  std::error_code ec;
  if (!fs::is_directory(dir_arg, ec)) throw Error(dir_arg + ": no such folder");
  const fs::path dir = hf_model_dir(dir_arg);
  const fs::path config_path = dir / "config.json";
  if (!fs::is_regular_file(config_path, ec)) {
    throw Error(dir.string() + ": no config.json: not a Hugging Face model folder");
  }
  Config cfg = read_config(config_path);
  Weights w(open_weights(dir), cfg);
  check_layer_count(cfg, w);

  HfImport result;
  ir::Graph& g = result.graph;
  g.name = dir.filename().string().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  Builder b(g, cfg, w);
  const std::string fam = cfg.arch->family;
  ValueId ids = g.add_input("input_ids", ids_type());
  ValueId mask_in = g.add_input("attention_mask", ids_type());
  ValueId type_ids = ir::kNoValue;
  if (fam == "bert" || fam == "electra" || (fam == "deberta-v2" && cfg.type_vocab > 0)) {
    type_ids = g.add_input("token_type_ids", ids_type());
  }

  ValueId mask = b.extended_mask(mask_in);
  ValueId x;
  if (fam == "modernbert") {
    x = build_modernbert(b, cfg, ids, mask);
  } else if (fam == "deberta-v2") {
    x = deberta_embeddings(b, cfg, ids, mask_in, type_ids);
    const DebertaShared shared = deberta_shared(b, cfg, ids, mask_in);
    for (int64_t i = 0; i < cfg.layers; ++i) {
      const LayerModules modules = layer_modules(fam, i);
      x = layer_after_attention(b, cfg, x, deberta_attention(b, cfg, shared, x, modules.attention), modules,
                                i + 1 == cfg.layers);
    }
  } else {
    x = build_embeddings(b, cfg, ids, type_ids);
    const ValueId position_bias = fam == "mpnet" ? build_position_bias(b, cfg, ids) : ir::kNoValue;
    for (int64_t i = 0; i < cfg.layers; ++i) {
      const bool last = i + 1 == cfg.layers;
      x = build_layer(b, cfg, x, mask, position_bias, layer_modules(fam, i), last);
    }
  }
  const int64_t h = cfg.hidden;
  const std::string hh = b.dims_hint({{cfg.hidden_key, h}});
  int64_t num_labels = 0;
  if (cfg.arch->head == Head::none) {
    g.outputs.push_back(x);
    if (fam != "distilbert" && fam != "modernbert" && fam != "deberta-v2" && w.has_body("pooler.dense.weight")) {
      ValueId first = first_token(b, x, "pooler");
      ValueId dense = b.gemm(first, "pooler.dense", true, h, h, hh);
      ValueId pooled = b.node(Op::Tanh, "pooler/Tanh", {dense}, {}, "pooler_output");
      g.outputs.push_back(pooled);
    }
  } else {
    // The number of labels: id2label / num_labels, checked against the head's weight.
    const bool token = cfg.arch->head == Head::token;
    const std::string out_key = !token && (fam == "roberta" || fam == "electra" || fam == "mpnet")
                                    ? "classifier.out_proj.weight"
                                    : "classifier.weight";
    const Dims& out_shape = w.file().shape(out_key);
    if (out_shape.size() != 2) {
      throw Error(w.file().path() + ": tensor '" + out_key + "' has shape " + dims_str(out_shape) +
                  ", expected [num_labels, " + std::to_string(h) + "]");
    }
    num_labels = out_shape[0];
    const int64_t cfg_labels = cfg.labels.empty() ? cfg.num_labels : static_cast<int64_t>(cfg.labels.size());
    if (cfg_labels && cfg_labels != num_labels) {
      throw Error(cfg.path + " contradicts the weights: it has " + std::to_string(cfg_labels) +
                  " labels but '" + out_key + "' in " + w.file().path() + " has " + std::to_string(num_labels) +
                  " rows");
    }
    const std::string lh = b.dims_hint({{cfg.hidden_key, h}, {"labels", num_labels}});
    ValueId logits;
    if (token) {  // *ForTokenClassification: [B, S, labels]
      logits = b.linear3d(x, "classifier", false, h, num_labels, lh, "logits");
    } else if (fam == "bert") {
      ValueId first = first_token(b, x, "pooler");
      ValueId dense = b.gemm(first, "pooler.dense", true, h, h, hh);
      ValueId pooled = b.node(Op::Tanh, "pooler/Tanh", {dense});
      logits = b.gemm(pooled, "classifier", false, h, num_labels, lh, "logits");
    } else if (fam == "roberta" || fam == "mpnet") {  // MPNetClassificationHead is RoBERTa's
      ValueId first = first_token(b, x, "classifier");
      ValueId dense = b.gemm(first, "classifier.dense", false, h, h, hh);
      ValueId t = b.node(Op::Tanh, "classifier/Tanh", {dense});
      logits = b.gemm(t, "classifier.out_proj", false, h, num_labels, lh, "logits");
    } else if (fam == "modernbert") {  // pooling (cls or mean), head: dense → act → norm
      ValueId pooled;
      if (cfg.classifier_pooling == "cls") {
        pooled = first_token(b, x, "pooling");
      } else {  // (h · mask).sum(1) / mask.sum(1, keepdim)
        ValueId mf = b.node(Op::Cast, "pooling/Cast", {mask_in}, Builder::attr("to", static_cast<int64_t>(DType::kF32)));
        ValueId weighted = b.node(Op::Mul, "pooling/Mul",
                                  {x, b.node(Op::Unsqueeze, "pooling/Unsqueeze", {mf, b.i64s("pooling/axes_last", {-1}, {1})})});
        ir::Attrs sum_attrs = Builder::attr("keepdims", int64_t{0});
        ValueId sum = b.node(Op::ReduceSum, "pooling/ReduceSum", {weighted, b.i64s("pooling/axes1", {1}, {1})}, sum_attrs);
        ValueId count = b.node(Op::ReduceSum, "pooling/ReduceSum_1", {mf, b.i64s("pooling/axes1_1", {1}, {1})},
                               Builder::attr("keepdims", int64_t{1}));
        pooled = b.node(Op::Div, "pooling/Div", {sum, count});
      }
      ValueId dense = b.gemm(pooled, "head.dense", false, h, h, hh, "", cfg.classifier_bias);
      ValueId act = b.activation(dense, "head", cfg.classifier_act);
      ValueId norm = b.layer_norm(act, "head.norm", "", 0, cfg.norm_bias, false);
      logits = b.gemm(norm, "classifier", false, h, num_labels, lh, "logits");
    } else if (fam == "deberta-v2") {  // ContextPooler: dense → pooler_hidden_act, then the classifier
      ValueId first = first_token(b, x, "pooler");
      ValueId dense = b.gemm(first, "pooler.dense", false, h, h, hh);
      ValueId act = b.activation(dense, "pooler", cfg.pooler_act);
      logits = b.gemm(act, "classifier", false, h, num_labels, lh, "logits");
    } else if (fam == "electra") {  // ElectraClassificationHead: GELU (exact), not tanh
      ValueId first = first_token(b, x, "classifier");
      ValueId dense = b.gemm(first, "classifier.dense", false, h, h, hh);
      ValueId act = b.activation(dense, "classifier", "gelu");
      logits = b.gemm(act, "classifier.out_proj", false, h, num_labels, lh, "logits");
    } else {
      ValueId first = first_token(b, x, "pre_classifier");
      ValueId dense = b.gemm(first, "pre_classifier", false, h, h, hh);
      ValueId r = b.node(Op::Relu, "pre_classifier/Relu", {dense});
      logits = b.gemm(r, "classifier", false, h, num_labels, lh, "logits");
    }
    g.outputs.push_back(logits);
  }
  g.remove_dead();  // the last layer's output when a classifier does not expose it, etc.
  ir::infer_shapes(g, kernels::ref::evaluate);

  // The model's kind and labels, then the folder's tokenizer / pooling files.
  ModelInfo& info = result.info;
  info.architecture = cfg.arch->name;
  info.model_type = cfg.model_type;
  info.task = cfg.arch->head == Head::none       ? Task::embedding
              : cfg.arch->head == Head::sequence ? Task::classification
                                                 : Task::token_classification;
  info.max_positions = fam == "roberta" || fam == "mpnet" ? cfg.max_pos - cfg.pad_id - 1 : cfg.max_pos;
  if (cfg.arch->head != Head::none) {
    for (int64_t i = 0; i < num_labels; ++i) {
      info.labels.push_back(cfg.labels.empty() ? "LABEL_" + std::to_string(i)
                                               : cfg.labels[static_cast<size_t>(i)]);
    }
    info.problem_type = cfg.problem_type;
  }
  add_folder_files_info(dir_arg, cfg.hidden, info);
  return result;
}

}  // namespace bertc::frontend::hf
