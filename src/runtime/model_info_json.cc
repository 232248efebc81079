#include "runtime/model_info_json.h"

#include <type_traits>

#include "base/json_text.h"
#include "bertc/error.h"

namespace bertc::runtime {
namespace {

using json = nlohmann::json;

// Every field of ModelInfo but `task`, with its JSON key: the one list both directions use.
// Fields added after bundle version 2 are optional when read (a bundle without them has the
// defaults).
template <typename Info, typename F>
void each_field(Info& info, F&& f) {
  f("architecture", info.architecture);
  f("model_type", info.model_type);
  f("max_positions", info.max_positions);
  f("labels", info.labels);
  f("problem_type", info.problem_type);
  f("tokenizer_files", info.tokenizer_files);
  f("tokenizer_error", info.tokenizer_error);
  f("pooling", info.pooling);
  f("normalize", info.normalize);
  f("max_length", info.max_length);
  f("embedding_error", info.embedding_error);
  f("prompts", info.prompts, true);
  f("default_prompt_name", info.default_prompt_name, true);
  f("include_prompt", info.include_prompt, true);
}

constexpr std::pair<Task, const char*> kTaskNames[] = {
    {Task::classification, "classification"},
    {Task::embedding, "embedding"},
    {Task::token_classification, "token_classification"},
};

const char* task_name(Task task) {
  for (const auto& [t, name] : kTaskNames) {
    if (t == task) return name;
  }
  return "?";
}

}  // namespace

json model_info_to_json(const ModelInfo& info, const TensorWriter& write) {
  json j = json::object();
  each_field(info, [&](const char* key, const auto& value, bool = false) { j[key] = value; });
  j["task"] = info.task ? json(task_name(*info.task)) : json(nullptr);
  json dense = json::array();
  for (const DenseModule& d : info.dense) {
    dense.push_back({{"weight", write(d.weight)},
                     {"bias", d.bias.defined() ? write(d.bias) : json(nullptr)},
                     {"activation", d.activation}});
  }
  j["dense"] = std::move(dense);
  return j;
}

ModelInfo model_info_from_json(const json& j, const std::string& where, const TensorReader& read) {
  if (!j.is_object()) throw Error(where + ": model info is " + base::json_excerpt(j) + ", not an object");
  ModelInfo info;
  each_field(info, [&](const char* key, auto& value, bool optional = false) {
    if (!j.contains(key)) {
      if (optional) return;
      throw Error(where + ": model info has no '" + key + "'");
    }
    const json& v = j.at(key);
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, int64_t>) {
      value = base::json_int(v, where + ": model info '" + key + "'");
    } else {
      try {
        v.get_to(value);
      } catch (const json::exception&) {
        throw Error(where + ": model info '" + key + "' is " + base::json_excerpt(v));
      }
    }
  });
  if (!j.contains("task")) throw Error(where + ": model info has no 'task'");
  const json& task = j.at("task");
  for (const auto& [t, name] : kTaskNames) {
    if (task == name) info.task = t;
  }
  if (!info.task && !task.is_null()) {
    throw Error(where + ": model info 'task' is " + base::json_excerpt(task) +
                " (classification, embedding, token_classification or null)");
  }
  if (const auto it = j.find("dense"); it != j.end()) {  // optional: older bundles have none
    if (!it->is_array()) throw Error(where + ": model info 'dense' is " + base::json_excerpt(*it));
    for (const json& d : *it) {
      if (!d.is_object() || !d.contains("weight") || !d.contains("bias") ||
          !d.contains("activation") || !d["activation"].is_string()) {
        throw Error(where + ": model info 'dense' has " + base::json_excerpt(d));
      }
      DenseModule m{read(d["weight"]), d["bias"].is_null() ? Tensor() : read(d["bias"]),
                    d["activation"].get<std::string>()};
      const Dims& w = m.weight.shape();
      if (m.weight.dtype() != DType::kF32 || w.size() != 2 ||
          (m.bias.defined() && (m.bias.dtype() != DType::kF32 || m.bias.shape() != Dims{w[0]}))) {
        throw Error(where + ": model info 'dense' has weights of shape " + dims_str(w) +
                    (m.bias.defined() ? " and bias " + dims_str(m.bias.shape()) : ""));
      }
      info.dense.push_back(std::move(m));
    }
  }
  if (info.max_positions < 0 || info.max_length < 0) {
    throw Error(where + ": model info has a negative max_positions or max_length");
  }
  return info;
}

}  // namespace bertc::runtime
