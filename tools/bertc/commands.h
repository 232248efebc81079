// Each subcommand of the `bertc` tool lives in its own file and registers itself on the app.
#pragma once

#include <CLI/CLI.hpp>

namespace bertc::cli {

void add_compile_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_verify_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_rerank_command(CLI::App& app);

}  // namespace bertc::cli
