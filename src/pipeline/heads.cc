#include "pipeline/heads.h"

#include <algorithm>
#include <cmath>

#include "bertc/error.h"

namespace bertc::pipeline {

std::vector<float> class_scores(std::span<const float> logits, ScoreFunction fn) {
  std::vector<float> out(logits.size());
  if (fn == ScoreFunction::sigmoid) {
    for (size_t i = 0; i < logits.size(); ++i) {
      out[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(logits[i]))));
    }
    return out;
  }
  if (logits.empty()) return out;
  const double top = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float x : logits) sum += std::exp(x - top);
  for (size_t i = 0; i < logits.size(); ++i) {
    out[i] = static_cast<float>(std::exp(logits[i] - top) / sum);
  }
  return out;
}

std::vector<float> pool(const float* states, std::span<const int64_t> mask, int64_t hidden,
                        const std::vector<std::string>& modes) {
  const auto h = static_cast<size_t>(hidden);
  double count = 0;
  for (int64_t m : mask) count += m != 0;
  std::vector<float> out;
  out.reserve(h * modes.size());
  for (const std::string& mode : modes) {
    if (mode == "cls") {
      out.insert(out.end(), states, states + h);
      continue;
    }
    if (mode == "lasttoken") {  // the last unmasked token (zeros when there is none)
      size_t last = mask.size();
      for (size_t t = 0; t < mask.size(); ++t) {
        if (mask[t] != 0) last = t;
      }
      if (last == mask.size()) {
        out.insert(out.end(), h, 0.0f);
      } else {
        out.insert(out.end(), states + last * h, states + (last + 1) * h);
      }
      continue;
    }
    const bool weighted = mode == "weightedmean";  // token t weighs t + 1 (its 1-based position)
    std::vector<double> acc(h, mode == "max" ? -1e9 : 0.0);  // -1e9: sentence-transformers' fill
    double weights = 0;
    for (size_t t = 0; t < mask.size(); ++t) {
      if (mask[t] == 0) continue;
      const float* row = states + t * h;
      const double w = weighted ? static_cast<double>(t + 1) : 1.0;
      weights += w;
      for (size_t j = 0; j < h; ++j) {
        acc[j] = mode == "max" ? std::max(acc[j], static_cast<double>(row[j])) : acc[j] + w * row[j];
      }
    }
    double div = 1;
    if (mode == "mean") {
      div = std::max(count, 1e-9);
    } else if (mode == "mean_sqrt_len") {
      div = std::sqrt(std::max(count, 1e-9));
    } else if (weighted) {
      div = std::max(weights, 1e-9);
    } else if (mode != "max") {
      throw Error("pooling mode '" + mode +
                  "' is not supported (cls, max, mean, mean_sqrt_len, weightedmean, lasttoken)");
    }
    for (double v : acc) out.push_back(static_cast<float>(v / div));
  }
  return out;
}

std::vector<float> dense(std::span<const float> x, const DenseModule& module) {
  const int64_t out = module.weight.dim(0), in = module.weight.dim(1);
  if (static_cast<int64_t>(x.size()) != in) {
    throw Error("a Dense module takes " + std::to_string(in) + " features, got " + std::to_string(x.size()));
  }
  const float* w = module.weight.data<float>();
  const float* b = module.bias.defined() ? module.bias.data<float>() : nullptr;
  const std::string& act = module.activation;
  double (*activation)(double) = [](double z) { return z; };  // identity
  if (act == "tanh") activation = [](double z) { return std::tanh(z); };
  if (act == "relu") activation = [](double z) { return std::max(z, 0.0); };
  if (act == "sigmoid") activation = [](double z) { return 1.0 / (1.0 + std::exp(-z)); };
  if (act == "gelu") activation = [](double z) { return 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0))); };
  std::vector<float> y(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    double acc = b ? b[o] : 0.0;
    for (int64_t i = 0; i < in; ++i) acc += static_cast<double>(w[o * in + i]) * x[static_cast<size_t>(i)];
    y[static_cast<size_t>(o)] = static_cast<float>(activation(acc));
  }
  return y;
}

void l2_normalize(std::span<float> v) {
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  const double scale = 1.0 / std::max(std::sqrt(norm), 1e-12);  // torch F.normalize's eps
  for (float& x : v) x = static_cast<float>(x * scale);
}

}  // namespace bertc::pipeline
