// bertc::Pipeline: tokenize, sort by length, run in token-budget batches, apply the task head, return
// results in input order. See include/bertc/pipeline.h for the contract.
#include "bertc/pipeline.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>

#include "bertc/error.h"
#include "pipeline/heads.h"
#include "pipeline/model_settings.h"
#include "pipeline/token_entities.h"

namespace bertc {

using pipeline::ModelSettings;

Model load_or_compile(const std::string& path, const CompileOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec) || std::filesystem::path(path).extension() == ".onnx") {
    return compile(path, options);
  }
  return load_model(path);
}

struct Pipeline::Impl {
  std::string source;
  PipelineOptions options;
  ModelSettings settings;
  Session session;
  bool has_type_ids = false;
  size_t default_unpooled = 0;  // unpooled_tokens() of the default prompt, counted once at load

  Impl(Model model, std::string src, PipelineOptions opts)
      : source(std::move(src)),
        options(std::move(opts)),
        settings(pipeline::read_model_settings(model, source)),
        session(std::move(model), options.session) {
    if (options.max_batch_tokens == 0) throw Error("pipeline: max_batch_tokens must be at least 1");
    for (const InputInfo& in : session.inputs()) has_type_ids |= in.name == "token_type_ids";
    settings.normalize |= options.normalize;
    if (settings.task == Task::embedding && settings.tokenizer) {
      default_unpooled = unpooled_tokens(prompt_text(std::nullopt));
    }
  }

  const Tokenizer& tokenizer() const {
    if (!settings.tokenizer) throw Error(settings.tokenizer_error);
    return *settings.tokenizer;
  }

  void require(Task task) const {
    if (settings.task == task) return;
    auto what = [](Task t) {
      switch (t) {
        case Task::classification: return std::pair{"a classifier (it outputs logits)", "classify()"};
        case Task::embedding: return std::pair{"an encoder (no logits)", "embed()"};
        case Task::token_classification: return std::pair{"a token classifier (logits per token)", "token_classify()"};
      }
      return std::pair{"?", "?"};
    };
    throw Error(source + ": is " + what(settings.task).first + ": use " + what(settings.task).second +
                ", not " + what(task).second);
  }

