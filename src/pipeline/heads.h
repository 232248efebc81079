// The task heads a Pipeline applies to the model's outputs, on the host: class scores from
// logits, and sentence-transformers' pooling, Dense projections and normalization of token
// states.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pipeline/model_settings.h"

namespace bertc::pipeline {

// Softmax over `logits`, or an independent sigmoid per logit.
std::vector<float> class_scores(std::span<const float> logits, ScoreFunction fn);

// One row's sentence embedding from `states` [seq, hidden] and its attention `mask` [seq]: the
// pooling `modes` concatenated (cls: row 0; max / mean / mean_sqrt_len / weightedmean (token t
// weighing t + 1) over the tokens whose mask is 1; lasttoken: the last of them; as
// sentence-transformers' Pooling computes them). Throws bertc::Error for an unknown mode.
std::vector<float> pool(const float* states, std::span<const int64_t> mask, int64_t hidden,
                        const std::vector<std::string>& modes);

// A sentence-transformers Dense module on a pooled embedding: activation(W x + b), the sums in
// double. Throws bertc::Error when x is not in_features wide.
std::vector<float> dense(std::span<const float> x, const DenseModule& module);

// Scales `v` to unit L2 norm, as torch.nn.functional.normalize does (eps 1e-12).
void l2_normalize(std::span<float> v);

}  // namespace bertc::pipeline
