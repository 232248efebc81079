#include "kernels/x86/kernel_calls.h"

#include <algorithm>
#include <string>
#include <vector>

#include "bertc/error.h"
#include "cpu/thread_pool.h"
#include "ir/packed_weights.h"
#include "kernels/call_checks.h"
#include "kernels/x86/qgemm.h"

namespace bertc::kernels::x86 {
namespace {

// Runs fn(begin, end) over [0, n) in chunks of at least min_chunk on the pool.
template <typename F>
void parallel_ranges(cpu::ThreadPool* pool, int64_t n, int64_t min_chunk, F&& fn) {
  const int threads = pool ? pool->num_threads() : 1;
  if (threads <= 1 || n <= min_chunk) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  const int64_t chunk = std::max(min_chunk, (n + 4 * threads - 1) / (4 * threads));
  pool->parallel_for((n + chunk - 1) / chunk,
                     [&](int64_t t, int) { fn(t * chunk, std::min(n, (t + 1) * chunk)); });
}

// The ids of an int32/int64 [.., S] tensor as int64 rows of `table_rows`, negative ones
// counted from the end; throws naming the table for anything outside [-rows, rows).
void load_ids(const KernelCall& call, const Tensor& ids, const char* input, int64_t table_rows,
              const std::string& table, const char* what, int64_t* out) {
  if (ids.dtype() != DType::kI64 && ids.dtype() != DType::kI32) {
    fail(call, std::string(input) + " must be int64 or int32, got " + dtype_name(ids.dtype()));
  }
  const int64_t n = ids.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t id = ids.dtype() == DType::kI64 ? ids.data<int64_t>()[i] : ids.data<int32_t>()[i];
    if (id < -table_rows || id >= table_rows) {
      std::string where(ids.rank() == 2 ? "[" : "flat index ");
      if (ids.rank() == 2) {
        where.append(std::to_string(i / ids.dim(1))).append(", ");
        where.append(std::to_string(i % ids.dim(1))).append("]");
      } else {
        where.append(std::to_string(i));
      }
      fail(call, std::string(input) + " holds " + what + " id " + std::to_string(id) + " at " +
                     where + ", outside the " + what + " embedding table '" + table + "' (" +
                     std::to_string(table_rows) + " rows)");
    }
    out[i] = id < 0 ? id + table_rows : id;
  }
}

}  // namespace

void f32_layer_norm_call(const KernelCall& call) {
  const auto& st = call.attrs_as<LayerNormState>();
  const Tensor& x = src_f32(call, 0, "X");
  if (x.rank() < 1) fail(call, "X must have rank >= 1");
  const int64_t h = x.shape().back();
  const int64_t rows = h == 0 ? 0 : x.numel() / h;
  const Tensor& gamma = src_f32(call, 1, "gamma");
  const Tensor& beta = src_f32(call, 2, "beta");
  check_numel(call, gamma, h, "gamma");
  check_numel(call, beta, h, "beta");
  const float* skip = nullptr;
  if (has_src(call, 3)) {
    const Tensor& s = src_f32(call, 3, "skip");
    check_numel(call, s, x.numel(), "skip");
    skip = s.data<float>();
  }
  Tensor& y = dst_f32(call, x.numel());
  LayerNormArgs args;
  args.x = x.data<float>();
  args.skip = skip;
  args.gamma = gamma.data<float>();
  args.beta = beta.data<float>();
  args.y = y.data<float>();
  args.rows = rows;
  args.hidden = h;
  args.epsilon = st.epsilon;
  st.fn(args, call.pool);
}

