// bertc run MODEL — MODEL is a .bertc bundle or a Hugging Face model folder (compiled on the fly)
//   text:    --text "..." [--text-pair "..."] (repeatable) | --file texts.txt
//            [--json] [--normalize] [--max-batch-tokens N] [--progress]
//            a classifier prints its labels with probabilities, an encoder its sentence embedding
//   tensors: --input NAME=FILE.npy ... [--output-dir DIR]: writes DIR/<output>.npy
//   both:    [--threads N]; for a folder: [-O N] [--no-fast-math]
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "bertc/error.h"
#include "bertc/npy.h"
#include "bertc/pipeline.h"
#include "commands.h"
#include "run_text.h"

namespace bertc::cli {
namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string output_dir = ".";
  int threads = 0;
  int opt_level = 3;
  bool no_fast_math = false;
  TextRunArgs text;
  bool normalize = false;
  int64_t max_batch_tokens = 4096;
  bool progress = false;
};

// Output names may hold characters that are not safe in file names ("/" in ONNX names).
std::string file_name_for(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == '/' || c == '\\' || c == ':') c = '_';
  }
  return out;
}

void run_tensors(Session& session, const RunArgs& args) {
  for (const std::string& spec : args.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--input expects NAME=FILE.npy, got '" + spec + "'");
    }
    session.set_input(spec.substr(0, eq), read_npy(spec.substr(eq + 1)));
  }
  session.run();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(args.output_dir, ec) && !fs::is_directory(args.output_dir, ec)) {
    throw Error("--output-dir " + args.output_dir + ": exists and is not a folder");
  }
  fs::create_directories(args.output_dir, ec);
  if (ec) throw Error("--output-dir " + args.output_dir + ": cannot create it: " + ec.message());
  std::vector<std::pair<std::string, const Tensor*>> files;
  for (const std::string& name : session.output_names()) {
    files.emplace_back(fs::path(args.output_dir) / (file_name_for(name) + ".npy"),
                       &session.get_output(name));
  }
  write_npys(files);  // all or nothing
  for (size_t i = 0; i < files.size(); ++i) {
    const Tensor& out = *files[i].second;
    std::printf("%s: %s %s -> %s\n", session.output_names()[i].c_str(), dtype_name(out.dtype()),
                dims_str(out.shape()).c_str(), files[i].first.c_str());
  }
}

void run_run(const RunArgs& args) {
  const bool text_mode = !args.text.texts.empty() || !args.text.file.empty();
  if (text_mode == !args.inputs.empty()) {
    throw Error(text_mode ? "give either text (--text / --file) or tensors (--input), not both"
                          : "nothing to run: give --text \"...\", --file texts.txt or "
                            "--input NAME=FILE.npy");
  }
  if (args.max_batch_tokens < 1) {
    throw Error("--max-batch-tokens must be at least 1, got " + std::to_string(args.max_batch_tokens));
  }
  if (!args.text.texts.empty() && !args.text.file.empty()) {
    throw Error("give either --text or --file, not both");
  }
  const CompileOptions compile_options{args.opt_level, !args.no_fast_math};
  if (!text_mode) {
    Session session(load_or_compile(args.model, compile_options), {args.threads});
    run_tensors(session, args);
    return;
  }
  ProgressBar bar;
  PipelineOptions options{.compile = compile_options,
                          .session = {args.threads},
                          .max_batch_tokens = static_cast<std::size_t>(args.max_batch_tokens),
                          .normalize = args.normalize,
                          .progress = {}};
  const bool show_progress = args.progress || (!args.text.file.empty() && isatty(STDERR_FILENO));
  if (show_progress)
    options.progress = [&bar](size_t done, size_t total) { bar.update(done, total); };
  Pipeline pipeline = Pipeline::load(args.model, std::move(options));
  run_texts(pipeline, args.text, show_progress ? &bar : nullptr);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a model (a .bertc bundle or a Hugging Face folder) on text or on .npy tensors");
  cmd->add_option("model", args->model, "model.bertc, or a Hugging Face model folder")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--text", args->text.texts, "a text to classify or embed (repeatable)");
  cmd->add_option("--text-pair", args->text.pairs,
                  "the second text of a pair, one per --text: [CLS] text [SEP] pair [SEP]");
  cmd->add_option("--file", args->text.file, "a file of texts, one per line, run in batches")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->text.json,
                "one JSON object per text: logits, probabilities, labels (label-id order), "
                "embedding or entities");
  cmd->add_flag("--normalize", args->normalize, "L2-normalize embeddings");
  cmd->add_option("--prompt", args->text.prompt,
                  "an embedding model's prompt by name (config_sentence_transformers.json), put "
                  "before each text; default: its default_prompt_name; \"\": none");
  cmd->add_option("--aggregation", args->text.aggregation,
                  "a token classifier's entities: none (per token, the default), simple, first, "
                  "average or max, as transformers' aggregation_strategy")
      ->check(CLI::IsMember({"none", "simple", "first", "average", "max"}));
  cmd->add_option("--max-batch-tokens", args->max_batch_tokens,
                  "tokens per batch, run packed (default 4096; a longer text runs alone)");
  cmd->add_flag("--progress", args->progress,
                "draw a progress bar on stderr (default: for --file when stderr is a terminal)");
  cmd->add_option("-i,--input", args->inputs, "NAME=FILE.npy (repeat for each input)");
  cmd->add_option("--output-dir", args->output_dir, "where --input mode writes <output>.npy");
  cmd->add_option("--threads", args->threads, "threads (default: the CPUs this process may use)");
  cmd->add_option("-O", args->opt_level, "optimization level 0..3 for a folder (default 3)")
      ->check(CLI::Range(0, 3));
  cmd->add_flag("--no-fast-math", args->no_fast_math,
                "for a folder: exact erf/exp/tanh instead of fast approximations");
  cmd->callback([args] { run_run(*args); });
}

}  // namespace bertc::cli
