// Hugging Face checkpoint import: a model folder (config.json + model.safetensors, else
// pytorch_model.bin) into an ir::Graph built from the op patterns that torch.onnx.export of the
// same transformers model gives the ONNX importer, so the same passes fuse it into the same
// kernels (tests/frontend_hf checks the fused op counts against the ONNX fixtures). Only shape
// glue differs (e.g. DistilBERT's mask is added as BERT's is, not applied with Where).
//
// Architectures (config.json "architectures"[0], else "model_type" → its bare model):
//   Bert / DistilBert / Roberta / XLMRoberta / Electra / DebertaV2: Model,
//   ForSequenceClassification, ForTokenClassification; MPNet, ModernBert: Model,
//   ForSequenceClassification
//   (hidden_act / activation: gelu (erf), gelu_new / gelu_pytorch_tanh (tanh form), relu;
//   absolute position embeddings only).
// Parameter names are matched with or without the "bert." / "distilbert." / "roberta." /
// "electra." / "mpnet." / "model." / "deberta." prefix
// (old "LayerNorm.gamma" / "beta" names too); tensors the graph does not use (buffers such as
// embeddings.position_ids, a pooler a classifier does not read, MLM heads) are ignored.
//
// The graph (value names follow the HF module path):
//   inputs   input_ids, attention_mask, token_type_ids (BERT, ELECTRA, DeBERTa with
//            type_vocab_size > 0): int64 [batch, seq]
//   embed    Gather(word, ids) + Gather(type, type ids) + Gather(position, positions) →
//            LayerNormalization (opset-17 form, axis -1). Positions: BERT slices the constant
//            position_ids [1, P] to the sequence length; RoBERTa computes
//            CumSum(ids != pad) · (ids != pad) + pad (MPNet too, with pad 1 and no token
//            types); DistilBERT Range(0, seq) expanded. ELECTRA: embeddings_project after.
//   bias     MPNet: relative_attention_bias[bucket(j - i)] as [1, NH, S, S] from Range(0, seq)
//            (relative_position_bucket in Less / Abs / Log / Min / Where ops), added to every
//            layer's scores before the mask
//   mask     (1 - Cast(Unsqueeze(attention_mask, [1, 2]))) · finfo(float32).min, [batch,1,1,seq]
//   layer    q/k/v: MatMul(x, Wᵀ [K, N]) + b → Reshape [0, 0, NH, D] → Transpose (0,2,1,3)
//            (k: (0,2,3,1)); MatMul(q, k) / √D (DistilBERT: q / √D before the MatMul) + mask
//            → Softmax(-1) → MatMul(·, v) → Transpose (0,2,1,3) → Reshape [0, 0, H] → dense
//            → Add residual → LayerNormalization; FFN dense → GELU (Div √2, Erf, Add 1, Mul x,
//            Mul 0.5) → dense → Add residual → LayerNormalization
//   heads    pooler: Gather(h, 0, axis 1) → Gemm(transB = 1) → Tanh; classifiers as in
//            transformers (BERT: pooler → classifier; RoBERTa: dense → Tanh → out_proj;
//            DistilBERT: pre_classifier → Relu → classifier), all Gemm transB = 1.
//   ModernBERT (its own builder, as torch exports its eager path): tok_embeddings → norm;
//            pre-norm layers: Wqkv → Reshape [0, 0, 3, NH, D] → Transpose (0,3,2,1,4) → Split
//            (axis 2) → Squeeze → rotary on q, k (x·cos + Concat(Neg(x[D/2:]), x[:D/2])·sin,
//            cos / sin from Range(0, seq) and the layer's theta) → scores · D^-0.5 [+ the
//            sliding window bias [1, 1, S, S] in local layers] + mask → Softmax → Wo + residual;
//            mlp_norm → Wi → Split in two → act(input) · gate → Wo + residual; final_norm.
//            Linears and norms without bias where the config says so (a norm gets zero beta).
//   DeBERTa-v2 / v3 (its own builder, as torch exports DisentangledSelfAttention): word
//            (+ absolute positions when position_biased_input) (+ token types) → embed_proj
//            when embedding_size ≠ hidden → LayerNorm → · mask; q, k, v Reshaped to [B·NH, S, D]
//            (targets Concat'ed from the sequence length); q·(kᵀ / √(D·(1 + c2p + p2c))) +
//            GatherElements(q · Pk, Expand(clamp(i - j + span))) / √… + Transpose(
//            GatherElements(k · Pq, Expand(clamp(j - i + span)))) / √…, i - j through
//            make_log_bucket_position (Sign / Abs / Log / Ceil / Where) with position_buckets,
//            Pk / Pq = the layer's key_proj / query_proj (share_att_key) or pos_key_proj /
//            pos_query_proj of the (LayerNorm'd) rel_embeddings, Tiled per batch row → Reshape
//            [B, NH, S, S] → Where(Not(mask_i · mask_j), min, ·) → Softmax → back to
//            [B·NH, S, S] → MatMul(·, v) → [B, NH, S, D] → Transpose → [B, S, H]; then BERT's
//            output / FFN; heads: ContextPooler (dense → pooler_hidden_act) → classifier, or
//            the token classifier. Refused by name: conv_kernel_size > 0, attention_head_size,
//            pooler_hidden_size ≠ hidden, pos_att_type other than c2p / p2c, norm_rel_ebd other
//            than none / layer_norm.
//   outputs  last_hidden_state [batch, seq, H] (+ pooler_output [batch, H] for BertModel /
//            RobertaModel with a pooler in the file); logits [batch, num_labels] for classifiers.
//
// Every failure is a bertc::Error naming the file and the thing at fault: a missing config.json
// or weights file (sharded checkpoints and the pre-1.6 torch.save format: "convert to
// safetensors"), malformed JSON, safetensors or torch checkpoint, an unknown architecture /
// model_type / activation, hidden_size not divisible by the heads, a missing tensor, a tensor of
// the wrong shape (expected vs got), a config that contradicts the weights (labels, layers).
#pragma once

#include <map>
#include <string>

#include "bertc/compile.h"
#include "ir/graph.h"

namespace bertc::frontend::hf {

struct HfImport {
  ir::Graph graph;
  // What the folder says about the model besides its graph (config.json, tokenizer files,
  // sentence-transformers modules); becomes bertc::Model::info.
  ModelInfo info;
};

// True when `dir` is a folder that looks like a Hugging Face checkpoint: it has config.json, or
// (old sentence-transformers layout) modules.json names a Transformer subfolder that has one.
bool is_hf_folder(const std::string& dir);

HfImport import_hf(const std::string& dir);

}  // namespace bertc::frontend::hf
