// The IR: a graph of ops over values. Values have a dtype and a shape whose dims are either
// known sizes or symbols ("batch", "seq"; "?" when nothing is known). Constants (weights) are
// values that carry a tensor. Nodes are kept in topological order.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bertc/tensor.h"
#include "ir/attrs.h"
#include "ir/op.h"

namespace bertc::ir {

// A dimension: a known size (value >= 0) or a symbol (value < 0; symbol "" is unknown).
struct Dim {
  int64_t value = -1;
  std::string symbol;

  static Dim known(int64_t v) { return Dim{v, {}}; }
  static Dim sym(std::string s) { return Dim{-1, std::move(s)}; }
  static Dim unknown() { return Dim{}; }
  bool is_known() const { return value >= 0; }
  // Equal when both known and equal, or both the same named symbol.
  bool same_as(const Dim& o) const {
    return is_known() ? o.value == value : (!symbol.empty() && symbol == o.symbol);
  }
  std::string str() const { return is_known() ? std::to_string(value) : (symbol.empty() ? "?" : symbol); }
};

using Shape = std::vector<Dim>;

Shape shape_of(const Dims& dims);
bool shape_is_known(const Shape& shape);
Dims shape_values(const Shape& shape);  // requires shape_is_known
std::string shape_str(const Shape& shape);

// A value's static type.
struct TypeInfo {
  DType dtype{};
  Shape shape;
};

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;  // an omitted optional input

struct Value {
  std::string name;
  TypeInfo type;
  int32_t producer = -1;               // node index, or -1 (graph input / constant)
  std::shared_ptr<const Tensor> data;  // set for constants
  bool is_constant() const { return data != nullptr; }
};

struct Node {
  Op op;
  std::string name;
  std::vector<ValueId> inputs;  // kNoValue for an omitted optional input
  std::vector<ValueId> outputs;
  Attrs attrs;
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != kNoValue; }
};

// A check the session makes on an input before running, derived from the model at compile time
// (see passes/input_checks.cc) so that bad inputs fail with a clear message instead of reading
// out of bounds: token ids must index the embedding table, masks must be 0/1, sequences must
// fit the position table.
struct InputCheck {
  enum class Kind : uint8_t {
    kIndexRange,  // every value in [lo, hi)
    kBinary,      // every value 0 or 1
    kMaxDim,      // dim `axis` <= hi
  };
  ValueId input;
  Kind kind;
  int64_t lo = 0, hi = 0;
  int32_t axis = 0;
  std::string what;  // what the limit comes from, e.g. "embedding table 'word_embeddings' (30522 rows)"
};

class Graph {
 public:
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  std::vector<InputCheck> input_checks;
  // Names of constant weights that came int8 from the model (passes/fuse_quantized_matmul.cc,
  // fuse_qdq_matmul.cc): the Dense layers that read them run int8 whatever the compile
  // precision. Compile-time only.
  std::set<std::string> int8_weights;

  ValueId add_value(std::string name, TypeInfo type = {});
  ValueId add_constant(std::string name, Tensor data);
  ValueId add_input(std::string name, TypeInfo type);
  // Appends a node; its outputs get this node as producer.
  Node& add_node(Op op, std::string name, std::vector<ValueId> inputs,
                 std::vector<ValueId> outputs, Attrs attrs = {});

  Value& value(ValueId id) { return values.at(static_cast<size_t>(id)); }
  const Value& value(ValueId id) const { return values.at(static_cast<size_t>(id)); }
  ValueId find_value(const std::string& name) const;  // kNoValue when absent

  // Orders nodes topologically (throws on a cycle or a use before definition) and refreshes
  // producers.
  void sort_topologically();
  // Removes nodes and values that no graph output depends on; renumbers values.
  void remove_dead();
  // For each value, the indices of the nodes that read it.
  std::vector<std::vector<int32_t>> consumers() const;
  // A name not used by any value yet, made from `base`.
  std::string unique_name(const std::string& base);

 private:
  int64_t name_counter_ = 0;
};

}  // namespace bertc::ir
