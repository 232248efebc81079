// f32_dense_onednn: bertc.Dense on oneDNN's matmul primitive (see dense_onednn.h).
#include <omp.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "cpu/thread_pool.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/call_checks.h"
#include "kernels/onednn/dense_onednn.h"

namespace bertc::kernels::onednn {
namespace {

using dnnl::memory;

struct Primitive {
  dnnl::matmul matmul;
  const memory* weights;  // W in the layout this primitive reads (owned by DenseState)
};

// Everything a marked Dense node keeps between runs. The primitives and reordered weights are
// made on first use of a token count (planning-like work, once per shape), under the mutex.
struct DenseState : ir::DenseAttrs {
  explicit DenseState(const ir::DenseAttrs& attrs) : ir::DenseAttrs(attrs) {}
  dnnl::algorithm post_op = dnnl::algorithm::undef;  // the activation; undef: none
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  mutable std::mutex mutex;
  mutable std::map<std::pair<int64_t, bool>, Primitive> primitives;  // by (M, residual)
  mutable std::vector<std::unique_ptr<memory>> weights;              // one per layout asked for
};

dnnl::algorithm activation_of(ir::DenseActivation activation) {
  switch (activation) {
    case ir::DenseActivation::kNone: return dnnl::algorithm::undef;
    case ir::DenseActivation::kGeluErf: return dnnl::algorithm::eltwise_gelu_erf;
    case ir::DenseActivation::kGeluTanh: return dnnl::algorithm::eltwise_gelu_tanh;
    case ir::DenseActivation::kRelu: return dnnl::algorithm::eltwise_relu;
    case ir::DenseActivation::kTanh: return dnnl::algorithm::eltwise_tanh;
  }
  return dnnl::algorithm::undef;
}

const Primitive& primitive_for(const DenseState& st, int64_t M, bool residual, bool bias,
                               const float* w_plain) {
  std::lock_guard<std::mutex> lock(st.mutex);
  auto it = st.primitives.find({M, residual});
  if (it != st.primitives.end()) return it->second;
  const memory::desc src_md({M, st.k}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc w_md({st.k, st.n}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc dst_md({M, st.n}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc bias_md =
      bias ? memory::desc({1, st.n}, memory::data_type::f32, memory::format_tag::ab)
           : memory::desc();
  dnnl::post_ops ops;
  if (st.post_op != dnnl::algorithm::undef) ops.append_eltwise(1.0f, st.post_op, 0.0f, 0.0f);
  if (residual) ops.append_sum(1.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, w_md, bias_md, dst_md), attr,
                                        st.engine);
  const memory* weights = nullptr;
  for (const auto& w : st.weights) {
    if (w->get_desc() == pd.weights_desc()) weights = w.get();
  }
  if (!weights) {
    memory plain({{st.k, st.n}, memory::data_type::f32, memory::format_tag::ab}, st.engine,
                 const_cast<float*>(w_plain));
    auto packed = std::make_unique<memory>(pd.weights_desc(), st.engine);
    dnnl::stream stream(st.engine);
    dnnl::reorder(plain, *packed).execute(stream, plain, *packed);
    stream.wait();
    weights = st.weights.emplace_back(std::move(packed)).get();
  }
  return st.primitives.emplace(std::make_pair(M, residual), Primitive{dnnl::matmul(pd), weights})
      .first->second;
}

void f32_dense_onednn_call(const KernelCall& call) {
  const auto& st = *static_cast<const DenseState*>(call.attrs);
  const Tensor& x = kernels::src_f32(call, 0, "X");
  if (x.rank() < 1 || x.shape().back() != st.k) {
    kernels::fail(call,
                  "X must be [..., " + std::to_string(st.k) + "], got " + dims_str(x.shape()));
  }
  const int64_t M = x.numel() / st.k;
  const Tensor& w = kernels::src_f32(call, 1, "W");
  kernels::check_numel(call, w, st.k * st.n, "W");
  const bool bias = kernels::has_src(call, 2), residual = kernels::has_src(call, 3);
  if (bias) kernels::check_numel(call, kernels::src_f32(call, 2, "bias"), st.n, "bias");
  if (residual)
    kernels::check_numel(call, kernels::src_f32(call, 3, "residual"), M * st.n, "residual");
  Tensor& y = kernels::dst_f32(call, M * st.n);
  if (M == 0) return;
  if (residual && call.src[3]->data<float>() != y.data<float>()) {
    std::memcpy(y.data<float>(), call.src[3]->data<float>(),
                static_cast<size_t>(M * st.n) * sizeof(float));
  }
  const Primitive* p = nullptr;
  try {
    p = &primitive_for(st, M, residual, bias, w.data<float>());
  } catch (const dnnl::error& e) {
    kernels::fail(call, std::string("oneDNN could not make a matmul for M = ") + std::to_string(M) +
                            ": " + e.what());
  }
  omp_set_num_threads(call.pool ? call.pool->num_threads() : 1);
  const dnnl::engine& eng = st.engine;
  memory src({{M, st.k}, memory::data_type::f32, memory::format_tag::ab}, eng,
             const_cast<float*>(x.data<float>()));
  memory dst({{M, st.n}, memory::data_type::f32, memory::format_tag::ab}, eng, y.data<float>());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, *p->weights}, {DNNL_ARG_DST, dst}};
  if (bias) {
    args.emplace(DNNL_ARG_BIAS, memory({{1, st.n}, memory::data_type::f32, memory::format_tag::ab},
                                       eng, const_cast<float*>(call.src[2]->data<float>())));
  }
  dnnl::stream stream(eng);
  p->matmul.execute(stream, args);
  stream.wait();
}

}  // namespace

KernelChoice select_dense(const ir::Graph& g, const ir::Node& node, cpu::Isa) {
  KernelChoice choice;
  if (node.op != ir::Op::Dense) return choice;
  const ir::DenseAttrs attrs(node);
  if (attrs.gemm != "onednn") return choice;
  const char* name = "f32_dense_onednn";
  const ir::Value& w = g.value(node.inputs[1]);
  if (!w.is_constant() || w.data->dtype() != DType::kF32 || w.data->rank() != 2 || attrs.packed) {
    choice.refused = std::string(name) + ": W is not a float32 constant [K, N]";
    return choice;
  }
  for (size_t i : {size_t{0}, size_t{2}, size_t{3}}) {
    if (node.has_input(i) && g.value(node.inputs[i]).type.dtype != DType::kF32) {
      choice.refused = std::string(name) + ": input " + std::to_string(i) + " is not float32";
      return choice;
    }
  }
  auto st = std::make_shared<DenseState>(attrs);
  st->k = w.data->dim(0);
  st->n = w.data->dim(1);
  st->post_op = activation_of(attrs.activation);
  choice.fn = &f32_dense_onednn_call;
  choice.attrs = std::move(st);
  choice.name = name;
  return choice;
}

}  // namespace bertc::kernels::onednn
