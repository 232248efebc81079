// Reading a file the way every bertc loader does.
#pragma once

#include <string>

namespace bertc {

// The whole file. Only a regular file is read: a FIFO, device or folder fails at once with a
// bertc::Error naming the path and what it is (never a hang).
std::string read_file(const std::string& path);

}  // namespace bertc
