// bertc compile MODEL (model.onnx or a Hugging Face folder) -o OUT.bertc [-O0..-O3] [--no-fast-math]
//   [--gemm bertc|onednn] [--precision fp32|int8|bf16 [--fp32-layers A,B] [--no-smooth]
//   [--calibration texts.txt [--max-drop D]]]
// With --calibration, the int8 or bf16 model is compared with the fp32 one on the texts (the
// accuracy gate, bertc/accuracy.h; for int8 the fp32 model's dense-layer inputs are measured on
// them first, and outlier channels smoothed from those ranges): the report is printed and stored
// in the bundle, and a drop past the limit fails the command without writing it.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "bertc/accuracy.h"
#include "bertc/compile.h"
#include "bertc/error.h"
#include "commands.h"

namespace bertc::cli {
namespace {

struct CompileArgs {
  std::string model;
  std::string output;
  int opt_level = 3;
  bool no_fast_math = false;
  std::string gemm = "bertc";
  std::string precision = "fp32";
  std::vector<std::string> fp32_layers;
  bool no_smooth = false;
  std::string calibration;
  double max_drop = 0.01;
};

void save_and_report(const Model& model, const CompileArgs& args, std::chrono::steady_clock::time_point start) {
  save(model, args.output);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "bertc: wrote %s (%zu nodes, %.1f MB of weights) in %.2f s\n", args.output.c_str(),
               model.num_nodes(), static_cast<double>(model.weight_bytes()) / 1e6, seconds);
}

void run_compile(const CompileArgs& args) {
  auto start = std::chrono::steady_clock::now();
  std::fprintf(stderr, "bertc: compiling %s at -O%d ...\n", args.model.c_str(), args.opt_level);
  CompileOptions options{args.opt_level, !args.no_fast_math, args.gemm, args.precision, args.fp32_layers,
                         !args.no_smooth};
  if (args.calibration.empty()) return save_and_report(compile(args.model, options), args, start);
  if (args.precision == "fp32") {
    throw Error("--calibration checks an int8 or bf16 model against fp32: add --precision int8 or bf16");
  }
  const std::vector<std::string> texts = read_text_lines(args.calibration);
  CompileOptions fp32_options = options;
  fp32_options.precision = "fp32";
  const Model fp32 = compile(args.model, fp32_options);
  if (options.precision == "int8" && options.smooth_outliers) {
    std::fprintf(stderr, "bertc: measuring the dense layers' inputs on %zu texts from %s ...\n", texts.size(),
                 args.calibration.c_str());
    options.activation_ranges = measure_dense_inputs(fp32, texts);
  }
  Model model = compile(args.model, options);
  std::fprintf(stderr, "bertc: comparing %s with fp32 on the texts ...\n", options.precision.c_str());
  AccuracyReport report = compare_on_texts(fp32, model, texts);
  report.max_drop = args.max_drop;
  std::fprintf(stderr, "%s", report.to_text().c_str());
  if (!report.passed()) {
    throw Error(options.precision + " accuracy gate failed: drop " + std::to_string(report.drop) + " > --max-drop " +
                std::to_string(args.max_drop) + "; " + args.output +
                " not written (keep layers in fp32 with --fp32-layers, or compile fp32)");
  }
  model.accuracy = report;
  save_and_report(model, args, start);
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
  cmd->add_option("--precision", args->precision,
                  "fp32 (default); int8: Dense layers with int8 weights per channel and "
                  "activations quantized per token; bf16: Dense layers with bf16 weights and float32 sums "
                  "(CPUs with avx512_bf16 only)")
      ->check(CLI::IsMember({"fp32", "int8", "bf16"}));
  cmd->add_option("--fp32-layers", args->fp32_layers, "int8, bf16: Dense layers kept in fp32 (names as bertc inspect lists them)")
      ->delimiter(',');
  cmd->add_flag("--no-smooth", args->no_smooth,
                "int8: do not rescale LayerNorm outlier channels into the weights (SmoothQuant-style)");
  cmd->add_option("--calibration", args->calibration,
                  "int8, bf16: texts (one per line) to compare the model with fp32 on; fails past --max-drop")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-drop", args->max_drop,
                  "largest accepted drop: 1 - mean cosine (embeddings) or 1 - label agreement "
                  "(classifiers); default 0.01")
      ->check(CLI::Range(0.0, 1.0));
  cmd->callback([args] { run_compile(*args); });
}

}  // namespace bertc::cli
