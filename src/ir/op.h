// bertc::ir::Op: the enum of IR ops, generated from ops.def, with name look-ups.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bertc::ir {

enum class Op : uint16_t {
#define BERTC_OP(name, str, ports, shapes_only, attrs, shape, kernel, in_place) name,
#include "ir/ops.def"
#undef BERTC_OP
};

inline constexpr int kNumOps = 0
#define BERTC_OP(name, str, ports, shapes_only, attrs, shape, kernel, in_place) +1
#include "ir/ops.def"
#undef BERTC_OP
    ;

std::string_view op_name(Op op);
// The op whose name (ONNX op type or "bertc.X") is `name`, if any.
std::optional<Op> op_from_name(std::string_view name);
// Bit i set: input i's value decides the output shape (see ops.def).
uint32_t op_value_ports(Op op);
// The op reads only its inputs' shapes (see ops.def).
bool op_reads_only_shapes(Op op);

}  // namespace bertc::ir
