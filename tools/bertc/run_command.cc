// bertc run BUNDLE --input NAME=FILE.npy ... --output-dir DIR [--threads N]
#include <cstdio>
#include <filesystem>

#include "bertc/error.h"
#include "bertc/npy.h"
#include "bertc/session.h"
#include "commands.h"

namespace bertc::cli {
namespace {

struct RunArgs {
  std::string bundle;
  std::vector<std::string> inputs;
  std::string output_dir = ".";
  int threads = 0;
};

// Output names may hold characters that are not safe in file names ("/" in ONNX names).
std::string file_name_for(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == '/' || c == '\\' || c == ':') c = '_';
  }
  return out;
}

void run_run(const RunArgs& args) {
  Session session = Session::load(args.bundle, {args.threads});
  for (const std::string& spec : args.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--input expects NAME=FILE.npy, got '" + spec + "'");
    }
    session.set_input(spec.substr(0, eq), read_npy(spec.substr(eq + 1)));
  }
  session.run();
  std::filesystem::create_directories(args.output_dir);
  for (const std::string& name : session.output_names()) {
    std::string path = (std::filesystem::path(args.output_dir) / (file_name_for(name) + ".npy"));
    const Tensor& out = session.get_output(name);
    write_npy(path, out);
    std::printf("%s: %s %s -> %s\n", name.c_str(), dtype_name(out.dtype()),
                dims_str(out.shape()).c_str(), path.c_str());
  }
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a compiled model on .npy inputs");
  cmd->add_option("bundle", args->bundle, "model.bertc")->required()->check(CLI::ExistingFile);
  cmd->add_option("-i,--input", args->inputs, "NAME=FILE.npy (repeat for each input)");
  cmd->add_option("--output-dir", args->output_dir, "where to write <output>.npy files");
  cmd->add_option("--threads", args->threads, "threads (default: the CPUs this process may use)");
  cmd->callback([args] { run_run(*args); });
}

}  // namespace bertc::cli
