#include "server/requests.h"

#include "base/json_text.h"
#include "bertc/error.h"
#include "server/api_error.h"

namespace bertc::server {

using nlohmann::json;

const char* route_path(Route route) {
  switch (route) {
    case Route::embed: return "/embed";
    case Route::predict: return "/predict";
    case Route::rerank: return "/rerank";
    case Route::tokenize: return "/tokenize";
    case Route::decode: return "/decode";
    case Route::openai_embeddings: return "/v1/embeddings";
  }
  return "?";
}

namespace {

const char* type_name(const json& j) { return j.type_name(); }

std::string as_string(const json& j, const std::string& what) {
  if (!j.is_string()) throw validation("`" + what + "` must be a string, not " + type_name(j));
  return j.get<std::string>();
}

bool flag(const json& body, const char* name, bool fallback) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    throw validation(std::string("`") + name + "` must be true or false, not " + type_name(*it));
  }
  return it->get<bool>();
}

const json& required(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) throw validation(std::string("`") + name + "` is missing");
  return *it;
}

// `inputs` of /embed, /tokenize and `input` of /v1/embeddings: a string or a list of strings.
void read_texts(const json& j, const char* name, Request& r) {
  if (j.is_string()) {
    r.batch = false;
    r.inputs.push_back({j.get<std::string>(), std::nullopt});
    return;
  }
  if (!j.is_array()) {
    throw validation(std::string("`") + name + "` must be a string or a list of strings, not " +
                     type_name(j));
  }
  r.inputs.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    r.inputs.push_back({as_string(j[i], std::string(name) + "[" + std::to_string(i) + "]"),
                        std::nullopt});
  }
}

// /predict's `inputs`: a string, a pair [text, pair], or a list of [text] / [text, pair].
void read_predict_inputs(const json& j, Request& r) {
  if (j.is_string()) {
    r.batch = false;
    r.inputs.push_back({j.get<std::string>(), std::nullopt});
    return;
  }
  if (!j.is_array()) throw validation(std::string("`inputs` must be a string or a list, not ") + type_name(j));
  if (!j.empty() && j[0].is_string()) {  // one input: [text] or [text, pair]
    if (j.size() > 2) {
      throw validation("`inputs` as a list of strings is one input, [text] or [text, pair]; it has " +
                       std::to_string(j.size()) + " strings (a batch is a list of lists)");
    }
    r.batch = false;
    r.inputs.push_back({as_string(j[0], "inputs[0]"),
                        j.size() == 2 ? std::optional(as_string(j[1], "inputs[1]")) : std::nullopt});
    return;
  }
  r.inputs.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = "inputs[" + std::to_string(i) + "]";
    const json& item = j[i];
    if (!item.is_array() || item.empty() || item.size() > 2) {
      throw validation("`" + at + "` must be [text] or [text, pair]");
    }
    r.inputs.push_back({as_string(item[0], at + "[0]"),
                        item.size() == 2 ? std::optional(as_string(item[1], at + "[1]")) : std::nullopt});
  }
}

// /decode's `ids`: a list of token ids (one input), or a list of such lists.
void read_ids(const json& j, Request& r) {
  if (!j.is_array()) throw validation(std::string("`ids` must be a list of token ids or a list of lists, not ") + type_name(j));
  auto read_one = [](const json& list, const std::string& at) {
    std::vector<int64_t> out;
    out.reserve(list.size());
    for (std::size_t k = 0; k < list.size(); ++k) {
      const json& v = list[k];
      if (!v.is_number_integer() || v.get<int64_t>() < 0) {
        throw validation("`" + at + "[" + std::to_string(k) + "]` must be a token id (an integer >= 0), not " +
                         base::json_excerpt(v));
      }
      out.push_back(v.get<int64_t>());
    }
    return out;
  };
  if (j.empty() || !j[0].is_array()) {
    r.batch = false;
    r.ids.push_back(read_one(j, "ids"));
    return;
  }
  r.ids.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = "ids[" + std::to_string(i) + "]";
    if (!j[i].is_array()) throw validation("`" + at + "` must be a list of token ids, not " + type_name(j[i]));
    r.ids.push_back(read_one(j[i], at));
  }
}

}  // namespace

