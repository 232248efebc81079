// Reference kernel of bertc.Attention: multi-head self-attention over a packed Q|K|V.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/fused_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::fused {

// src[0] QKV float32 [B, S, 3*NH*D]: row (b, s) holds Q (heads in order, D each), then K, then
// V. src[1] bias float32 [B, S] (optional), added to every score of key j. src[2] rel float32
// [NH|1, 2R-1] (optional): a bias by distance, S <= R. src[3], src[4] cos, sin float32 [P, D]
// (optional, together): rotary embeddings of q and k, S <= P. attrs num_heads, scale, window
// (> 0: scores of keys with |j - i| > window are -inf). src[5], src[6] pos_key, pos_query float32
// [NH, P, D] (optional, either or both) with src[7] pos_index int64 [2R' - 1], S <= R': DeBERTa's
// disentangled attention, r_ij = pos_index[j - i + R' - 1] in [0, P). dst[0] [B, S, NH*D]: for
// each b, head h, query i:
//   p_j = softmax_j(scale * (q'_i·k'_j + q_i·pos_key[h, r_ij] + k_j·pos_query[h, r_ij])
//                   + bias[b, j] + rel[h, j - i + R - 1]),  y_i = sum_j p_j v_j
// with x'_p = x_p cos[p] + rotate_half(x_p) sin[p], rotate_half(x) = (-x[D/2:], x[:D/2]).
// all in double. The scores are finite for finite inputs even with bias = float32 min (double
// does not overflow). A row whose scores are all -inf (a bias of -inf on every key) gets the
// uniform distribution, as PyTorch gives for a row masked with finfo.min. No aliasing.
// Packed (call.sequences set): QKV is [1, T, 3*NH*D], there is no bias, and each sequence
// attends over its own rows only (its distances count from its own first row).
void attention(const KernelCall& call) {
  const Tensor& qkv = *call.src[0];
  Tensor& y = *call.dst[0];
  const auto& attrs = call.attrs_as<ir::AttentionAttrs>();
  const int64_t heads = attrs.num_heads;
  const double scale = attrs.scale;
  const int64_t B = qkv.dim(0), S = qkv.dim(1), W = qkv.dim(2);
  const int64_t H = W / 3, D = H / heads;
  const Tensor* bias_t = call.src.size() > 1 ? call.src[1] : nullptr;
  const Tensor* rel_t = call.src.size() > 2 ? call.src[2] : nullptr;
  const Tensor* cos_t = call.src.size() > 3 ? call.src[3] : nullptr;
  const Tensor* sin_t = call.src.size() > 4 ? call.src[4] : nullptr;
  const Tensor* pk_t = call.src.size() > 5 ? call.src[5] : nullptr;
  const Tensor* pq_t = call.src.size() > 6 ? call.src[6] : nullptr;
  const Tensor* index_t = call.src.size() > 7 ? call.src[7] : nullptr;
  const Sequences padded{B, nullptr, S};
  const Sequences& seqs = call.sequences ? *call.sequences : padded;
  const int64_t R = rel_t && rel_t->rank() == 2 ? (rel_t->dim(1) + 1) / 2 : 0;
  const bool rotary = cos_t && sin_t;
  const bool disentangled = pk_t || pq_t;
  const int64_t P = pk_t ? pk_t->dim(1) : pq_t ? pq_t->dim(1) : 0;
  const int64_t RP = index_t && index_t->rank() == 1 ? (index_t->dim(0) + 1) / 2 : 0;
  std::vector<int64_t> pos_index = index_t ? index_t->to_int64_vector() : std::vector<int64_t>{};
  if (W != 3 * heads * D ||
      (bias_t && (call.sequences || bias_t->dim(0) != B || bias_t->dim(1) != S)) ||
      (rel_t && (rel_t->rank() != 2 || (rel_t->dim(0) != heads && rel_t->dim(0) != 1) ||
                 rel_t->dim(1) != 2 * R - 1 || seqs.max_len > R)) ||
      (cos_t != nullptr) != (sin_t != nullptr) ||
      (rotary && (cos_t->shape() != Dims{cos_t->dim(0), D} || sin_t->shape() != cos_t->shape() ||
                  D % 2 != 0 || seqs.max_len > cos_t->dim(0))) ||
      (disentangled != (index_t != nullptr)) ||
      (disentangled && ((pk_t && pk_t->shape() != Dims{heads, P, D}) || (pq_t && pq_t->shape() != Dims{heads, P, D}) ||
                        index_t->rank() != 1 || index_t->dim(0) != 2 * RP - 1 || seqs.max_len > RP ||
                        std::any_of(pos_index.begin(), pos_index.end(), [&](int64_t r) { return r < 0 || r >= P; })))) {
    call.attrs->fail("QKV " + dims_str(qkv.shape()) +
                     (bias_t ? " and bias " + dims_str(bias_t->shape()) : "") +
                     (rel_t ? " and rel " + dims_str(rel_t->shape()) : "") +
                     (cos_t ? " and cos " + dims_str(cos_t->shape()) : "") +
                     (pk_t ? " and pos_key " + dims_str(pk_t->shape()) : "") +
                     (pq_t ? " and pos_query " + dims_str(pq_t->shape()) : "") +
                     (index_t ? " and pos_index " + dims_str(index_t->shape()) : "") +
                     " do not fit num_heads = " + std::to_string(heads) +
                     (call.sequences ? " in a packed batch" : ""));
  }
  // Row `row` of Q (part 0) or K (part 1), head h, at position p of its sequence, rotated.
  std::vector<double> rq(static_cast<size_t>(D)), rk(static_cast<size_t>(D));
  auto rotated = [&](const float* x, int64_t p, std::vector<double>& out) {
    for (int64_t d = 0; d < D; ++d) {
      if (!rotary) {
        out[d] = x[d];
        continue;
      }
      const double half = d < D / 2 ? -static_cast<double>(x[d + D / 2]) : static_cast<double>(x[d - D / 2]);
      out[d] = static_cast<double>(x[d]) * cos_t->data<float>()[p * D + d] +
               half * sin_t->data<float>()[p * D + d];
    }
  };
  const float* base = qkv.data<float>();
  float* out = y.data<float>();
  std::vector<double> p(static_cast<size_t>(seqs.max_len));
  for (int64_t b = 0; b < seqs.count; ++b) {
    const int64_t row0 = seqs.offsets ? seqs.offsets[b] : b * S;
    const int64_t len = seqs.offsets ? seqs.offsets[b + 1] - row0 : S;
    const float* bias = bias_t ? bias_t->data<float>() + b * S : nullptr;
    for (int64_t h = 0; h < heads; ++h) {
      const float* rel =
          rel_t ? rel_t->data<float>() + (rel_t->dim(0) == 1 ? 0 : h) * (2 * R - 1) + R - 1 : nullptr;
      for (int64_t i = 0; i < len; ++i) {
        rotated(base + (row0 + i) * W + h * D, i, rq);
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < len; ++j) {
          rotated(base + (row0 + j) * W + H + h * D, j, rk);
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += rq[d] * rk[d];
          if (disentangled) {  // the unrotated rows (DeBERTa has no rotary embeddings)
            const int64_t r = pos_index[static_cast<size_t>(j - i + RP - 1)];
            const float* q = base + (row0 + i) * W + h * D;
            const float* k = base + (row0 + j) * W + H + h * D;
            for (int64_t d = 0; d < D; ++d) {
              if (pk_t) dot += static_cast<double>(q[d]) * pk_t->data<float>()[(h * P + r) * D + d];
              if (pq_t) dot += static_cast<double>(k[d]) * pq_t->data<float>()[(h * P + r) * D + d];
            }
          }
          p[j] = scale * dot + (bias ? static_cast<double>(bias[j]) : 0.0) +
                 (rel ? static_cast<double>(rel[j - i]) : 0.0);
          if (attrs.window > 0 && std::abs(j - i) > attrs.window) p[j] = -std::numeric_limits<double>::infinity();
          max = std::max(max, p[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < len; ++j) {
          p[j] = std::isinf(max) && max < 0 ? 1.0 : std::exp(p[j] - max);
          sum += p[j];
        }
        float* dst = out + (row0 + i) * H + h * D;
        for (int64_t d = 0; d < D; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < len; ++j) {
            acc += p[j] * static_cast<double>(base[(row0 + j) * W + 2 * H + h * D + d]);
          }
          dst[d] = static_cast<float>(acc / sum);
        }
      }
    }
  }
}

}  // namespace bertc::kernels::ref::fused
