// bertc verify BUNDLE --inputs DIR --expected DIR [--tolerance T]
// Runs the model on DIR/<input>.npy and compares every output with EXPECTED/<output>.npy:
// prints max |diff| per output and fails when one exceeds the tolerance.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "bertc/error.h"
#include "bertc/npy.h"
#include "bertc/session.h"
#include "commands.h"

namespace bertc::cli {
namespace {

struct VerifyArgs {
  std::string bundle;
  std::string inputs;
  std::string expected;
  double tolerance = 1e-4;
  int threads = 0;
};

double max_abs_diff(const Tensor& got, const Tensor& want, const std::string& name) {
  if (got.shape() != want.shape()) {
    throw Error("output '" + name + "' has shape " + dims_str(got.shape()) + ", expected " +
                dims_str(want.shape()));
  }
  if (got.dtype() != DType::kF32 || want.dtype() != DType::kF32) {
    throw Error("output '" + name + "': verify compares float32 outputs only");
  }
  double worst = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    double d = std::fabs(static_cast<double>(got.data<float>()[i]) - want.data<float>()[i]);
    if (!(d <= worst)) worst = d;  // NaN wins
  }
  return worst;
}

void run_verify(const VerifyArgs& args) {
  namespace fs = std::filesystem;
  Session session = Session::load(args.bundle, {args.threads});
  for (const InputInfo& info : session.inputs()) {
    fs::path path = fs::path(args.inputs) / (info.name + ".npy");
    if (!fs::exists(path)) throw Error("no input file " + path.string() + " for input '" + info.name + "'");
    session.set_input(info.name, read_npy(path));
  }
  session.run();
  bool ok = true;
  int compared = 0;
  for (const std::string& name : session.output_names()) {
    fs::path path = fs::path(args.expected) / (name + ".npy");
    if (!fs::exists(path)) {
      std::printf("%-24s (no expected file, skipped)\n", name.c_str());
      continue;
    }
    double diff = max_abs_diff(session.get_output(name), read_npy(path), name);
    bool pass = diff <= args.tolerance;
    ++compared;
    ok = ok && pass;
    std::printf("%-24s max |diff| %.3g  %s\n", name.c_str(), diff, pass ? "ok" : "FAIL");
  }
  std::printf("arena %.1f MB\n", static_cast<double>(session.arena_bytes()) / 1e6);
  if (compared == 0) {
    throw Error("nothing verified: " + args.expected + " has no <output>.npy for any of the model's "
                "outputs");
  }
  if (!ok) throw Error("outputs differ from the expected ones by more than " + std::to_string(args.tolerance));
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "Run a compiled model and compare with expected outputs");
  cmd->add_option("bundle", args->bundle, "model.bertc")->required()->check(CLI::ExistingFile);
  cmd->add_option("--inputs", args->inputs, "folder with <input name>.npy")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--expected", args->expected, "folder with <output name>.npy")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--tolerance", args->tolerance, "max |diff| allowed (default 1e-4)");
  cmd->add_option("--threads", args->threads, "threads (default: the CPUs this process may use)");
  cmd->callback([args] { run_verify(*args); });
}

}  // namespace bertc::cli
