// bertc::Pipeline: tokenize, sort by length, run in padded batches, apply the task head, return
// results in input order. See include/bertc/pipeline.h for the contract.
#include "bertc/pipeline.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>

#include "bertc/error.h"
#include "pipeline/heads.h"
#include "pipeline/model_settings.h"

namespace bertc {

using pipeline::ModelSettings;

Model load_or_compile(const std::string& path, const CompileOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return compile(path, options);
  return load_model(path);
}

struct Pipeline::Impl {
  std::string source;
  PipelineOptions options;
  ModelSettings settings;
  Session session;
  bool has_type_ids = false;

  Impl(Model model, std::string src, PipelineOptions opts)
      : source(std::move(src)),
        options(std::move(opts)),
        settings(pipeline::read_model_settings(model, source)),
        session(std::move(model), options.session) {
    if (options.batch_size == 0) throw Error("pipeline: batch_size must be at least 1");
    for (const InputInfo& in : session.inputs()) has_type_ids |= in.name == "token_type_ids";
    settings.normalize |= options.normalize;
  }

  const Tokenizer& tokenizer() const {
    if (!settings.tokenizer) throw Error(settings.tokenizer_error);
    return *settings.tokenizer;
  }

  void require(Task task) const {
    if (settings.task == task) return;
    throw Error(source + (settings.task == Task::classification
                              ? ": is a classifier (it outputs logits): use classify(), not embed()"
                              : ": is an encoder (no logits): use embed(), not classify()"));
  }

  // Runs every input in length-sorted batches; after each run, `take(batch, mask, outputs)`
  // reads the outputs (in session.output_names() order): row b holds input batch[b], `mask` is
  // the batch's attention mask.
  template <typename Take>
  void run_batches(std::span<const EncodeInput> inputs, Take take) {
    const Tokenizer& tok = tokenizer();
    TokenizerOptions opts = tok.options();
    opts.padding.reset();
    opts.truncation.reset();
    if (settings.max_length) {
      opts.truncation = TruncationOptions{.max_length = settings.max_length};
    }
    const std::vector<Encoding> encodings = tok.encode_batch(inputs, opts);
    std::vector<size_t> order(encodings.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return encodings[a].size() < encodings[b].size(); });
    const int64_t pad = tok.pad_id();
    for (size_t start = 0; start < order.size(); start += options.batch_size) {
      const std::span<const size_t> batch(order.data() + start,
                                          std::min(options.batch_size, order.size() - start));
      size_t seq = 1;
      for (size_t i : batch) seq = std::max(seq, encodings[i].size());
      const Dims shape = {static_cast<int64_t>(batch.size()), static_cast<int64_t>(seq)};
      Tensor ids = Tensor::empty(DType::kI64, shape);
      Tensor mask = Tensor::empty(DType::kI64, shape);
      Tensor types = Tensor::empty(DType::kI64, shape);
      for (size_t b = 0; b < batch.size(); ++b) {
        const Encoding& e = encodings[batch[b]];
        int64_t* row = ids.data<int64_t>() + b * seq;
        std::fill(row, row + seq, pad);
        std::copy(e.ids.begin(), e.ids.end(), row);
        std::copy(e.attention_mask.begin(), e.attention_mask.end(), mask.data<int64_t>() + b * seq);
        std::copy(e.type_ids.begin(), e.type_ids.end(), types.data<int64_t>() + b * seq);
      }
      std::map<std::string, Tensor> feeds{{"input_ids", ids}, {"attention_mask", mask}};
      if (has_type_ids) feeds.emplace("token_type_ids", types);
      // Session::run(inputs) serializes, so one Pipeline may serve several threads.
      const std::vector<Tensor> outputs = session.run(feeds);
      take(batch, mask, outputs);
      if (options.progress) options.progress(start + batch.size(), order.size());
    }
  }

  const Tensor& output(const std::vector<Tensor>& outputs, const std::string& name) const {
    const std::vector<std::string> names = session.output_names();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return outputs[i];
    }
    std::string have;
    for (const std::string& n : names) have += (have.empty() ? "" : ", ") + n;
    throw Error(source + ": has no output '" + name + "' (outputs: " + have + ")");
  }
};

Pipeline Pipeline::load(const std::string& path, PipelineOptions options) {
  Model model = load_or_compile(path, options.compile);
  return Pipeline(std::move(model), path, std::move(options));
}

Pipeline::Pipeline(Model model, std::string source, PipelineOptions options)
    : impl_(std::make_unique<Impl>(std::move(model), std::move(source), std::move(options))) {}
Pipeline::~Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;

Task Pipeline::task() const { return impl_->settings.task; }
const std::vector<std::string>& Pipeline::labels() const { return impl_->settings.labels; }
const std::vector<std::string>& Pipeline::pooling() const { return impl_->settings.pooling; }
bool Pipeline::normalizes() const { return impl_->settings.normalize; }
std::size_t Pipeline::max_length() const { return impl_->settings.max_length; }
const Tokenizer& Pipeline::tokenizer() const { return impl_->tokenizer(); }
Session& Pipeline::session() { return impl_->session; }

std::vector<Classification> Pipeline::classify(std::span<const EncodeInput> inputs) {
  Impl& im = *impl_;
  im.require(Task::classification);
  std::vector<Classification> out(inputs.size());
  im.run_batches(inputs, [&](std::span<const size_t> batch, const Tensor&,
                            const std::vector<Tensor>& outputs) {
    const Tensor& logits = im.output(outputs, "logits");
    const auto n = static_cast<size_t>(logits.dim(1));
    if (n != im.settings.labels.size()) {
      throw Error(im.source + ": the model gives " + std::to_string(n) + " logits but has " +
                  std::to_string(im.settings.labels.size()) + " labels");
    }
    for (size_t b = 0; b < batch.size(); ++b) {
      Classification& c = out[batch[b]];
      c.logits.assign(logits.data<float>() + b * n, logits.data<float>() + (b + 1) * n);
      c.probabilities = pipeline::class_scores(c.logits, im.settings.score);
    }
  });
  return out;
}

std::vector<std::vector<float>> Pipeline::embed(std::span<const EncodeInput> inputs) {
  Impl& im = *impl_;
  im.require(Task::embedding);
  if (!im.settings.embedding_error.empty()) throw Error(im.settings.embedding_error);
  std::vector<std::vector<float>> out(inputs.size());
  im.run_batches(inputs, [&](std::span<const size_t> batch, const Tensor& mask,
                            const std::vector<Tensor>& outputs) {
    const Tensor& states = im.output(outputs, "last_hidden_state");
    const int64_t seq = states.dim(1), hidden = states.dim(2);
    for (size_t b = 0; b < batch.size(); ++b) {
      const auto row = static_cast<int64_t>(b) * seq;
      out[batch[b]] = pipeline::pool(states.data<float>() + row * hidden,
                                     {mask.data<int64_t>() + row, static_cast<size_t>(seq)}, hidden,
                                     im.settings.pooling, im.settings.normalize);
    }
  });
  return out;
}

std::vector<Classification> Pipeline::classify(const std::vector<std::string>& texts) {
  const std::vector<EncodeInput> inputs(texts.begin(), texts.end());
  return classify(inputs);
}

std::vector<std::vector<float>> Pipeline::embed(const std::vector<std::string>& texts) {
  const std::vector<EncodeInput> inputs(texts.begin(), texts.end());
  return embed(inputs);
}

}  // namespace bertc