  // With `offsets`, each token's byte range and the special-tokens mask too; `prompt` goes
  // before each text, as sentence-transformers puts it.
  std::vector<Encoding> encode(std::span<const EncodeInput> inputs, bool truncate, bool offsets = false,
                               const std::string& prompt = "") const {
    TokenizerOptions opts = tokenizer().options();
    opts.padding.reset();
    opts.truncation.reset();
    opts.return_tokens = false;  // ids are all a model reads
    opts.return_offsets = offsets;
    if (truncate && settings.max_length) {
      opts.truncation = TruncationOptions{.max_length = settings.max_length};
    }
    if (prompt.empty()) return tokenizer().encode_batch(inputs, opts);
    std::vector<std::string> texts;
    texts.reserve(inputs.size());
    for (const EncodeInput& in : inputs) texts.push_back(prompt + std::string(in.text));
    std::vector<EncodeInput> prompted;
    prompted.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) prompted.emplace_back(texts[i], inputs[i].pair);
    return tokenizer().encode_batch(prompted, opts);
  }

  // The text of prompt `name`; unset: the default prompt; "" (or no default): none.
  std::string prompt_text(const std::optional<std::string>& name) const {
    const std::string& n = name ? *name : settings.default_prompt_name;
    if (n.empty()) return "";
    const auto it = settings.prompts.find(n);
    if (it != settings.prompts.end()) return it->second;
    std::string names;
    for (const auto& [k, v] : settings.prompts) names += (names.empty() ? "" : ", ") + k;
    throw Error(source + ": has no prompt named '" + n + "' (" +
                (names.empty() ? std::string("config_sentence_transformers.json gives none") : "its prompts: " + names) + ")");
  }

  // The leading tokens pooling leaves out for `prompt` (include_prompt false): the prompt's own
  // encoding less its last token, as sentence-transformers counts them.
  size_t unpooled_tokens(const std::string& prompt) const {
    if (settings.include_prompt || prompt.empty()) return 0;
    return encode(std::vector<EncodeInput>{EncodeInput(prompt)}, false).front().size() - 1;
  }

  // Sentence embeddings of `encodings`, the first `skip` tokens of each left out of the pooling.
  std::vector<std::vector<float>> embed(std::span<const Encoding> encodings, bool unit, size_t skip) {
    require(Task::embedding);
    if (!settings.embedding_error.empty()) throw Error(settings.embedding_error);
    std::vector<std::vector<float>> out(encodings.size());
    run_batches(encodings, [&](std::span<const size_t> batch, const std::vector<RaggedOutput>& outputs) {
      const RaggedOutput& states = output(outputs, "last_hidden_state");
      const int64_t hidden = states.data.dim(1);
      for (size_t b = 0; b < batch.size(); ++b) {
        const Tensor rows = states.sequence(b);  // the sequence's real tokens only
        std::vector<int64_t> mask(static_cast<size_t>(rows.dim(0)), 1);
        std::fill_n(mask.begin(), std::min(skip, mask.size()), 0);
        std::vector<float> e = pipeline::pool(rows.data<float>(), mask, hidden, settings.pooling);
        for (const DenseModule& d : settings.dense) e = pipeline::dense(e, d);
        if (unit) pipeline::l2_normalize(e);
        out[batch[b]] = std::move(e);
      }
    });
    return out;
  }

  // Runs every encoding in batches of at most options.max_batch_tokens tokens (a longer one
  // alone), shortest first, each a ragged batch (packed where the model allows it); after
  // each, `take(batch, outputs)` reads the outputs (in session.output_names() order), whose
  // sequence b is encodings[batch[b]].
  template <typename Take>
  void run_batches(std::span<const Encoding> encodings, Take take) {
    std::vector<size_t> order(encodings.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return encodings[a].size() < encodings[b].size(); });
    std::vector<int64_t> ids, types, lengths;
    for (size_t start = 0, end = 0; start < order.size(); start = end) {
      ids.clear();
      types.clear();
      lengths.clear();
      size_t tokens = 0;
      for (; end < order.size(); ++end) {
        const Encoding& e = encodings[order[end]];
        if (end > start && tokens + e.size() > options.max_batch_tokens) break;
        tokens += e.size();
        ids.insert(ids.end(), e.ids.begin(), e.ids.end());
        types.insert(types.end(), e.type_ids.begin(), e.type_ids.end());
        lengths.push_back(static_cast<int64_t>(e.size()));
      }
      if (!has_type_ids) types.clear();
      // Session::run serializes, so one Pipeline may serve several threads.
      const std::vector<RaggedOutput> outputs = session.run(RaggedBatch{ids, lengths, types});
      take(std::span<const size_t>(order.data() + start, end - start), outputs);
      if (options.progress) options.progress(end, order.size());
    }
  }

  const RaggedOutput& output(const std::vector<RaggedOutput>& outputs, const std::string& name) const {
    for (const RaggedOutput& out : outputs) {
      if (out.name == name) return out;
    }
    std::string have;
    for (const RaggedOutput& out : outputs) have += (have.empty() ? "" : ", ") + out.name;
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

const std::map<std::string, std::string>& Pipeline::prompts() const { return impl_->settings.prompts; }
const std::string& Pipeline::default_prompt_name() const { return impl_->settings.default_prompt_name; }
bool Pipeline::include_prompt() const { return impl_->settings.include_prompt; }

std::vector<Encoding> Pipeline::encode(std::span<const EncodeInput> inputs, bool truncate,
                                       const std::optional<std::string>& prompt_name) const {
  const bool encoder = impl_->settings.task == Task::embedding;
  if (prompt_name && !encoder) throw Error(impl_->source + ": prompts apply to embedding models only");
  return impl_->encode(inputs, truncate, false, encoder ? impl_->prompt_text(prompt_name) : "");
}

std::vector<Classification> Pipeline::classify(std::span<const EncodeInput> inputs) {
  impl_->require(Task::classification);
  return classify(impl_->encode(inputs, true));
}

std::vector<std::vector<float>> Pipeline::embed(std::span<const EncodeInput> inputs) {
  return embed(inputs, std::nullopt);
}

std::vector<std::vector<float>> Pipeline::embed(std::span<const EncodeInput> inputs,
                                                const std::optional<std::string>& prompt_name,
                                                std::optional<bool> normalize) {
  Impl& im = *impl_;
  im.require(Task::embedding);
  const std::string prompt = im.prompt_text(prompt_name);
  return im.embed(im.encode(inputs, true, false, prompt), normalize.value_or(im.settings.normalize),
                  im.unpooled_tokens(prompt));
}

std::vector<Classification> Pipeline::classify(std::span<const Encoding> encodings) {
  Impl& im = *impl_;
  im.require(Task::classification);
  std::vector<Classification> out(encodings.size());
  im.run_batches(encodings, [&](std::span<const size_t> batch, const std::vector<RaggedOutput>& outputs) {
    const RaggedOutput& logits = im.output(outputs, "logits");
    const auto n = static_cast<size_t>(logits.data.dim(1));
    if (n != im.settings.labels.size()) {
      throw Error(im.source + ": the model gives " + std::to_string(n) + " logits but has " +
                  std::to_string(im.settings.labels.size()) + " labels");
    }
    for (size_t b = 0; b < batch.size(); ++b) {
      const Tensor row = logits.sequence(b);
      Classification& c = out[batch[b]];
      c.logits.assign(row.data<float>(), row.data<float>() + n);
      c.probabilities = pipeline::class_scores(c.logits, im.settings.score);
    }
  });
  return out;
}

std::vector<std::vector<float>> Pipeline::embed(std::span<const Encoding> encodings,
                                                std::optional<bool> normalize) {
  Impl& im = *impl_;
  im.require(Task::embedding);
  return im.embed(encodings, normalize.value_or(im.settings.normalize), im.default_unpooled);
}

std::vector<Tensor> Pipeline::token_embeddings(std::span<const Encoding> encodings) {
  Impl& im = *impl_;
  im.require(Task::embedding);
  std::vector<Tensor> out(encodings.size());
  im.run_batches(encodings, [&](std::span<const size_t> batch, const std::vector<RaggedOutput>& outputs) {
    const RaggedOutput& states = im.output(outputs, "last_hidden_state");
    for (size_t b = 0; b < batch.size(); ++b) out[batch[b]] = Tensor::copy_of(states.sequence(b));
  });
  return out;
}

std::vector<Ranked> rank_by_score(std::span<const float> scores, std::size_t top_k) {
  std::vector<Ranked> ranked(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) ranked[i] = {i, scores[i]};
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  if (top_k && top_k < ranked.size()) ranked.resize(top_k);
  return ranked;
}

std::vector<Ranked> Pipeline::rerank(std::string_view query, const std::vector<std::string>& documents,
                                     std::size_t top_k) {
  impl_->require(Task::classification);
  if (labels().size() != 1) {
    throw Error(impl_->source + ": a re-ranker is a one-label cross-encoder; this classifier has " +
                std::to_string(labels().size()) + " labels");
  }
  std::vector<EncodeInput> pairs;
  pairs.reserve(documents.size());
  for (const std::string& d : documents) pairs.emplace_back(query, std::string_view(d));
  std::vector<float> scores;
  for (const Classification& c : classify(pairs)) scores.push_back(c.probabilities.at(0));
  return rank_by_score(scores, top_k);
}

Aggregation aggregation_from_name(std::string_view name) {
  static const std::pair<std::string_view, Aggregation> kNames[] = {
      {"none", Aggregation::none}, {"simple", Aggregation::simple}, {"first", Aggregation::first},
      {"average", Aggregation::average}, {"max", Aggregation::max}};
  for (const auto& [n, a] : kNames) {
    if (n == name) return a;
  }
  throw Error("aggregation '" + std::string(name) + "' is not one of none, simple, first, average, max");
}

std::vector<std::vector<Entity>> Pipeline::token_classify(const std::vector<std::string>& texts,
                                                          Aggregation aggregation) {
  Impl& im = *impl_;
  im.require(Task::token_classification);
  const std::vector<EncodeInput> inputs(texts.begin(), texts.end());
  const std::vector<Encoding> encodings = im.encode(inputs, true, true);
  const Tokenizer& tok = im.tokenizer();
  // WordPiece marks word continuations ("##"); byte-level BPE and Unigram do not (transformers
  // then guesses from the spaces around a token).
  const bool word_aware = !tok.continuing_subword_prefix().empty();
  const std::vector<std::string>& labels = im.settings.labels;
  std::vector<std::vector<Entity>> out(texts.size());
  im.run_batches(encodings, [&](std::span<const size_t> batch, const std::vector<RaggedOutput>& outputs) {
    const RaggedOutput& logits = im.output(outputs, "logits");
    const auto n = static_cast<size_t>(logits.data.dim(logits.data.rank() - 1));
    if (n != labels.size()) {
      throw Error(im.source + ": the model gives " + std::to_string(n) + " logits per token but has " +
                  std::to_string(labels.size()) + " labels");
    }
    for (size_t b = 0; b < batch.size(); ++b) {
      const std::string& text = texts[batch[b]];
      const Encoding& e = encodings[batch[b]];
      const Tensor rows = logits.sequence(b);  // [tokens, labels]
      std::vector<size_t> chars_before(text.size() + 1, 0);  // byte offset -> character offset
      for (size_t i = 0; i < text.size(); ++i) {
        chars_before[i + 1] = chars_before[i] + ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80);
      }
      std::vector<pipeline::TokenPrediction> tokens;
      for (size_t t = 0; t < e.size(); ++t) {
        if (e.special_tokens_mask[t]) continue;
        pipeline::TokenPrediction p;
        const float* row = rows.data<float>() + t * n;
        p.scores = pipeline::class_scores({row, n}, pipeline::ScoreFunction::softmax);
        const auto [begin, end] = e.offsets[t];
        const std::string_view covered = std::string_view(text).substr(begin, end - begin);
        p.index = t;
        p.start = chars_before[begin];
        p.end = chars_before[end];
        if (e.ids[t] == tok.unk_id()) {
          p.word = covered;
        } else if (word_aware) {  // as transformers: a piece shorter than its token continues a word
          p.word = tok.id_to_token(e.ids[t]);
          p.is_subword = pipeline::utf8_length(p.word) != p.end - p.start;
        } else {  // transformers' fallback: no space before the token or at its start
          p.word = tok.id_to_token(e.ids[t]);
          p.is_subword = begin > 0 && text[begin - 1] != ' ' && text[begin] != ' ';
        }
        tokens.push_back(std::move(p));
      }
      out[batch[b]] = pipeline::aggregate_entities(
          tokens, labels, aggregation, {"O"},
          [&](const std::vector<std::string>& pieces) { return tok.tokens_to_string(pieces); });
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
