// Error-message assertions: every bad input must be a bertc::Error whose message names the
// thing at fault.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "bertc/error.h"

namespace bertc::testing {

// Runs `fn` and returns the bertc::Error message it throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace bertc::testing

// Expects `part` in the string `msg` (printing `msg` when it is not).
#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << (msg)