void f32_embed_layer_norm_call(const KernelCall& call) {
  const auto& st = call.attrs_as<EmbedLayerNormState>();
  if (!has_src(call, 0)) fail(call, "ids are required");
  if (has_src(call, 2) != has_src(call, 5)) fail(call, "positions and the position table come together");
  const Tensor& ids = *call.src[0];
  const Tensor& word = src_f32(call, 3, "word embeddings");
  const bool positioned = has_src(call, 2);
  const Tensor* pos = positioned ? call.src[2] : nullptr;
  const Tensor* position = positioned ? &src_f32(call, 5, "position embeddings") : nullptr;
  const Tensor& gamma = src_f32(call, 6, "gamma");
  const Tensor& beta = src_f32(call, 7, "beta");
  const bool typed = has_src(call, 1) && has_src(call, 4);
  if (ids.rank() != 2) fail(call, "ids must be [B, S], got " + dims_str(ids.shape()));
  const int64_t B = ids.dim(0), S = ids.dim(1), tokens = B * S;
  if (word.rank() != 2 || (position && position->rank() != 2)) fail(call, "embedding tables must be 2-D");
  const int64_t H = word.dim(1);
  if (position && position->dim(1) != H) {
    fail(call, "position table width " + std::to_string(position->dim(1)) + " != " + std::to_string(H));
  }
  check_numel(call, gamma, H, "gamma");
  check_numel(call, beta, H, "beta");
  if (pos && (pos->rank() != 2 || pos->dim(1) != S || (pos->dim(0) != B && pos->dim(0) != 1))) {
    fail(call, "positions " + dims_str(pos->shape()) + " must be [B or 1, S] for ids " + dims_str(ids.shape()));
  }
  const Tensor* type = typed ? &src_f32(call, 4, "token type embeddings") : nullptr;
  if (type) {
    if (type->rank() != 2 || type->dim(1) != H) fail(call, "token type table must be [T, " + std::to_string(H) + "]");
    if (call.src[1]->numel() != tokens) {
      fail(call, "token types " + dims_str(call.src[1]->shape()) + " do not match ids " + dims_str(ids.shape()));
    }
  }
  Tensor& y = dst_f32(call, tokens * H);

  // Validated, normalized row indices (int64) for the three tables.
  thread_local std::vector<int64_t> idx;
  idx.resize(static_cast<size_t>(3 * tokens));
  int64_t* word_ids = idx.data();
  int64_t* type_ids = word_ids + tokens;
  int64_t* pos_ids = type_ids + tokens;
  load_ids(call, ids, "input ids", word.dim(0), st.word_name, "word", word_ids);
  if (type) load_ids(call, *call.src[1], "token types", type->dim(0), st.type_name, "token type", type_ids);
  if (pos) {
    load_ids(call, *pos, "positions", position->dim(0), st.position_name, "position", pos_ids);
    if (pos->dim(0) == 1 && B > 1) {
      for (int64_t b = 1; b < B; ++b) std::copy(pos_ids, pos_ids + S, pos_ids + b * S);
    }
  }

  EmbedLayerNormArgs args;
  args.word_ids = word_ids;
  args.type_ids = type ? type_ids : nullptr;
  args.pos_ids = pos ? pos_ids : nullptr;
  args.word = word.data<float>();
  args.type = type ? type->data<float>() : nullptr;
  args.position = position ? position->data<float>() : nullptr;
  args.gamma = gamma.data<float>();
  args.beta = beta.data<float>();
  args.y = y.data<float>();
  args.tokens = tokens;
  args.hidden = H;
  args.epsilon = st.epsilon;
  st.fn(args, call.pool);
}