Request parse_request(Route route, std::string_view body, const RequestLimits& limits) {
  json j;
  try {
    j = base::parse_json(body, "request body", limits.max_json_depth);
  } catch (const Error& e) {
    throw malformed(e.what());
  }
  if (!j.is_object()) throw malformed(std::string("the body must be a JSON object, not ") + type_name(j));
  Request r;
  r.route = route;
  r.truncate = flag(j, "truncate", false);
  if (const auto it = j.find("truncation_direction"); it != j.end() && !it->is_null()) {
    const std::string dir = as_string(*it, "truncation_direction");
    if (dir != "Right" && dir != "right") {
      throw validation("`truncation_direction` '" + dir + "' is not supported (only Right)");
    }
  }
  if (const auto it = j.find("prompt_name"); it != j.end() && !it->is_null()) {
    if (route != Route::embed && route != Route::tokenize) {
      throw validation(std::string("`prompt_name` applies to /embed and /tokenize, not ") + route_path(route));
    }
    r.prompt_name = as_string(*it, "prompt_name");
  }
  switch (route) {
    case Route::embed:
      read_texts(required(j, "inputs"), "inputs", r);
      r.normalize = flag(j, "normalize", true);
      break;
    case Route::tokenize:
      read_texts(required(j, "inputs"), "inputs", r);
      r.add_special_tokens = flag(j, "add_special_tokens", true);
      break;
    case Route::decode:
      read_ids(required(j, "ids"), r);
      r.skip_special_tokens = flag(j, "skip_special_tokens", true);
      break;
    case Route::predict:
      read_predict_inputs(required(j, "inputs"), r);
      r.raw_scores = flag(j, "raw_scores", false);
      break;
    case Route::rerank: {
      const std::string query = as_string(required(j, "query"), "query");
      const json& texts = required(j, "texts");
      if (!texts.is_array()) throw validation(std::string("`texts` must be a list of strings, not ") + type_name(texts));
      r.inputs.reserve(texts.size());
      for (std::size_t i = 0; i < texts.size(); ++i) {
        r.inputs.push_back({query, as_string(texts[i], "texts[" + std::to_string(i) + "]")});
      }
      r.raw_scores = flag(j, "raw_scores", false);
      r.return_text = flag(j, "return_text", false);
      break;
    }
    case Route::openai_embeddings: {
      const json& input = required(j, "input");
      if (input.is_array() && !input.empty() && (input[0].is_number() || input[0].is_array())) {
        throw validation("`input` as token ids is not supported: send text");
      }
      read_texts(input, "input", r);
      if (const auto it = j.find("model"); it != j.end() && !it->is_null()) r.model = as_string(*it, "model");
      if (const auto it = j.find("encoding_format"); it != j.end() && !it->is_null()) {
        const std::string f = as_string(*it, "encoding_format");
        if (f != "float" && f != "base64") {
          throw validation("`encoding_format` must be \"float\" or \"base64\", not \"" + f + "\"");
        }
        r.base64 = f == "base64";
      }
      if (const auto it = j.find("dimensions"); it != j.end() && !it->is_null()) {
        throw validation("`dimensions` is not supported: the model gives its full embedding");
      }
      break;
    }
  }
  const std::size_t n = route == Route::decode ? r.ids.size() : r.inputs.size();
  if (n == 0 || (route == Route::decode && r.ids.front().empty())) {
    throw empty_input(route == Route::rerank   ? "`texts` cannot be empty"
                      : route == Route::decode ? "`ids` cannot be empty"
                                               : "`inputs` cannot be empty");
  }
  if (n > limits.max_client_batch_size) {
    throw too_many_inputs("batch size " + std::to_string(n) +
                          " > maximum allowed batch size " + std::to_string(limits.max_client_batch_size));
  }
  return r;
}

}  // namespace bertc::server
