// bertc reports every failure — bad files, unsupported ops, wrong inputs — as a bertc::Error
// whose message names the thing at fault (file, op, node, input, shape, token id).
#pragma once

#include <stdexcept>
#include <string>

namespace bertc {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace bertc
