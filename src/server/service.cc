#include "server/service.h"

#include <nlohmann/json.hpp>

#include "bertc/error.h"
#include "server/api_error.h"
#include "server/responses.h"

namespace bertc::server {

namespace {

std::vector<EncodeInput> encode_inputs(const Request& r) {
  std::vector<EncodeInput> inputs;
  inputs.reserve(r.inputs.size());
  for (const TextInput& in : r.inputs) {
    inputs.emplace_back(std::string_view(in.text),
                        in.pair ? std::optional<std::string_view>(*in.pair) : std::nullopt);
  }
  return inputs;
}

}  // namespace

Service::Service(Pipeline& pipeline, const ServeOptions& options)
    : pipeline_(pipeline), options_(options) {}

void Service::require_task(Route route) const {
  const bool classifier = pipeline_.task() == Task::classification;
  const std::size_t labels = classifier ? pipeline_.labels().size() : 0;
  switch (route) {
    case Route::embed:
    case Route::openai_embeddings:
      if (classifier) {
        throw wrong_model(std::string("model is not an embedding model: it is a classifier with ") +
                          std::to_string(labels) + " labels (use /predict" +
                          (labels == 1 ? " or /rerank)" : ")"));
      }
      return;
    case Route::predict:
      if (!classifier) throw wrong_model("model is not a classifier model: it is an embedding model (use /embed)");
      return;
    case Route::rerank:
      if (!classifier) throw wrong_model("model is not a re-ranker model: it is an embedding model (use /embed)");
      if (labels != 1) {
        throw wrong_model("model is not a re-ranker model: a cross-encoder has one label, this classifier has " +
                          std::to_string(labels) + " (use /predict)");
      }
      return;
    case Route::tokenize:
    case Route::decode:
      return;
  }
}

// A request's prompt_name: one of the model's prompts ("" for none). Pooling that leaves the
// prompt's tokens out (include_prompt false) counts them for the default prompt only, so an
// embedding with another prompt is refused rather than pooled wrongly.
void Service::check_prompt(const std::string& name, Route route) const {
  if (name.empty()) return;
  const auto& prompts = pipeline_.prompts();
  if (!prompts.count(name)) {
    std::string names;
    for (const auto& [k, v] : prompts) names += (names.empty() ? "" : ", ") + k;
    throw validation("`prompt_name` '" + name + "' is not one of the model's prompts" +
                     (names.empty() ? std::string(" (it has none)") : " (" + names + ")"));
  }
  if (route == Route::embed && !pipeline_.include_prompt() && name != pipeline_.default_prompt_name()) {
    throw validation("`prompt_name` '" + name + "': this model pools without its prompt's tokens "
                     "(include_prompt false), which bertc serve counts for the default prompt ('" +
                     pipeline_.default_prompt_name() + "') only");
  }
}

Prepared Service::prepare(Route route, std::string_view body) const {
  Prepared p;
  p.request = parse_request(route, body, {options_.max_client_batch_size, options_.max_json_depth});
  const Request& r = p.request;
  require_task(route);
  if (route == Route::decode) {
    const Tokenizer& tok = pipeline_.tokenizer();
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < r.ids.size(); ++i) {
      for (std::size_t k = 0; k < r.ids[i].size(); ++k) {
        if (static_cast<std::size_t>(r.ids[i][k]) >= tok.vocab_size()) {
          throw validation("`ids" + (r.batch ? "[" + std::to_string(i) + "]" : std::string()) + "[" +
                           std::to_string(k) + "]`: token id " + std::to_string(r.ids[i][k]) +
                           " is outside the vocabulary (" + std::to_string(tok.vocab_size()) + " tokens)");
        }
      }
      texts.push_back(tok.decode(r.ids[i], r.skip_special_tokens));
      p.tokens += r.ids[i].size();
    }
    p.reply.body = decode_response(texts);
    return p;
  }
  std::vector<EncodeInput> inputs = encode_inputs(r);
  if (r.prompt_name) check_prompt(*r.prompt_name, route);
  std::vector<Encoding> encodings;
  std::vector<std::string> prompted;  // /tokenize: the texts with their prompt (inputs view them)
  try {
    if (route == Route::tokenize) {
      TokenizerOptions opts = pipeline_.tokenizer().options();
      opts.padding.reset();
      opts.truncation.reset();
      opts.add_special_tokens = r.add_special_tokens;
      opts.return_tokens = true;
      opts.return_offsets = true;
      // A named prompt goes before each text, whose offsets then count from the prompt's start.
      if (r.prompt_name && !r.prompt_name->empty()) {
        const std::string& prompt = pipeline_.prompts().at(*r.prompt_name);
        prompted.reserve(inputs.size());
        for (EncodeInput& in : inputs) in.text = prompted.emplace_back(prompt + std::string(in.text));
      }
      encodings = pipeline_.tokenizer().encode_batch(inputs, opts);
    } else {
      encodings = pipeline_.encode(inputs, r.truncate || options_.auto_truncate, r.prompt_name);
    }
  } catch (const Error& e) {
    throw tokenizer_error(e.what());
  }
  const std::size_t max = pipeline_.max_length();
  for (std::size_t i = 0; i < encodings.size(); ++i) {
    p.tokens += encodings[i].size();
    if (route != Route::tokenize && max && encodings[i].size() > max) {
      throw validation("`inputs[" + std::to_string(i) + "]` must have less than " +
                       std::to_string(max + 1) + " tokens. Given: " + std::to_string(encodings[i].size()) +
                       " (set `truncate` to cut it)");
    }
  }
  if (route == Route::tokenize) {
    p.reply.body = tokenize_response(inputs, encodings);
    return p;
  }
  p.job = std::make_shared<Job>();
  p.job->kind = route == Route::embed || route == Route::openai_embeddings ? Job::Kind::embed
                                                                          : Job::Kind::classify;
  p.job->normalize = route == Route::openai_embeddings || r.normalize;
  p.job->encodings = std::move(encodings);
  return p;
}

