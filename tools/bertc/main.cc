// The bertc command: compile, run, bench, inspect, verify, tokenize, serve, rerank.
#include <cstdio>
#include <exception>

#include "bertc/error.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"bertc: compile and run BERT-family models fast on x86-64 CPUs"};
  app.require_subcommand(1);
  bertc::cli::add_compile_command(app);
  bertc::cli::add_run_command(app);
  bertc::cli::add_bench_command(app);
  bertc::cli::add_inspect_command(app);
  bertc::cli::add_verify_command(app);
  bertc::cli::add_tokenize_command(app);
  bertc::cli::add_serve_command(app);
  bertc::cli::add_rerank_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const bertc::Error& e) {
    std::fprintf(stderr, "bertc: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bertc: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
