// A scratch file path private to this test process: ctest runs the tests of one binary as
// separate processes in parallel, so a fixed name under TempDir() would be shared between them
// (one process truncating a bundle another has mapped is a bus error, not a failed test).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace bertc::testing {

inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/bertc_" + std::to_string(::getpid()) + "_" + name;
}

}  // namespace bertc::testing