void f32_attention_call(const KernelCall& call) {
  const auto& st = call.attrs_as<AttentionState>();
  const Tensor& qkv = src_f32(call, 0, "QKV");
  if (qkv.rank() != 3) fail(call, "QKV must be [B, S, 3*NH*D], got " + dims_str(qkv.shape()));
  const int64_t B = qkv.dim(0), S = qkv.dim(1), W = qkv.dim(2);
  if (st.num_heads <= 0 || W % (3 * st.num_heads) != 0) {
    fail(call, "QKV width " + std::to_string(W) + " is not a multiple of 3 * num_heads (" +
                   std::to_string(st.num_heads) + ")");
  }
  const float* bias = nullptr;
  if (has_src(call, 1)) {
    const Tensor& b = src_f32(call, 1, "bias");
    check_numel(call, b, B * S, "bias");
    bias = b.data<float>();
  }
  const int64_t longest = call.sequences ? call.sequences->max_len : S;
  const int64_t head_dim = W / (3 * st.num_heads);
  AttentionArgs args;
  if (has_src(call, 2)) {
    const Tensor& r = src_f32(call, 2, "rel");
    if (r.rank() != 2 || (r.dim(0) != st.num_heads && r.dim(0) != 1) || r.dim(1) % 2 != 1) {
      fail(call, "rel must be [num_heads or 1, 2R - 1], got " + dims_str(r.shape()));
    }
    args.rel_heads = r.dim(0);
    args.rel_span = (r.dim(1) + 1) / 2;
    if (longest > args.rel_span) {
      fail(call, "a sequence of " + std::to_string(longest) + " tokens is longer than the " +
                     std::to_string(args.rel_span) + " the relative position bias covers");
    }
    args.rel = r.data<float>();
  }
  if (has_src(call, 3) || has_src(call, 4)) {
    const Tensor& c = src_f32(call, 3, "cos");
    const Tensor& s = src_f32(call, 4, "sin");
    if (c.rank() != 2 || c.dim(1) != head_dim || head_dim % 2 != 0 || s.shape() != c.shape()) {
      fail(call, "cos " + dims_str(c.shape()) + " and sin " + dims_str(s.shape()) +
                     " must be [P, " + std::to_string(head_dim) + "] (the even head size)");
    }
    if (longest > c.dim(0)) {
      fail(call, "a sequence of " + std::to_string(longest) + " tokens is longer than the " +
                     std::to_string(c.dim(0)) + " positions of the rotary tables");
    }
    args.cos = c.data<float>();
    args.sin = s.data<float>();
  }
  if (has_src(call, 5) || has_src(call, 6) || has_src(call, 7)) {
    if (!has_src(call, 7) || (!has_src(call, 5) && !has_src(call, 6)) || args.cos) {
      fail(call, "pos_index comes with pos_key and / or pos_query, and not with rotary tables");
    }
    const Tensor& index = *call.src[7];
    if (index.dtype() != DType::kI64 || index.rank() != 1 || index.dim(0) % 2 != 1) {
      fail(call, "pos_index must be int64 [2R - 1], got " + std::string(dtype_name(index.dtype())) + " " +
                     dims_str(index.shape()));
    }
    args.pos_span = (index.dim(0) + 1) / 2;
    for (size_t i : {5, 6}) {
      if (!has_src(call, i)) continue;
      const Tensor& t = src_f32(call, i, i == 5 ? "pos_key" : "pos_query");
      if (t.rank() != 3 || t.dim(0) != st.num_heads || t.dim(2) != head_dim ||
          (args.pos_rows && t.dim(1) != args.pos_rows)) {
        fail(call, "pos_key and pos_query must be [num_heads, P, " + std::to_string(head_dim) + "], got " +
                       dims_str(t.shape()));
      }
      args.pos_rows = t.dim(1);
      (i == 5 ? args.pos_key : args.pos_query) = t.data<float>();
    }
    if (longest > args.pos_span) {
      fail(call, "a sequence of " + std::to_string(longest) + " tokens is longer than the " +
                     std::to_string(args.pos_span) + " the relative positions cover");
    }
    const int64_t* rows = index.data<int64_t>();
    for (int64_t i = 0; i < index.dim(0); ++i) {
      if (rows[i] < 0 || rows[i] >= args.pos_rows) {
        fail(call, "pos_index[" + std::to_string(i) + "] = " + std::to_string(rows[i]) + " is outside [0, " +
                       std::to_string(args.pos_rows) + ")");
      }
    }
    args.pos_index = rows;
  }
  args.window = st.window;
  Tensor& y = dst_f32(call, B * S * (W / 3));
  args.qkv = qkv.data<float>();
  args.bias = bias;
  args.y = y.data<float>();
  args.batch = B;
  args.seq = S;
  if (call.sequences) {  // packed: [1, T, ...], no bias
    if (bias || B != 1) fail(call, "a packed batch takes QKV [1, T, ...] and no bias");
    args.offsets = call.sequences->offsets;
    args.batch = call.sequences->count;
    args.seq = call.sequences->max_len;
  }
  args.heads = st.num_heads;
  args.head_dim = W / (3 * st.num_heads);
  args.scale = st.scale;
  args.fast_math = st.fast_math;
  st.fn(args, call.pool);
}