Reply Service::finish(const Prepared& p) const {
  const Job& job = *p.job;
  if (!job.error.empty()) throw ApiError(424, "backend", job.error);
  Reply reply;
  switch (p.request.route) {
    case Route::embed:
      reply.body = embed_response(job.embeddings);
      break;
    case Route::openai_embeddings:
      reply.body = openai_response(job.embeddings, p.request.base64,
                                   p.request.model.empty() ? options_.model_id : p.request.model, p.tokens);
      break;
    case Route::predict:
      reply.body = predict_response(p.request, job.classes, pipeline_.labels());
      break;
    case Route::rerank:
      reply.body = rerank_response(p.request, job.classes);
      break;
    case Route::tokenize:
    case Route::decode:
      throw ApiError(500, "backend", std::string("no job runs for ") + route_path(p.request.route));
  }
  return reply;
}

std::string Service::info() const {
  using nlohmann::json;
  json model_type;
  if (pipeline_.task() == Task::classification) {
    json id2label = json::object(), label2id = json::object();
    const std::vector<std::string>& labels = pipeline_.labels();
    for (std::size_t i = 0; i < labels.size(); ++i) {
      id2label[std::to_string(i)] = labels[i];
      label2id[labels[i]] = i;
    }
    model_type[labels.size() == 1 ? "reranker" : "classifier"] = {{"id2label", id2label},
                                                                  {"label2id", label2id}};
  } else {
    std::string pooling;
    for (const std::string& mode : pipeline_.pooling()) pooling += (pooling.empty() ? "" : "+") + mode;
    model_type["embedding"] = {{"pooling", pooling.empty() ? "cls" : pooling}};
  }
  const json info = {
      {"model_id", options_.model_id},
      {"model_sha", nullptr},
      {"model_dtype", "float32"},
      {"model_type", model_type},
      {"max_concurrent_requests", options_.max_concurrent_requests},
      {"max_input_length", pipeline_.max_length()},
      {"max_batch_tokens", options_.max_batch_tokens},
      {"max_batch_requests", options_.max_batch_requests ? json(options_.max_batch_requests) : json(nullptr)},
      {"max_client_batch_size", options_.max_client_batch_size},
      {"auto_truncate", options_.auto_truncate},
      {"tokenization_workers", options_.io_threads},
      {"version", BERTC_VERSION},
      {"sha", nullptr},
      {"docker_label", nullptr},
  };
  return info.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace bertc::server
