// Reference kernel of bertc.EmbedLayerNorm: LayerNorm(word[ids] + type[token_types] +
// position[positions]).
#include <string>
#include <vector>

#include "kernels/ref/fused_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::fused {
namespace {

// Element i of an int32/int64 index tensor, as int64.
int64_t index_at(const Tensor& t, int64_t i) {
  return t.dtype() == DType::kI32 ? t.data<int32_t>()[i] : t.data<int64_t>()[i];
}

// Row `index` of `table` ([rows, H]); negative indices count from the end (ONNX Gather). Fails
// naming the node and the table for an index outside [-rows, rows).
const float* table_row(const KernelCall& call, const Tensor& table, int64_t index,
                       const char* what) {
  const int64_t rows = table.dim(0);
  if (index < -rows || index >= rows) {
    call.attrs->fail(std::string(what) + " index " + std::to_string(index) +
                              " is out of range [" + std::to_string(-rows) + ", " +
                              std::to_string(rows) + ")");
  }
  if (index < 0) index += rows;
  return table.data<float>() + index * table.dim(1);
}

}  // namespace

// src: 0 ids [B, S], 1 token_types [B, S] (optional), 2 positions [B|1, S] (int32/int64;
// optional); 3 word [V, H], 4 type [T, H] (with input 1), 5 position [P, H] (with input 2), 6 gamma [H],
// 7 beta [H] (float32). The sum is formed in float32 in the order of the Hugging Face
// embeddings (word + type, then + position), then LayerNorm in double (attr epsilon, default
// 1e-12). dst[0] [B, S, H]. No aliasing.
void embed_layer_norm(const KernelCall& call) {
  const Tensor& ids = *call.src[0];
  const Tensor* types = has_src(call, 1) ? call.src[1] : nullptr;
  const Tensor* pos = has_src(call, 2) ? call.src[2] : nullptr;
  const Tensor& word = *call.src[3];
  const Tensor* type_table = has_src(call, 4) ? call.src[4] : nullptr;
  const Tensor* pos_table = has_src(call, 5) ? call.src[5] : nullptr;
  const float* gamma = call.src[6]->data<float>();
  const float* beta = call.src[7]->data<float>();
  const double epsilon = call.attrs_as<ir::EpsilonAttrs>().epsilon;
  const int64_t B = ids.dim(0), S = ids.dim(1), H = word.dim(1);
  const bool pos_broadcast = pos && pos->dim(0) == 1;
  if ((pos && (pos->rank() != 2 || pos->dim(1) != S || (!pos_broadcast && pos->dim(0) != B))) ||
      (pos != nullptr) != (pos_table != nullptr) || (types && types->shape() != ids.shape())) {
    call.attrs->fail("ids " + dims_str(ids.shape()) + ", token_types " +
                     (types ? dims_str(types->shape()) : std::string("-")) + " and positions " +
                     (pos ? dims_str(pos->shape()) : std::string("-")) + " do not fit together");
  }
  std::vector<float> z(static_cast<size_t>(H));
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t s = 0; s < S; ++s) {
      const int64_t i = b * S + s;
      const float* w = table_row(call, word, index_at(ids, i), "word");
      const float* t =
          types ? table_row(call, *type_table, index_at(*types, i), "token type") : nullptr;
      const float* p = pos ? table_row(call, *pos_table, index_at(*pos, pos_broadcast ? s : i), "position")
                           : nullptr;
      for (int64_t k = 0; k < H; ++k) {
        float v = w[k];
        if (t) v += t[k];
        z[k] = p ? v + p[k] : v;
      }
      layer_norm_row(z.data(), gamma, beta, H, epsilon, call.dst[0]->data<float>() + i * H);
    }
  }
}

}  // namespace bertc::kernels::ref::fused
