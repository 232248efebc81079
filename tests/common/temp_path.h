// A scratch file path private to this test process: ctest runs the tests of one binary as
// separate processes in parallel, so a fixed name under TempDir() would be shared between them
// (one process truncating a bundle another has mapped is a bus error, not a failed test). The
// process id alone can repeat across runs, where an earlier run's leftover folder of the same
// name made copies into it fail: the name also carries the time this process first asked.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace bertc::testing {

inline std::string temp_path(const std::string& name) {
  static const std::string process =
      std::to_string(::getpid()) + "_" +
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  return ::testing::TempDir() + "/bertc_" + process + "_" + name;
}

}  // namespace bertc::testing
