#include "server/responses.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>

#include <boost/beast/core/detail/base64.hpp>
#include <nlohmann/json.hpp>

namespace bertc::server {

namespace {

// JSON has no NaN or infinity: they are written as null.
void append_float(std::string& out, float v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_vector(std::string& out, const std::vector<float>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_float(out, v[i]);
  }
  out += ']';
}

std::string base64(const std::vector<float>& v) {
  namespace b64 = boost::beast::detail::base64;
  std::string bytes(v.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), v.data(), bytes.size());  // x86-64 is little-endian
  std::string out(b64::encoded_size(bytes.size()), '\0');
  out.resize(b64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

std::string embed_response(const std::vector<std::vector<float>>& embeddings) {
  std::string out = "[";
  for (std::size_t i = 0; i < embeddings.size(); ++i) {
    if (i) out += ',';
    append_vector(out, embeddings[i]);
  }
  out += ']';
  return out;
}

std::string openai_response(const std::vector<std::vector<float>>& embeddings, bool as_base64,
                            const std::string& model, std::size_t prompt_tokens) {
  std::string out = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < embeddings.size(); ++i) {
    if (i) out += ',';
    out += R"({"object":"embedding","embedding":)";
    if (as_base64) {
      out += '"' + base64(embeddings[i]) + '"';
    } else {
      append_vector(out, embeddings[i]);
    }
    out += R"(,"index":)" + std::to_string(i) + '}';
  }
  out += R"(],"model":)" + quoted(model) + R"(,"usage":{"prompt_tokens":)" +
         std::to_string(prompt_tokens) + R"(,"total_tokens":)" + std::to_string(prompt_tokens) + "}}";
  return out;
}

std::string predict_response(const Request& request, const std::vector<Classification>& results,
                             const std::vector<std::string>& labels) {
  std::string out = request.batch ? "[" : "";
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    const std::vector<float>& scores =
        request.raw_scores ? results[i].logits : results[i].probabilities;
    out += '[';
    bool first = true;
    for (const Ranked& r : rank_by_score(scores)) {
      if (!first) out += ',';
      first = false;
      out += R"({"score":)";
      append_float(out, r.score);
      out += R"(,"label":)" + quoted(labels.at(r.index)) + '}';
    }
    out += ']';
  }
  if (request.batch) out += ']';
  return out;
}

std::string rerank_response(const Request& request, const std::vector<Classification>& results) {
  std::vector<float> scores;
  scores.reserve(results.size());
  for (const Classification& c : results) {
    scores.push_back(request.raw_scores ? c.logits.at(0) : c.probabilities.at(0));
  }
  std::string out = "[";
  bool first = true;
  for (const Ranked& r : rank_by_score(scores)) {
    if (!first) out += ',';
    first = false;
    out += R"({"index":)" + std::to_string(r.index);
    if (request.return_text) out += R"(,"text":)" + quoted(*request.inputs[r.index].pair);
    out += R"(,"score":)";
    append_float(out, r.score);
    out += '}';
  }
  out += ']';
  return out;
}

std::string decode_response(const std::vector<std::string>& texts) {
  return nlohmann::json(texts).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string tokenize_response(std::span<const EncodeInput> inputs, const std::vector<Encoding>& encodings) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < encodings.size(); ++i) {
    const Encoding& e = encodings[i];
    const std::string_view text = inputs[i].text;
    nlohmann::json tokens = nlohmann::json::array();
    for (std::size_t t = 0; t < e.size(); ++t) {
      if (e.special_tokens_mask[t]) {
        tokens.push_back({{"id", e.ids[t]}, {"text", e.tokens[t]}, {"special", true}, {"start", nullptr},
                          {"stop", nullptr}});
        continue;
      }
      const auto [begin, end] = e.offsets[t];
      tokens.push_back({{"id", e.ids[t]},
                        {"text", text.substr(begin, end - begin)},
                        {"special", false},
                        {"start", begin},
                        {"stop", end}});
    }
    out.push_back(std::move(tokens));
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_body(const ApiError& error, bool openai) {
  if (openai) {
    return nlohmann::json{{"message", error.what()}, {"code", error.status}, {"type", error.type}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return nlohmann::json{{"error", error.what()}, {"error_type", error.type}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bertc::server
