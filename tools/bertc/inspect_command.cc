// bertc inspect MODEL (.onnx, HF folder or .bertc) [-O N] [--summary] [--no-fast-math]: the imported and the optimized graph
// (every node), their op counts, the count of each fused op (bertc.*), each Dense layer's
// precision and a bundle's accuracy report (int8, bf16).
#include <cstdio>
#include <map>
#include <string>

#include "bertc/compile.h"
#include "commands.h"

namespace bertc::cli {
namespace {

struct InspectArgs {
  std::string model;
  int opt_level = 3;
  bool summary = false;      // counts only, no node listing
  bool print_graph = false;  // kept for scripts: the listing is the default now
  bool no_fast_math = false;
  std::string precision = "fp32";
};

void print_summary(const char* title, const Model& model, bool print_graph) {
  if (print_graph) std::printf("== %s graph\n%s", title, model.listing().c_str());
  std::printf("== %s: %zu nodes, %.1f MB of constants\n", title, model.num_nodes(),
              static_cast<double>(model.weight_bytes()) / 1e6);
  for (const auto& [op, count] : model.op_counts())
    std::printf("  %-24s %d\n", op.c_str(), count);
}

// The count of each fused op (those named bertc.*), the main ones listed even when absent.
void print_fused(const Model& model) {
  std::map<std::string, int> counts{{"bertc.Dense", 0},
                                    {"bertc.DenseInt8", 0},
                                    {"bertc.LayerNorm", 0},
                                    {"bertc.Attention", 0},
                                    {"bertc.EmbedLayerNorm", 0}};
  for (const auto& [op, count] : model.op_counts()) {
    if (op.rfind("bertc.", 0) == 0) counts[op] = count;
  }
  std::printf("== fused ops:");
  for (const auto& [op, count] : counts) std::printf(" %s %d", op.c_str(), count);
  std::printf("\n");
}

// Each Dense layer's precision, then the accuracy gate's report when the bundle has one.
void print_precision(const Model& model) {
  std::printf("== precision: %s\n", model.options().precision.c_str());
  for (const auto& [name, precision] : model.dense_layers()) std::printf("  %-48s %s\n", name.c_str(), precision.c_str());
  if (model.accuracy) std::printf("== %s", model.accuracy->to_text().c_str());
}

void run_inspect(const InspectArgs& args) {
  const bool listing = args.print_graph || !args.summary;
  bool is_bundle = args.model.size() > 6 && args.model.ends_with(".bertc");
  if (is_bundle) {
    Model model = load_model(args.model);
    print_summary("bundle", model, listing);
    print_fused(model);
    print_precision(model);
    return;
  }
  // -O0 is the imported graph as it is.
  print_summary("imported", compile(args.model, {.opt_level = 0}), listing);
  Model model = compile(args.model, {.opt_level = args.opt_level, .fast_math = !args.no_fast_math,
                                     .precision = args.precision});
  std::string title = "optimized (-O" + std::to_string(args.opt_level) + ")";
  print_summary(title.c_str(), model, listing);
  print_fused(model);
  print_precision(model);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd =
      app.add_subcommand("inspect", "Show a model's graph before and after optimization");
  cmd->add_option("model", args->model, "model.onnx, a Hugging Face model folder or model.bertc")
      ->required();
  cmd->add_option("-O", args->opt_level, "optimization level 0..3 (default 3)")
      ->check(CLI::Range(0, 3));
  cmd->add_flag("--summary", args->summary, "print only the op counts, not every node");
  cmd->add_flag("--graph", args->print_graph,
                "print every node (the default; overrides --summary)");
  cmd->add_flag("--no-fast-math", args->no_fast_math, "compile without fast-math approximations");
  cmd->add_option("--precision", args->precision, "compile fp32 (default), int8 or bf16")
      ->check(CLI::IsMember({"fp32", "int8", "bf16"}));
  cmd->callback([args] { run_inspect(*args); });
}

}  // namespace bertc::cli
