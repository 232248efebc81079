#include "ir/op.h"

#include <array>

namespace bertc::ir {
namespace {

struct OpInfo {
  std::string_view name;
  uint32_t value_ports;
  bool shapes_only;
};

constexpr std::array<OpInfo, kNumOps> kOps = {{
#define BERTC_OP(name, str, ports, shapes_only, attrs, shape, kernel, in_place) {str, ports, shapes_only},
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

bool op_reads_only_shapes(Op op) { return kOps[static_cast<size_t>(op)].shapes_only; }

}  // namespace bertc::ir
