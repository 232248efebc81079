// bertc serve MODEL — an HTTP server with text-embeddings-inference's routes (see
// include/bertc/server.h and the README's "Serving").
#include <cstdlib>
#include <filesystem>

#include "bertc/error.h"
#include "bertc/pipeline.h"
#include "commands.h"
#include "bertc/server.h"

namespace bertc::cli {
namespace {

struct ServeArgs {
  std::string model;
  ServeOptions options;
  int threads = 0;
  int opt_level = 3;
  bool no_fast_math = false;
  double read_timeout_s = 30, write_timeout_s = 30;
};

// Runs a short and a full batch so that the first requests find the threads started, the
// weights in memory and the plans built.
void warm_up(Pipeline& pipeline, std::size_t max_batch_tokens) {
  std::string longer;
  for (int i = 0; i < 60; ++i) longer += "warm up the model before the first request ";
  const std::vector<EncodeInput> one = {EncodeInput("warm up")};
  std::vector<Encoding> batch = pipeline.encode(std::vector<EncodeInput>{EncodeInput(longer)});
  const std::size_t per = std::max<std::size_t>(batch.front().size(), 1);
  batch.resize(std::clamp<std::size_t>(max_batch_tokens / per, 1, 64), batch.front());
  for (const std::vector<Encoding>& encodings : {pipeline.encode(one), batch}) {
    if (pipeline.task() == Task::classification) {
      pipeline.classify(encodings);
    } else {
      pipeline.embed(encodings);
    }
  }
}

void run_serve(ServeArgs& args) {
  ServeOptions& o = args.options;
  if (o.max_batch_tokens < 1) throw Error("--max-batch-tokens must be at least 1");
  if (o.max_concurrent_requests < 1) throw Error("--max-concurrent-requests must be at least 1");
  if (o.max_client_batch_size < 1) throw Error("--max-client-batch-size must be at least 1");
  if (o.api_key.empty()) {
    if (const char* key = std::getenv("BERTC_API_KEY")) o.api_key = key;
  }
  if (o.model_id.empty()) {
    o.model_id = std::filesystem::path(args.model).lexically_normal().filename().string();
    if (o.model_id.empty()) o.model_id = std::filesystem::path(args.model).parent_path().filename().string();
  }
  o.read_timeout = std::chrono::milliseconds(static_cast<long>(args.read_timeout_s * 1e3));
  o.write_timeout = std::chrono::milliseconds(static_cast<long>(args.write_timeout_s * 1e3));

  Server srv(o);  // listening: /health says 503 until the model is ready
  srv.stop_on_signals();
  PipelineOptions options{.compile = CompileOptions{.opt_level = args.opt_level, .fast_math = !args.no_fast_math},
                          .session = {args.threads},
                          .max_batch_tokens = o.max_batch_tokens,
                          .normalize = false,
                          .progress = {}};
  Pipeline pipeline = Pipeline::load(args.model, std::move(options));
  if (pipeline.task() == Task::token_classification) {
    throw Error(args.model + ": is a token classifier; bertc serve has TEI's routes for embedding "
                "models, classifiers and re-rankers (use bertc run --text ... --aggregation)");
  }
  if (pipeline.task() == Task::embedding) pipeline.tokenizer();  // a model without text fails here
  warm_up(pipeline, o.max_batch_tokens);
  srv.set_ready(pipeline);
  srv.wait();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  ServeOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve a model over HTTP with text-embeddings-inference's routes (/embed, /predict, "
               "/rerank, /tokenize, /v1/embeddings, /health, /info, /metrics)");
  cmd->add_option("model", args->model, "model.bertc, or a Hugging Face model folder")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--host", o.host, "address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", o.port, "port (default 8080; 0: any free port, printed on start)");
  cmd->add_option("--threads", args->threads, "inference threads (default: the CPUs this process may use)");
  cmd->add_option("--io-threads", o.io_threads, "threads that read, tokenize and write (default 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--max-batch-tokens", o.max_batch_tokens,
                  "tokens per inference batch, across requests (default 4096)");
  cmd->add_option("--max-batch-requests", o.max_batch_requests,
                  "requests one batch may mix (default: any; 1 turns cross-request batching off)");
  cmd->add_option("--max-concurrent-requests", o.max_concurrent_requests,
                  "inference requests in flight before new ones get 429 (default 512)");
  cmd->add_option("--max-client-batch-size", o.max_client_batch_size,
                  "inputs per request before 413 (default 32)");
  cmd->add_flag("--auto-truncate", o.auto_truncate,
                "truncate inputs longer than the model takes even when the request does not ask");
  cmd->add_option("--api-key", o.api_key,
                  "require 'Authorization: Bearer KEY' on every route but /health (or env BERTC_API_KEY)");
  cmd->add_option("--model-id", o.model_id, "the model's name in /info and /v1/embeddings (default: MODEL's name)");
  cmd->add_option("--payload-limit", o.payload_limit, "largest request body in bytes (default 2000000)");
  cmd->add_option("--read-timeout", args->read_timeout_s,
                  "seconds to read one request, and to keep an idle connection (default 30)");
  cmd->add_option("--write-timeout", args->write_timeout_s, "seconds to write one response (default 30)");
  cmd->add_option("-O", args->opt_level, "optimization level 0..3 for a folder (default 3)")
      ->check(CLI::Range(0, 3));
  cmd->add_flag("--no-fast-math", args->no_fast_math,
                "for a folder: exact erf/exp/tanh instead of fast approximations");
  cmd->callback([args] { run_serve(*args); });
}

}  // namespace bertc::cli
