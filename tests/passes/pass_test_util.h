// Helpers for the pass tests: build small graphs by hand, list their ops, and run a graph on
// the reference kernels (bertc::Session at -O0) to check that a pass keeps the outputs.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bertc/session.h"
#include "bertc/tensor.h"
#include "ir/graph.h"
#include "ir/printer.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::testing {

// Builds a graph node by node; every value gets a fresh name.
class Builder {
 public:
  ir::Graph g;

  ir::ValueId input(const std::string& name, DType dtype, ir::Shape shape) {
    return g.add_input(name, {dtype, std::move(shape)});
  }
  ir::ValueId constant(const std::string& name, Tensor t) {
    return g.add_constant(name, std::move(t));
  }
  ir::ValueId scalar(float v) { return constant(next("c"), Tensor::from_vector<float>({v}, {})); }
  ir::ValueId ints(std::vector<int64_t> v) {
    const int64_t n = static_cast<int64_t>(v.size());
    return constant(next("i"), Tensor::from_vector<int64_t>(v, {n}));
  }
  ir::ValueId int_scalar(int64_t v) {
    return constant(next("i"), Tensor::from_vector<int64_t>({v}, {}));
  }
  // A float32 constant of the given shape with values uniform in [-scale, scale].
  ir::ValueId random(const std::string& name, Dims shape, float scale = 1.0f, float offset = 0.0f) {
    Tensor t = Tensor::empty(DType::kF32, shape);
    std::uniform_real_distribution<float> dist(-scale, scale);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = offset + dist(rng_);
    return constant(name, std::move(t));
  }
  ir::ValueId op(ir::Op op, std::vector<ir::ValueId> inputs, ir::Attrs attrs = {}) {
    return ops(op, std::move(inputs), 1, std::move(attrs))[0];
  }
  std::vector<ir::ValueId> ops(ir::Op op, std::vector<ir::ValueId> inputs, size_t outputs,
                               ir::Attrs attrs = {}) {
    std::vector<ir::ValueId> outs;
    for (size_t i = 0; i < outputs; ++i) outs.push_back(g.add_value(next("v")));
    g.add_node(op, next(std::string(ir::op_name(op))), std::move(inputs), outs, std::move(attrs));
    return outs;
  }
  // Marks outputs and infers every type.
  ir::Graph finish(std::vector<ir::ValueId> outputs) {
    g.outputs = std::move(outputs);
    ir::infer_shapes(g);
    return g;
  }

 private:
  std::string next(const std::string& base) { return base + "_" + std::to_string(counter_++); }
  int counter_ = 0;
  std::mt19937 rng_{1234};
};

inline ir::Attrs make_attrs(std::initializer_list<std::pair<const char*, ir::Attr>> list) {
  ir::Attrs a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

// The ops of the graph in order, e.g. "Dense,LayerNorm" (fused ops without "bertc.").
inline std::string op_list(const ir::Graph& g) {
  std::string s;
  for (const ir::Node& node : g.nodes) {
    std::string name(ir::op_name(node.op));
    if (name.rfind("bertc.", 0) == 0) name = name.substr(6);
    s += (s.empty() ? "" : ",") + name;
  }
  return s;
}

inline int count_op(const ir::Graph& g, ir::Op op) {
  int n = 0;
  for (const ir::Node& node : g.nodes) n += node.op == op;
  return n;
}

inline const ir::Node* find_op(const ir::Graph& g, ir::Op op) {
  for (const ir::Node& node : g.nodes) {
    if (node.op == op) return &node;
  }
  return nullptr;
}

// Runs `g` node by node on the reference kernels only (kernels::ref), whatever kernels a
// Session would pick: the exact semantics of the graph as given, so that pass tests check the
// passes and not the optimized kernels.
inline std::map<std::string, Tensor> run_graph_ref(const ir::Graph& g,
                                                   const std::map<std::string, Tensor>& inputs) {
  std::vector<Tensor> values(g.values.size());
  std::vector<ir::TypeInfo> types(g.values.size());
  for (size_t i = 0; i < g.values.size(); ++i) {
    if (!g.values[i].is_constant()) continue;
    values[i] = *g.values[i].data;
    types[i] = g.values[i].type;
  }
  for (ir::ValueId id : g.inputs) {
    values[id] = Tensor::copy_of(inputs.at(g.value(id).name));
    types[id] = {values[id].dtype(), ir::shape_of(values[id].shape())};
  }
  for (const ir::Node& node : g.nodes) {
    std::vector<const ir::TypeInfo*> in;
    std::vector<const Tensor*> src;
    for (ir::ValueId v : node.inputs) {
      in.push_back(v == ir::kNoValue ? nullptr : &types[v]);
      src.push_back(v == ir::kNoValue ? nullptr : &values[v]);
    }
    std::vector<ir::TypeInfo> out = ir::shape_fn(node.op)(ir::ShapeContext{node, in, src});
    out.resize(node.outputs.size());
    std::vector<Tensor> results = kernels::ref::evaluate(node, src, out);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      types[node.outputs[i]] = out[i];
      values[node.outputs[i]] = std::move(results[i]);
    }
  }
  std::map<std::string, Tensor> out;
  for (ir::ValueId id : g.outputs) out[g.value(id).name] = values[id];
  return out;
}

// Runs `g` in a bertc::Session (-O0: the graph as given, on the kernels lowering picks).
inline std::map<std::string, Tensor> run_graph_session(
    const ir::Graph& g, const std::map<std::string, Tensor>& inputs) {
  Session session(Model(g, {.opt_level = 0}), {.num_threads = 1});
  for (const auto& [name, t] : inputs) session.set_input(name, t);
  session.run();
  std::map<std::string, Tensor> out;
  for (const std::string& name : session.output_names())
    out[name] = Tensor::copy_of(session.get_output(name));
  return out;
}

