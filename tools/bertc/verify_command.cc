// bertc verify BUNDLE --inputs DIR --expected DIR [--tolerance T]
// Runs the model on DIR/<input>.npy and compares every output with EXPECTED/<output>.npy:
// prints max |diff| per output (on the real tokens, when the model takes an attention_mask)
// and fails when one exceeds the tolerance.
// bertc verify BUNDLE --against REFERENCE.bertc --texts FILE [--max-drop D]
// Compares two bundles on texts as the int8 accuracy gate does (bertc/accuracy.h): prints the
// report, and fails when the drop exceeds --max-drop (when given).
#include <cstdio>
#include <filesystem>

#include "bertc/accuracy.h"
#include "bertc/compare.h"
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
  std::string against, texts;
  double max_drop = 0;
};

void run_against(const VerifyArgs& args) {
  if (args.texts.empty()) throw Error("--against compares the two bundles on texts: give --texts FILE");
  AccuracyReport report =
      compare_on_texts(load_model(args.against), load_model(args.bundle), read_text_lines(args.texts), args.threads);
  report.max_drop = args.max_drop;
  std::printf("%s", report.to_text().c_str());
  if (!report.passed()) {
    throw Error("drop " + std::to_string(report.drop) + " exceeds --max-drop " + std::to_string(args.max_drop));
  }
}

void run_verify(const VerifyArgs& args) {
  namespace fs = std::filesystem;
  if (!args.against.empty()) return run_against(args);
  if (args.inputs.empty() || args.expected.empty()) {
    throw Error("give --inputs and --expected (or --against BUNDLE --texts FILE)");
  }
  Session session = Session::load(args.bundle, {args.threads});
  Tensor mask;  // Hugging Face's attention_mask, when the model takes one
  for (const InputInfo& info : session.inputs()) {
    fs::path path = fs::path(args.inputs) / (info.name + ".npy");
    if (!fs::exists(path)) throw Error("no input file " + path.string() + " for input '" + info.name + "'");
    session.set_input(info.name, read_npy(path));
    if (info.name == "attention_mask") mask = read_npy(path);
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
    double diff = 0;
    try {
      diff = max_abs_diff(session.get_output(name), read_npy(path), mask.defined() ? &mask : nullptr);
    } catch (const Error& e) {
      throw Error("output '" + name + "': " + e.what());
    }
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
  cmd->add_option("--inputs", args->inputs, "folder with <input name>.npy")->check(CLI::ExistingDirectory);
  cmd->add_option("--expected", args->expected, "folder with <output name>.npy")->check(CLI::ExistingDirectory);
  cmd->add_option("--against", args->against, "a reference bundle to compare with on --texts")->check(CLI::ExistingFile);
  cmd->add_option("--texts", args->texts, "with --against: texts, one per line")->check(CLI::ExistingFile);
  cmd->add_option("--max-drop", args->max_drop,
                  "with --against: fail past this drop (1 - mean cosine, or 1 - label agreement)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--tolerance", args->tolerance, "max |diff| allowed (default 1e-4)");
  cmd->add_option("--threads", args->threads, "threads (default: the CPUs this process may use)");
  cmd->callback([args] { run_verify(*args); });
}

}  // namespace bertc::cli
