#include "kernels/x86/select.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>

#include "ir/int8_quantization.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/x86/bgemm.h"
#include "kernels/x86/gemm.h"
#include "kernels/x86/kernel_calls.h"
#include "kernels/x86/kernels_x86.h"
#include "kernels/x86/qgemm.h"

namespace bertc::kernels::x86 {
namespace {

using ir::Op;

// A refusal: the reason, prefixed with the kernel that refused.
struct Refusal {
  std::string why;
};

[[noreturn]] void refuse(const char* kernel, const std::string& why) {
  throw Refusal{std::string(kernel) + ": " + why};
}

bool avx512(cpu::Isa isa) { return isa == cpu::Isa::kAvx512; }

const char* pick(cpu::Isa isa, const char* name512, const char* name2) {
  return avx512(isa) ? name512 : name2;
}

const ir::Value* input(const ir::Graph& g, const ir::Node& n, size_t i) {
  return n.has_input(i) ? &g.value(n.inputs[i]) : nullptr;
}

void require_f32(const char* kernel, const ir::Graph& g, const ir::Node& n, size_t i,
                 const char* what) {
  const ir::Value* v = input(g, n, i);
  if (!v) refuse(kernel, std::string(what) + " (input " + std::to_string(i) + ") is missing");
  if (v->type.dtype != DType::kF32) {
    refuse(kernel, std::string(what) + " is " + dtype_name(v->type.dtype) + ", not float32");
  }
}

template <typename State>
std::shared_ptr<const ir::OpAttrs> make_state(State s) {
  return std::make_shared<const State>(std::move(s));
}

KernelChoice layer_norm(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = pick(isa, "f32_layer_norm_avx512", "f32_layer_norm_avx2");
  require_f32(name, g, n, 0, "X");
  require_f32(name, g, n, 1, "gamma");
  require_f32(name, g, n, 2, "beta");
  if (n.has_input(3)) require_f32(name, g, n, 3, "skip");
  const ir::EpsilonAttrs attrs(n);
  LayerNormState st{attrs, avx512(isa) ? &f32_layer_norm_avx512 : &f32_layer_norm_avx2,
                    attrs.epsilon};
  return {&f32_layer_norm_call, make_state(st), name, true, {}};
}

// ONNX LayerNormalization, when it is exactly bertc.LayerNorm without skip.
KernelChoice onnx_layer_norm(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = pick(isa, "f32_layer_norm_avx512", "f32_layer_norm_avx2");
  require_f32(name, g, n, 0, "X");
  require_f32(name, g, n, 1, "Scale");
  if (!n.has_input(2)) refuse(name, "no B input");
  require_f32(name, g, n, 2, "B");
  if (n.outputs.size() > 1) refuse(name, "Mean / InvStdDev outputs are requested");
  const ir::Shape& xs = input(g, n, 0)->type.shape;
  if (xs.empty()) refuse(name, "X has unknown rank");
  const int64_t rank = static_cast<int64_t>(xs.size());
  const ir::LayerNormalizationAttrs attrs(n);
  if (attrs.first_axis(rank) != rank - 1) refuse(name, "normalizes more than the last axis");
  if (input(g, n, 1)->type.shape.size() != 1 || input(g, n, 2)->type.shape.size() != 1) {
    refuse(name, "Scale or B is not 1-D");
  }
  LayerNormState st{attrs, avx512(isa) ? &f32_layer_norm_avx512 : &f32_layer_norm_avx2,
                    attrs.epsilon};
  return {&f32_layer_norm_call, make_state(st), name, true, {}};
}

KernelChoice attention(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = pick(isa, "f32_attention_avx512", "f32_attention_avx2");
  require_f32(name, g, n, 0, "QKV");
  if (n.has_input(1)) require_f32(name, g, n, 1, "bias");
  if (n.has_input(2)) require_f32(name, g, n, 2, "rel");
  if (n.has_input(3)) require_f32(name, g, n, 3, "cos");
  if (n.has_input(4)) require_f32(name, g, n, 4, "sin");
  if (n.has_input(5)) require_f32(name, g, n, 5, "pos_key");
  if (n.has_input(6)) require_f32(name, g, n, 6, "pos_query");
  AttentionState st{ir::AttentionAttrs(n),
                    avx512(isa) ? &f32_attention_avx512 : &f32_attention_avx2};
  return {&f32_attention_call, make_state(st), name, false, {}};
}

KernelChoice gated_activation(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = pick(isa, "f32_gated_gelu_avx512", "f32_gated_gelu_avx2");
  require_f32(name, g, n, 0, "X");
  const ir::GatedActivationAttrs attrs(n);
  if (attrs.activation != ir::DenseActivation::kGeluErf) refuse(name, "only the GELU (erf) gate is vectorized");
  GatedGeluState st{attrs, isa};
  return {&f32_gated_gelu_call, make_state(st), name, false, {}};
}

KernelChoice embed_layer_norm(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = pick(isa, "f32_embed_layer_norm_avx512", "f32_embed_layer_norm_avx2");
  require_f32(name, g, n, 3, "word table");
  if (n.has_input(4)) require_f32(name, g, n, 4, "token type table");
  if (n.has_input(5)) require_f32(name, g, n, 5, "position table");
  require_f32(name, g, n, 6, "gamma");
  require_f32(name, g, n, 7, "beta");
  if (n.has_input(1) != n.has_input(4)) refuse(name, "token types without a type table (or the reverse)");
  if (n.has_input(2) != n.has_input(5)) refuse(name, "positions without a position table (or the reverse)");
  EmbedLayerNormState st{ir::EpsilonAttrs(n),
                         avx512(isa) ? &f32_embed_layer_norm_avx512 : &f32_embed_layer_norm_avx2,
                         input(g, n, 3)->name,
                         n.has_input(4) ? input(g, n, 4)->name : std::string(),
                         n.has_input(5) ? input(g, n, 5)->name : std::string()};
  return {&f32_embed_layer_norm_call, make_state(st), name, false, {}};
}

DenseActivationPlan activation_plan(ir::DenseActivation activation, cpu::Isa isa) {
  DenseActivationPlan plan{GemmActivation::kNone, Activation::kNone,
                           avx512(isa) ? &f32_activation_avx512 : &f32_activation_avx2};
  switch (activation) {
    case ir::DenseActivation::kNone: break;
    case ir::DenseActivation::kGeluErf: plan.gemm_activation = GemmActivation::kGelu; break;
    case ir::DenseActivation::kGeluTanh: plan.post = Activation::kGeluTanh; break;
    case ir::DenseActivation::kRelu: plan.post = Activation::kRelu; break;
    case ir::DenseActivation::kTanh: plan.post = Activation::kTanh; break;
  }
  return plan;
}

KernelChoice dense(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = pick(isa, "f32_dense_gemm_avx512", "f32_dense_gemm_avx2");
  require_f32(name, g, n, 0, "X");
  require_f32(name, g, n, 1, "W");
  if (n.has_input(2)) require_f32(name, g, n, 2, "bias");
  if (n.has_input(3)) require_f32(name, g, n, 3, "residual");
  const ir::Value& w = *input(g, n, 1);
  if (!w.is_constant()) refuse(name, "W is not a constant");
  const ir::DenseAttrs attrs(n);
  const ir::DenseAttrs::Dims dims = attrs.dims(ir::shape_of(w.data->shape()));
  if (dims.k <= 0 || dims.n <= 0) refuse(name, "empty W (K = " + std::to_string(dims.k) + ", N = " + std::to_string(dims.n) + ")");
  DenseState st{attrs, isa, dims.k, dims.n, activation_plan(attrs.activation, isa), nullptr};
  const bool packed = attrs.packed;
  const float* wdata = w.data->data<float>();
  const bool aligned = reinterpret_cast<uintptr_t>(wdata) % kGemmPackedAlignment == 0;
  if (!packed || !aligned) {
    // Pack (or re-align) W once, now, into the state.
    const int64_t size = ir::dense_packed_size(dims.k, dims.n);
    const size_t bytes = (static_cast<size_t>(size) * sizeof(float) + 63) / 64 * 64;
    float* buf = static_cast<float*>(std::aligned_alloc(kGemmPackedAlignment, bytes));
    if (!buf) refuse(name, "out of memory packing W");
    std::shared_ptr<const float> holder(buf, [](const float* p) { std::free(const_cast<float*>(p)); });
    if (packed) {
      if (w.data->numel() != size) refuse(name, "packed W has " + std::to_string(w.data->numel()) + " floats, not " + std::to_string(size));
      std::copy(wdata, wdata + size, buf);
    } else {
      gemm_pack_b(GemmBLayout::kKN, wdata, dims.n, dims.k, dims.n, buf);
    }
    st.packed = std::move(holder);
  } else if (w.data->numel() != ir::dense_packed_size(dims.k, dims.n)) {
    refuse(name, "packed W has " + std::to_string(w.data->numel()) + " floats, not " +
                     std::to_string(ir::dense_packed_size(dims.k, dims.n)));
  }
  return {&f32_dense_call, make_state(std::move(st)), name, false, {}};
}

// bertc.DenseInt8 on the int8 GEMM (kernels/x86/qgemm.h); Wq is read from the bundle as packed.
KernelChoice dense_int8(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  if (!qgemm_supported(isa)) refuse("s8_dense_gemm", "no int8 GEMM for this ISA");
  const QGemmKernel kernel = qgemm_kernel_for(isa);
  const char* name = kernel == QGemmKernel::kAvx512Vnni ? "s8_dense_gemm_avx512_vnni"
                     : kernel == QGemmKernel::kAvx512Bw ? "s8_dense_gemm_avx512bw"
                     : kernel == QGemmKernel::kAvxVnni  ? "s8_dense_gemm_avx_vnni"
                                                        : "s8_dense_gemm_avx2";
  require_f32(name, g, n, 0, "X");
  require_f32(name, g, n, 2, "w_scale");
  if (n.has_input(3)) require_f32(name, g, n, 3, "bias");
  if (n.has_input(4)) require_f32(name, g, n, 4, "residual");
  if (n.has_input(5)) require_f32(name, g, n, 5, "x_scale");
  const ir::Value& w = *input(g, n, 1);
  if (!w.is_constant() || w.data->dtype() != DType::kI8) refuse(name, "Wq is not an int8 constant");
  const ir::DenseAttrs attrs(n);
  const ir::DenseAttrs::Dims dims = attrs.int8_dims(ir::shape_of(w.data->shape()));
  if (dims.k <= 0 || dims.n <= 0) refuse(name, "empty Wq (K = " + std::to_string(dims.k) + ", N = " + std::to_string(dims.n) + ")");
  if (dims.k > ir::kInt8MaxK) refuse(name, "K = " + std::to_string(dims.k) + " is too large for exact int32 sums");
  DenseInt8State st{attrs, kernel, dims.k, dims.n, activation_plan(attrs.activation, isa)};
  return {&s8_dense_call, make_state(std::move(st)), name, false, {}};
}

// bertc.DenseBf16 on the bf16 GEMM (kernels/x86/bgemm.h): AVX-512 code on a CPU with
// avx512_bf16 only; Wb is read from the bundle as packed.
KernelChoice dense_bf16(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = "bf16_dense_gemm_avx512_bf16";
  if (!bgemm_supported(isa)) {
    refuse(name, std::string("bf16 needs AVX-512 code on a CPU with avx512_bf16 (vdpbf16ps); this one runs ") +
                     cpu::isa_name(isa) + (bgemm_kernel_supported() ? "" : " and has no avx512_bf16"));
  }
  require_f32(name, g, n, 0, "X");
  if (n.has_input(2)) require_f32(name, g, n, 2, "bias");
  if (n.has_input(3)) require_f32(name, g, n, 3, "residual");
  const ir::Value& w = *input(g, n, 1);
  if (!w.is_constant() || w.data->dtype() != DType::kI32) refuse(name, "Wb is not a constant of bf16 pairs (int32)");
  const ir::DenseAttrs attrs(n);
  const ir::DenseAttrs::Dims dims = attrs.bf16_dims(ir::shape_of(w.data->shape()));
  if (dims.k <= 0 || dims.n <= 0) refuse(name, "empty Wb (K = " + std::to_string(dims.k) + ", N = " + std::to_string(dims.n) + ")");
  DenseBf16State st{attrs, dims.k, dims.n, activation_plan(attrs.activation, isa)};
  return {&bf16_dense_call, make_state(std::move(st)), name, false, {}};
}

KernelChoice softmax(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = pick(isa, "f32_softmax_avx512", "f32_softmax_avx2");
  require_f32(name, g, n, 0, "X");
  const ir::Shape& xs = input(g, n, 0)->type.shape;
  if (xs.empty()) refuse(name, "X has rank 0 or unknown rank");
  const int64_t rank = static_cast<int64_t>(xs.size());
  const ir::SoftmaxAttrs attrs(n);
  const auto [first, last] = attrs.axes(rank);
  if (first != rank - 1 || last != rank) refuse(name, "softmax over more than the last axis");
  SoftmaxState st{attrs, avx512(isa) ? &f32_softmax_avx512 : &f32_softmax_avx2};
  return {&f32_softmax_call, make_state(st), name, true, {}};
}

KernelChoice elementwise(const ir::Graph& g, const ir::Node& n, cpu::Isa isa) {
  const char* name = "";
  Activation act = Activation::kNone;
  switch (n.op) {
    case Op::Relu: name = pick(isa, "f32_relu_avx512", "f32_relu_avx2"), act = Activation::kRelu; break;
    case Op::Erf: name = pick(isa, "f32_erf_avx512", "f32_erf_avx2"), act = Activation::kErf; break;
    default: name = pick(isa, "f32_tanh_avx512", "f32_tanh_avx2"), act = Activation::kTanh; break;
  }
  if (input(g, n, 0) && input(g, n, 0)->type.dtype != DType::kF32) return {};  // ref handles other dtypes
  require_f32(name, g, n, 0, "X");
  const ir::OpAttrs attrs(n);
  if (act != Activation::kRelu && !attrs.fast_math) refuse(name, "exact (fast_math = 0): the reference kernel is as fast");
  ActivationState st{attrs, avx512(isa) ? &f32_activation_avx512 : &f32_activation_avx2, act};
  return {&f32_activation_call, make_state(st), name, true, {}};
}

}  // namespace

KernelChoice select_kernel(const ir::Graph& graph, const ir::Node& node, cpu::Isa isa) {
  using Selector = KernelChoice (*)(const ir::Graph&, const ir::Node&, cpu::Isa);
  Selector selector = nullptr;
  switch (node.op) {
    case Op::Dense: selector = &dense; break;
    case Op::DenseInt8: selector = &dense_int8; break;
    case Op::DenseBf16: selector = &dense_bf16; break;
    case Op::LayerNorm: selector = &layer_norm; break;
    case Op::LayerNormalization: selector = &onnx_layer_norm; break;
    case Op::Attention: selector = &attention; break;
    case Op::GatedActivation: selector = &gated_activation; break;
    case Op::EmbedLayerNorm: selector = &embed_layer_norm; break;
    case Op::Softmax: selector = &softmax; break;
    case Op::Relu:
    case Op::Erf:
    case Op::Tanh: selector = &elementwise; break;
    default: return {};
  }
  if (isa == cpu::Isa::kRef) return {};
  KernelChoice choice;
  if (!cpu::isa_supported(isa)) {
    choice.refused = std::string("this CPU lacks ") + cpu::isa_name(isa);
    return choice;
  }
  try {
    return selector(graph, node, isa);
  } catch (const Refusal& r) {
    choice.refused = r.why;
  } catch (const std::exception& e) {
    choice.refused = e.what();
  }
  return choice;
}

}  // namespace bertc::kernels::x86
