// Test helpers for the data-movement ops: run one node's shape function, or its shape function
// and then its reference kernel on concrete inputs.
#pragma once

#include <string>
#include <vector>

#include "bertc/tensor.h"
#include "ir/graph.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::testing {

inline ir::Node make_node(ir::Op op, size_t num_inputs, size_t num_outputs, ir::Attrs attrs,
                          std::string name = "node") {
  ir::Node node{op, std::move(name), {}, {}, std::move(attrs)};
  for (size_t i = 0; i < num_inputs; ++i) node.inputs.push_back(static_cast<ir::ValueId>(i));
  for (size_t i = 0; i < num_outputs; ++i) {
    node.outputs.push_back(static_cast<ir::ValueId>(num_inputs + i));
  }
  return node;
}

// The node's shape function on input types `in` (nullptr: omitted) and values (nullptr:
// unknown at compile time).
inline std::vector<ir::TypeInfo> infer(ir::Op op, const std::vector<const ir::TypeInfo*>& in,
                                       const std::vector<const Tensor*>& values,
                                       ir::Attrs attrs = {}, size_t num_outputs = 1,
                                       std::string name = "node") {
  ir::Node node = make_node(op, in.size(), num_outputs, std::move(attrs), std::move(name));
  std::vector<const Tensor*> vals = values;
  vals.resize(in.size(), nullptr);
  ir::ShapeContext ctx{node, in, vals};
  return ir::shape_fn(op)(ctx);
}

inline ir::TypeInfo type(DType dtype, ir::Shape shape) { return {dtype, std::move(shape)}; }
inline ir::Dim sym(const char* s) { return ir::Dim::sym(s); }
inline ir::Dim known(int64_t v) { return ir::Dim::known(v); }

// Runs the op on concrete inputs (an undefined Tensor = omitted input): the shape function with
// every input value known, then the reference kernel into freshly allocated outputs.
inline std::vector<Tensor> run_op(ir::Op op, const std::vector<Tensor>& inputs,
                                  ir::Attrs attrs = {}, size_t num_outputs = 1,
                                  std::string name = "node") {
  ir::Node node = make_node(op, inputs.size(), num_outputs, std::move(attrs), std::move(name));
  std::vector<ir::TypeInfo> types(inputs.size());
  std::vector<const ir::TypeInfo*> in(inputs.size(), nullptr);
  std::vector<const Tensor*> src(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) continue;
    types[i] = {inputs[i].dtype(), ir::shape_of(inputs[i].shape())};
    in[i] = &types[i];
    src[i] = &inputs[i];
  }
  ir::ShapeContext ctx{node, in, src};
  std::vector<ir::TypeInfo> out_types = ir::shape_fn(op)(ctx);
  std::vector<Tensor> outs;
  for (size_t i = 0; i < num_outputs; ++i) {
    outs.push_back(Tensor::empty(out_types[i].dtype, ir::shape_values(out_types[i].shape)));
  }
  std::vector<Tensor*> dst;
  for (Tensor& t : outs) dst.push_back(&t);
  kernels::ref::run(node, src, dst);
  return outs;
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

template <typename T>
Tensor vec(std::vector<T> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor::from_vector<T>(v, {n});
}
inline Tensor i64(std::vector<int64_t> v) { return vec<int64_t>(std::move(v)); }

// float32 0, 1, 2, ... of the given shape.
inline Tensor iota_f32(Dims shape) {
  Tensor t = Tensor::empty(DType::kF32, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

inline ir::Attrs attrs_of(std::initializer_list<std::pair<const char*, ir::Attr>> list) {
  ir::Attrs a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

}  // namespace bertc::testing
