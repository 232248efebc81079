// bertc inspect MODEL [-O N] [--graph]: op counts of the imported and the optimized graph.
#include <cstdio>

#include "bertc/session.h"
#include "commands.h"
#include "frontend/onnx/onnx_importer.h"
#include "ir/graph.h"
#include "ir/printer.h"

namespace bertc::cli {
namespace {

struct InspectArgs {
  std::string model;
  int opt_level = 3;
  bool print_graph = false;
};

void print_summary(const char* title, const ir::Graph& graph, bool print_graph) {
  std::printf("== %s: %zu nodes, %.1f MB of constants\n", title, graph.nodes.size(),
              static_cast<double>(ir::constant_bytes(graph)) / 1e6);
  for (const auto& [op, count] : ir::op_histogram(graph)) std::printf("  %-24s %d\n", op.c_str(), count);
  if (print_graph) std::printf("%s", ir::graph_to_string(graph).c_str());
}

void run_inspect(const InspectArgs& args) {
  bool is_bundle = args.model.size() > 6 && args.model.ends_with(".bertc");
  if (is_bundle) {
    Model model = load_model(args.model);
    print_summary("bundle", model.graph(), args.print_graph);
    return;
  }
  print_summary("imported", frontend::import_onnx(args.model), args.print_graph);
  Model model = compile(args.model, {.opt_level = args.opt_level});
  std::string title = "optimized (-O" + std::to_string(args.opt_level) + ")";
  print_summary(title.c_str(), model.graph(), args.print_graph);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a model's graph before and after optimization");
  cmd->add_option("model", args->model, "model.onnx or model.bertc")->required();
  cmd->add_option("-O", args->opt_level, "optimization level 0..3 (default 3)")->check(CLI::Range(0, 3));
  cmd->add_flag("--graph", args->print_graph, "print every node");
  cmd->callback([args] { run_inspect(*args); });
}

}  // namespace bertc::cli
