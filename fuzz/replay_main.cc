// The main() of the default (non-libFuzzer) build of each fuzz target: runs
// LLVMFuzzerTestOneInput over every file in the folders and files given, then prints
// "N inputs ok". ctest runs it over fuzz/corpus/<name>/ as a regression test; a crash or an
// escaping exception ends the run, naming the input. BERTC_FUZZ_VERBOSE=1 prints each input and
// the bertc::Error it was rejected with, if any.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

std::string current;  // the input being run, for the crash messages

void on_signal(int sig) {
  const char* what = "fuzz replay: fatal signal on ";
  (void)!write(2, what, strlen(what));
  (void)!write(2, current.c_str(), current.size());
  (void)!write(2, "\n", 1);
  signal(sig, SIG_DFL);
  raise(sig);
}

void on_terminate() {
  std::string what = "(not a std::exception)";
  try {
    if (auto e = std::current_exception()) std::rethrow_exception(e);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  fprintf(stderr, "fuzz replay: uncaught exception on %s: %s\n", current.c_str(), what.c_str());
  signal(SIGABRT, SIG_DFL);
  abort();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      for (const auto& e : fs::recursive_directory_iterator(arg)) {
        if (e.is_regular_file()) inputs.push_back(e.path());
      }
    } else if (fs::is_regular_file(arg)) {
      inputs.push_back(arg);
    } else {
      fprintf(stderr, "fuzz replay: %s: no such file or folder\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    fprintf(stderr, "fuzz replay: no inputs\n");
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  std::set_terminate(on_terminate);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, on_signal);
  const bool verbose = getenv("BERTC_FUZZ_VERBOSE") != nullptr;
  for (const fs::path& path : inputs) {
    current = path.string();
    if (verbose) fprintf(stderr, "%s\n", current.c_str());
    const std::string bytes = bertc::fuzz::read_file(path);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  printf("%zu inputs ok\n", inputs.size());
  return 0;
}
