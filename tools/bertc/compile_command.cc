// bertc compile MODEL (model.onnx or a Hugging Face folder) -o OUT.bertc [-O0..-O3] [--no-fast-math] [--gemm bertc|onednn]
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "bertc/compile.h"
#include "commands.h"

namespace bertc::cli {
namespace {

struct CompileArgs {
  std::string model;
  std::string output;
  int opt_level = 3;
  bool no_fast_math = false;
  std::string gemm = "bertc";
};

void run_compile(const CompileArgs& args) {
  auto start = std::chrono::steady_clock::now();
  std::fprintf(stderr, "bertc: compiling %s at -O%d ...\n", args.model.c_str(), args.opt_level);
  Model model = compile(args.model, {args.opt_level, !args.no_fast_math, args.gemm});
  save(model, args.output);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "bertc: wrote %s (%zu nodes, %.1f MB of weights) in %.2f s\n",
               args.output.c_str(), model.num_nodes(),
               static_cast<double>(model.weight_bytes()) / 1e6, seconds);
}

}  // namespace

void add_compile_command(CLI::App& app) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compile", "Compile an ONNX model or a Hugging Face model folder into a .bertc bundle");
  cmd->add_option("model", args->model,
                  "model.onnx, or a Hugging Face folder (config.json + model.safetensors or "
                  "pytorch_model.bin; its tokenizer files are embedded in the bundle)")
      ->required();
  cmd->add_option("-o,--output", args->output, "bundle to write (.bertc)")->required();
  cmd->add_option("-O", args->opt_level, "optimization level 0..3 (default 3)")
      ->check(CLI::Range(0, 3));
  cmd->add_flag("--no-fast-math", args->no_fast_math,
                "use exact erf/exp/tanh instead of fast approximations");
  cmd->add_option("--gemm", args->gemm, "GEMM backend: bertc (default) or onednn")
      ->check(CLI::IsMember({"bertc", "onednn"}));
  cmd->callback([args] { run_compile(*args); });
}

}  // namespace bertc::cli
