// bertc::Pipeline — text in, class scores or sentence embeddings out: a Tokenizer and a Session
// over one model, giving what Hugging Face's text-classification pipeline and
// sentence-transformers' encode() give for the same model.
//
//   bertc::Pipeline clf = bertc::Pipeline::load("my-classifier/");  // folder or .bertc bundle
//   std::vector<bertc::Classification> scores = clf.classify({"I loved it", "Meh"});
//   // scores[i].probabilities[k] is the probability of clf.labels()[k]
//   bertc::Pipeline enc = bertc::Pipeline::load("all-MiniLM-L6-v2.bertc");
//   std::vector<std::vector<float>> vectors = enc.embed({"A sentence", "Another one"});
//
// Contract
// --------
// * Loading. `load` takes a bundle written by bertc::save (bertc compile of a Hugging Face folder
//   embeds the folder's tokenizer, labels and sentence-transformers settings in it) or a Hugging
//   Face model folder, which is compiled on the fly with options.compile. The model's settings
//   come from Model::metadata (see src/frontend/hf/hf_importer.h); a model without them (an ONNX
//   bundle) is a classifier when it has a "logits" output, else an encoder, with no tokenizer.
// * Text. A model whose tokenizer bertc cannot run (byte-level BPE such as RoBERTa's,
//   SentencePiece) or that has none loads fine — its Session works on tensors — and classify() /
//   embed() / tokenizer() throw bertc::Error saying why.
// * Tokenization is the model's tokenizer with its file's own truncation and padding settings
//   replaced (as transformers does when it calls a fast tokenizer): longest-first truncation to
//   max_length(), and no padding. A text's result does not depend on the other texts of its
//   batch.
// * Batching. Inputs are tokenized, sorted by length and run in batches of at most
//   options.max_batch_tokens tokens (an input longer than that alone), each a ragged batch
//   (Session::run(RaggedBatch): packed, no work on padding, where the model allows it).
//   options.progress is called after each batch; results come back in input order.
// * classify: a classifier's logits and probabilities, both in label-id order: softmax over the
//   labels, or a sigmoid per label when config.json's problem_type is multi_label_classification
//   or there is a single label (as transformers' pipeline does).
// * embed: the pooled last hidden state: the modes of sentence-transformers' Pooling module
//   (cls, max, mean, mean_sqrt_len over the unmasked tokens; several are concatenated in that
//   order) or, without one, the first ([CLS]) token's state; then L2-normalized when
//   options.normalize is set or modules.json has a Normalize module.
// * token_embeddings: what embed() pools — each input's last hidden state over its real tokens
//   (special tokens included, no padding), as sentence-transformers' output_value=
//   "token_embeddings" gives it (not normalized).
// * token_classify: what transformers' token-classification pipeline gives for each text: the
//   softmax over the labels of every token but the special ones, aggregated (none: per token;
//   simple: adjacent tokens of one entity grouped, B- starts a new one; first / average / max:
//   each word's tokens first agree on one label, then words are grouped), entities labelled "O"
//   dropped. A token continues a word when its text is shorter than the token ("##ing");
//   start / end are character offsets in the text.
// * Threads. One Pipeline may be shared by several threads: classify() and embed() run their
//   batches through Session::run(inputs), which takes turns, so they are safe but not parallel.
//   For parallel work give each thread its own Pipeline. Step-by-step use of session() binds
//   that Session to one thread (see bertc/session.h), after which other threads are refused.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bertc/session.h"
#include "bertc/tokenizer.h"