void f32_gated_gelu_call(const KernelCall& call) {
  const auto& st = call.attrs_as<GatedGeluState>();
  const Tensor& x = src_f32(call, 0, "X");
  if (x.rank() < 1 || x.shape().back() % 2 != 0) fail(call, "X must be [..., 2F], got " + dims_str(x.shape()));
  const int64_t F = x.shape().back() / 2, rows = F == 0 ? 0 : x.numel() / (2 * F);
  Tensor& y = dst_f32(call, rows * F);
  const float* in = x.data<float>();
  float* out = y.data<float>();
  constexpr int64_t kRowsPerTask = 16;
  auto task = [&](int64_t t, int) {
    for (int64_t r = t * kRowsPerTask; r < std::min(rows, (t + 1) * kRowsPerTask); ++r) {
      float* o = out + r * F;
      const float* gate = in + r * 2 * F + F;
      gemm_gelu(st.isa, in + r * 2 * F, o, F, st.fast_math);
      for (int64_t f = 0; f < F; ++f) o[f] *= gate[f];
    }
  };
  const int64_t tasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
  if (call.pool && call.pool->num_threads() > 1 && tasks > 1) {
    call.pool->parallel_for(tasks, task);
  } else {
    for (int64_t t = 0; t < tasks; ++t) task(t, 0);
  }
}

namespace {

// The part of bertc.Dense / DenseInt8 / DenseBf16 around the product: reads bias (src bias_src) and
// residual (src bias_src + 1), sizes Y, calls gemm(epilogue, C) and runs the second pass.
template <typename Gemm>
void run_dense(const KernelCall& call, int64_t M, int64_t N, const DenseActivationPlan& act,
               size_t bias_src, Gemm&& gemm) {
  GemmEpilogue ep;
  if (has_src(call, bias_src)) {
    const Tensor& b = src_f32(call, bias_src, "bias");
    check_numel(call, b, N, "bias");
    ep.bias = b.data<float>();
  }
  const float* residual = nullptr;
  if (has_src(call, bias_src + 1)) {
    const Tensor& r = src_f32(call, bias_src + 1, "residual");
    check_numel(call, r, M * N, "residual");
    residual = r.data<float>();
  }
  Tensor& y = dst_f32(call, M * N);
  const auto& attrs = call.attrs_as<ir::OpAttrs>();
  ep.activation = act.gemm_activation;
  ep.fast_math = attrs.fast_math;
  if (act.post == Activation::kNone) {
    ep.residual = residual;
    ep.ldr = N;
  }
  float* c = y.data<float>();
  gemm(ep, c);
  if (act.post != Activation::kNone) {
    parallel_ranges(call.pool, M * N, 16384, [&](int64_t i0, int64_t i1) {
      act.post_fn(act.post, c + i0, residual ? residual + i0 : nullptr, c + i0, i1 - i0, attrs.fast_math);
    });
  }
}

// X of a Dense-like call, [..., k] (select.cc refuses k = 0).
const Tensor& dense_x(const KernelCall& call, int64_t k) {
  const Tensor& x = src_f32(call, 0, "X");
  if (x.rank() < 1 || x.shape().back() != k) {
    fail(call, "X must be [..., " + std::to_string(k) + "], got " + dims_str(x.shape()));
  }
  return x;
}

}  // namespace