inline double max_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double d =
        a.dtype() == DType::kF32
            ? std::fabs(static_cast<double>(a.data<float>()[i]) - b.data<float>()[i])
            : std::fabs(static_cast<double>(a.to_int64_vector()[i] - b.to_int64_vector()[i]));
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

// Expects `before` and `after` to give the same outputs (within `tol`) on `inputs`: on the
// reference kernels, and (within `session_tol`) in a Session, whose optimized kernels may
// round differently.
inline void expect_same_outputs(const ir::Graph& before, const ir::Graph& after,
                                const std::map<std::string, Tensor>& inputs, double tol = 1e-5,
                                double session_tol = 1e-4) {
  auto want = run_graph_ref(before, inputs);
  auto got = run_graph_ref(after, inputs);
  auto got_session = run_graph_session(after, inputs);
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [name, t] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    EXPECT_LE(max_diff(t, got.at(name)), tol) << "output " << name << "\nafter:\n"
                                              << ir::graph_to_string(after);
    EXPECT_LE(max_diff(t, got_session.at(name)), session_tol) << "output " << name << " (session)";
  }
}

// x [batch, 10] → Dense (GELU, bias) → Dense (bias, residual x) → Dense with the first one's W
// (tied): what the precision passes (quantize_dense, convert_dense_bf16) are tested on.
inline ir::Graph three_dense_layers() {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {ir::Dim::sym("batch"), ir::Dim::known(10)});
  ir::ValueId w = b.random("w", {10, 10});
  ir::Attrs gelu;
  gelu.set("activation", int64_t{1});
  ir::ValueId y1 = b.op(ir::Op::Dense, {x, w, b.random("b", {10})}, gelu);
  ir::ValueId y2 = b.op(ir::Op::Dense, {y1, b.random("w2", {10, 10}), b.random("b2", {10}), x}, {});
  ir::ValueId y3 = b.op(ir::Op::Dense, {y2, w}, {});
  return b.finish({y3});
}

// Subgraphs as torch exports them.
// Linear: MatMul(x, W [k, n]) then Add(bias, product) (bias first, as torch emits it).
inline ir::ValueId linear(Builder& b, ir::ValueId x, int64_t k, int64_t n,
                          const std::string& name) {
  ir::ValueId mm =
      b.op(ir::Op::MatMul, {x, b.random(name + ".weight", {k, n}, 1.0f / std::sqrt(float(k)))});
  return b.op(ir::Op::Add, {b.random(name + ".bias", {n}, 0.1f), mm});
}
// GELU, erf form: Mul(Mul(x, Add(Erf(Div(x, 1.4142135)), 1)), 0.5).
inline ir::ValueId gelu_erf(Builder& b, ir::ValueId x) {
  ir::ValueId e = b.op(ir::Op::Erf, {b.op(ir::Op::Div, {x, b.scalar(1.4142135381698608f)})});
  ir::ValueId a = b.op(ir::Op::Add, {e, b.scalar(1.0f)});
  return b.op(ir::Op::Mul, {b.op(ir::Op::Mul, {x, a}), b.scalar(0.5f)});
}
// GELU, tanh form as HF's gelu_new: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
inline ir::ValueId gelu_tanh(Builder& b, ir::ValueId x) {
  ir::ValueId half = b.op(ir::Op::Mul, {b.scalar(0.5f), x});
  ir::ValueId cube = b.op(ir::Op::Pow, {x, b.scalar(3.0f)});
  ir::ValueId inner = b.op(ir::Op::Add, {x, b.op(ir::Op::Mul, {b.scalar(0.044715f), cube})});
  ir::ValueId t = b.op(ir::Op::Tanh, {b.op(ir::Op::Mul, {b.scalar(0.7978845608028654f), inner})});
  return b.op(ir::Op::Mul, {half, b.op(ir::Op::Add, {b.scalar(1.0f), t})});
}
// LayerNorm decomposed over the last axis of x [..., h], as torch exports it at opset < 17.
inline ir::ValueId layer_norm_decomposed(Builder& b, ir::ValueId x, int64_t h,
                                         const std::string& name, float eps = 1e-12f) {
  ir::Attrs axes = make_attrs({{"axes", std::vector<int64_t>{-1}}});
  ir::ValueId mean = b.op(ir::Op::ReduceMean, {x}, axes);
  ir::ValueId d = b.op(ir::Op::Sub, {x, mean});
  ir::ValueId var = b.op(ir::Op::ReduceMean, {b.op(ir::Op::Pow, {d, b.scalar(2.0f)})}, axes);
  ir::ValueId sd = b.op(ir::Op::Sqrt, {b.op(ir::Op::Add, {var, b.scalar(eps)})});
  ir::ValueId n = b.op(ir::Op::Div, {d, sd});
  ir::ValueId scaled = b.op(ir::Op::Mul, {n, b.random(name + ".weight", {h}, 0.1f, 1.0f)});
  return b.op(ir::Op::Add, {scaled, b.random(name + ".bias", {h}, 0.1f)});
}

inline Tensor random_tensor(Dims shape, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  Tensor t = Tensor::empty(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

inline Tensor int_tensor(std::vector<int64_t> v, Dims shape) {
  return Tensor::from_vector<int64_t>(v, shape);
}

}  // namespace bertc::testing
