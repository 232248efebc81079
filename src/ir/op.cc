#include "ir/op.h"

#include <array>

namespace bertc::ir {
namespace {

struct OpInfo {
  std::string_view name;
  uint32_t value_ports;
};

constexpr std::array<OpInfo, kNumOps> kOps = {{
#define BERTC_OP(name, str, ports) {str, ports},
#include "ir/ops.def"
#undef BERTC_OP
}};

}  // namespace

std::string_view op_name(Op op) { return kOps[static_cast<size_t>(op)].name; }

std::optional<Op> op_from_name(std::string_view name) {
  for (size_t i = 0; i < kOps.size(); ++i) {
    if (kOps[i].name == name) return static_cast<Op>(i);
  }
  return std::nullopt;
}

uint32_t op_value_ports(Op op) { return kOps[static_cast<size_t>(op)].value_ports; }

}  // namespace bertc::ir