void f32_dense_call(const KernelCall& call) {
  const auto& st = call.attrs_as<DenseState>();
  const Tensor& x = dense_x(call, st.k);
  const int64_t M = x.numel() / st.k;
  const float* w = st.packed.get();
  if (!w) {
    const Tensor& wt = src_f32(call, 1, "W");
    check_numel(call, wt, ir::dense_packed_size(st.k, st.n), "packed W");
    w = wt.data<float>();
  }
  run_dense(call, M, st.n, st.act, 2, [&](const GemmEpilogue& ep, float* c) {
    gemm_run_isa(st.isa, M, st.n, st.k, x.data<float>(), st.k, w, c, st.n, ep, call.pool);
  });
}

void s8_dense_call(const KernelCall& call) {
  const auto& st = call.attrs_as<DenseInt8State>();
  const Tensor& x = dense_x(call, st.k);
  const int64_t M = x.numel() / st.k;
  const Tensor& w = *call.src[1];
  if (w.dtype() != DType::kI8) fail(call, std::string("Wq must be int8, got ") + dtype_name(w.dtype()));
  check_numel(call, w, ir::dense_int8_packed_size(st.k, st.n), "packed Wq");
  const Tensor& scales = src_f32(call, 2, "w_scale");
  check_numel(call, scales, st.n, "w_scale");
  const float* smooth = nullptr;
  if (has_src(call, 5)) {
    const Tensor& s = src_f32(call, 5, "x_scale");
    check_numel(call, s, st.k, "x_scale");
    smooth = s.data<float>();
  }
  run_dense(call, M, st.n, st.act, 3, [&](const GemmEpilogue& ep, float* c) {
    qgemm_run(st.kernel, M, st.n, st.k, x.data<float>(), st.k, w.data<int8_t>(), scales.data<float>(), c, st.n,
              ep, call.pool, smooth);
  });
}

void bf16_dense_call(const KernelCall& call) {
  const auto& st = call.attrs_as<DenseBf16State>();
  const Tensor& x = dense_x(call, st.k);
  const int64_t M = x.numel() / st.k;
  const Tensor& w = *call.src[1];
  if (w.dtype() != DType::kI32) fail(call, std::string("Wb must be int32 (bf16 pairs), got ") + dtype_name(w.dtype()));
  check_numel(call, w, ir::dense_bf16_packed_size(st.k, st.n), "packed Wb");
  run_dense(call, M, st.n, st.act, 2, [&](const GemmEpilogue& ep, float* c) {
    bgemm_run(M, st.n, st.k, x.data<float>(), st.k, w.data<int32_t>(), c, st.n, ep, call.pool);
  });
}

void f32_softmax_call(const KernelCall& call) {
  const auto& st = call.attrs_as<SoftmaxState>();
  const Tensor& x = src_f32(call, 0, "X");
  if (x.rank() < 1) fail(call, "X must have rank >= 1");
  const int64_t n = x.shape().back();
  Tensor& y = dst_f32(call, x.numel());
  if (n == 0) return;
  st.fn(x.data<float>(), y.data<float>(), x.numel() / n, n, st.fast_math, call.pool);
}

void f32_activation_call(const KernelCall& call) {
  const auto& st = call.attrs_as<ActivationState>();
  const Tensor& x = src_f32(call, 0, "X");
  Tensor& y = dst_f32(call, x.numel());
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  parallel_ranges(call.pool, x.numel(), 16384, [&](int64_t i0, int64_t i1) {
    st.fn(st.act, src + i0, nullptr, dst + i0, i1 - i0, st.fast_math);
  });
}

}  // namespace bertc::kernels::x86