namespace bertc {

struct PipelineOptions {
  CompileOptions compile;  // for a model folder compiled on the fly
  SessionOptions session;
  std::size_t max_batch_tokens = 4096;  // tokens per batch (special tokens included)
  bool normalize = false;  // L2-normalize embeddings (on anyway when the model's files say so)
  // Called after each batch with the number of inputs done and the total.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct Classification {
  std::vector<float> logits;         // label-id order
  std::vector<float> probabilities;  // label-id order
};

// One item of a ranking: its position in the input and its score.
struct Ranked {
  std::size_t index = 0;
  float score = 0;
};
// `scores` best first (ties keep input order), the first top_k of them (0: all).
std::vector<Ranked> rank_by_score(std::span<const float> scores, std::size_t top_k = 0);

// transformers' aggregation_strategy of token classification.
enum class Aggregation { none, simple, first, average, max };
// "none", "simple", "first", "average" or "max"; anything else is a bertc::Error naming them.
Aggregation aggregation_from_name(std::string_view name);

// One entity of token classification, with the fields of transformers' pipeline output.
struct Entity {
  std::string label;                 // "entity" (Aggregation::none) or "entity_group" (the others)
  float score = 0;
  std::string word;                  // the token, or the word / group's tokens joined
  std::size_t start = 0, end = 0;    // character offsets in the text: [start, end)
  std::optional<std::size_t> index;  // the token's position in the encoding (none only)
};

// A bundle (.bertc) as it was saved, or an ONNX model (.onnx) or Hugging Face model folder
// compiled with `options`.
Model load_or_compile(const std::string& path, const CompileOptions& options = {});

class Pipeline {
 public:
  static Pipeline load(const std::string& path, PipelineOptions options = {});
  // `source` names the model in error messages.
  Pipeline(Model model, std::string source, PipelineOptions options = {});
  ~Pipeline();
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;

  Task task() const;
  // A classifier's (or token classifier's) label names in id order (id2label, else LABEL_0, ...).
  const std::vector<std::string>& labels() const;
  // An encoder's pooling modes ("cls", "mean", ...) and whether embed() normalizes.
  const std::vector<std::string>& pooling() const;
  bool normalizes() const;
  // The longest encoding, special tokens included, given to the model: the smallest of the
  // model's positions, the tokenizer's model_max_length and sentence-transformers'
  // max_seq_length that are known (0: none is).
  std::size_t max_length() const;

  // The model's tokenizer; throws bertc::Error when it has none bertc can run.
  const Tokenizer& tokenizer() const;
  Session& session();

  std::vector<Classification> classify(std::span<const EncodeInput> inputs);
  std::vector<Classification> classify(const std::vector<std::string>& texts);
  std::vector<std::vector<float>> embed(std::span<const EncodeInput> inputs);
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts);
  // embed() with prompt `prompt_name` of the model's config_sentence_transformers.json put before
  // each text (unset: its default_prompt_name, if any; "": no prompt); with the Pooling config's
  // include_prompt false, the prompt's tokens are left out of the pooling (as
  // sentence-transformers does). An unknown name is a bertc::Error listing the prompts.
  std::vector<std::vector<float>> embed(std::span<const EncodeInput> inputs,
                                        const std::optional<std::string>& prompt_name,
                                        std::optional<bool> normalize = std::nullopt);
  // The prompts (name -> text) and the default prompt's name (may be empty).
  const std::map<std::string, std::string>& prompts() const;
  const std::string& default_prompt_name() const;
  bool include_prompt() const;  // false: a prompt's tokens are not pooled
  // A one-label cross-encoder's scores of (query, document) pairs — its sigmoid, as
  // sentence-transformers' CrossEncoder.rank gives them — best first, the first top_k (0: all).
  // Throws bertc::Error for a model that is not a one-label classifier.
  std::vector<Ranked> rerank(std::string_view query, const std::vector<std::string>& documents,
                             std::size_t top_k = 0);
  // A token classifier's entities per text (see the contract above).
  std::vector<std::vector<Entity>> token_classify(const std::vector<std::string>& texts,
                                                  Aggregation aggregation = Aggregation::none);

  // The two steps of classify() / embed(), for callers that tokenize in one place and run in
  // another (bertc serve tokenizes on its I/O threads and batches requests together):
  // encode() tokenizes as they do — an encoder's default prompt first, truncated to max_length()
  // unless `truncate` is false, when the caller checks the length — and the overloads below run
  // encodings through the same token-budget batches and heads. `normalize` unset follows
  // normalizes().
  // `prompt_name` as embed() takes it (encoders only).
  std::vector<Encoding> encode(std::span<const EncodeInput> inputs, bool truncate = true,
                               const std::optional<std::string>& prompt_name = std::nullopt) const;
  std::vector<Classification> classify(std::span<const Encoding> encodings);
  std::vector<std::vector<float>> embed(std::span<const Encoding> encodings,
                                        std::optional<bool> normalize = std::nullopt);
  // Per encoding, a float32 [tokens, hidden] tensor of its own.
  std::vector<Tensor> token_embeddings(std::span<const Encoding> encodings);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bertc
