// Runs build/bertc as a user would (a subprocess with no standard input) and captures its exit
// status, standard output and standard error.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "temp_path.h"

namespace bertc::testing {

struct CliResult {
  int rc = -1;
  std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline CliResult bertc_cli(const std::vector<std::string>& args) {
  const std::string out = temp_path("cli.out"), err = temp_path("cli.err");
  std::string cmd = shell_quote(std::string(BERTC_BINARY_DIR) + "/bertc");
  for (const std::string& a : args) cmd.append(" ").append(shell_quote(a));
  cmd.append(" >")
      .append(shell_quote(out))
      .append(" 2>")
      .append(shell_quote(err))
      .append(" </dev/null");
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(out), read_all(err)};
}

}  // namespace bertc::testing
