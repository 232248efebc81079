// `bertc rerank MODEL --query "..." (--doc "..." ... | --file docs.txt) [--top-k K] [--json]`:
// scores each (query, document) pair with a one-label cross-encoder (Pipeline::rerank: its
// sigmoid, as sentence-transformers' CrossEncoder.rank) and prints the documents best first.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bertc/error.h"
#include "bertc/pipeline.h"
#include "commands.h"
#include "run_text.h"

namespace bertc::cli {

namespace {

struct RerankArgs {
  std::string model;
  std::string query;
  std::vector<std::string> docs;
  std::string file;
  std::size_t top_k = 0;
  bool json = false;
  int threads = 0;
  int opt_level = 3;
  int64_t max_batch_tokens = 4096;
};

void run_rerank(const RerankArgs& args) {
  const std::vector<std::string> docs = args.file.empty() ? args.docs : read_lines(args.file);
  if (docs.empty()) throw Error("no documents: give --doc (repeatable) or --file");
  if (args.max_batch_tokens < 1) throw Error("--max-batch-tokens must be at least 1");
  PipelineOptions options;
  options.compile.opt_level = args.opt_level;
  options.session.num_threads = args.threads;
  options.max_batch_tokens = static_cast<std::size_t>(args.max_batch_tokens);
  Pipeline pipeline = Pipeline::load(args.model, std::move(options));
  const std::vector<Ranked> ranked = pipeline.rerank(args.query, docs, args.top_k);
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    const Ranked& r = ranked[rank];
    if (args.json) {
      const nlohmann::ordered_json j = {{"index", r.index}, {"score", r.score}, {"text", docs[r.index]}};
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    } else {
      std::printf("%3zu. %.4f  [%zu] %s\n", rank + 1, r.score, r.index, docs[r.index].c_str());
    }
  }
}

}  // namespace

void add_rerank_command(CLI::App& app) {
  auto args = std::make_shared<RerankArgs>();
  CLI::App* cmd = app.add_subcommand(
      "rerank", "Rank documents for a query with a cross-encoder (a one-label classifier), best first");
  cmd->add_option("model", args->model, "model.bertc, or a Hugging Face model folder")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--query", args->query, "the query")->required();
  cmd->add_option("--doc", args->docs, "a document (repeatable)");
  cmd->add_option("--file", args->file, "a file of documents, one per line")->check(CLI::ExistingFile);
  cmd->add_option("--top-k", args->top_k, "print the best K only (default: all)");
  cmd->add_flag("--json", args->json, "one JSON object per document, best first: index, score, text");
  cmd->add_option("--max-batch-tokens", args->max_batch_tokens, "tokens per batch (default 4096)");
  cmd->add_option("--threads", args->threads, "threads (default: the CPUs this process may use)");
  cmd->add_option("-O", args->opt_level, "optimization level 0..3 for a folder (default 3)")
      ->check(CLI::Range(0, 3));
  cmd->callback([args] { run_rerank(*args); });
}

}  // namespace bertc::cli
