// Run a compiled model (bertc/compile.h makes one).
//
//   bertc::Session session = bertc::Session::load("model.bertc");
//   session.set_input("input_ids", ids);          // shapes may change from run to run
//   session.run();
//   const bertc::Tensor& out = session.get_output("last_hidden_state");
//   // Sequences of any lengths, packed, no padding anywhere:
//   std::vector<bertc::RaggedOutput> outs = session.run(bertc::RaggedBatch{ids, lengths});
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bertc/compile.h"
#include "bertc/tensor.h"

namespace bertc {

struct SessionOptions {
  int num_threads = 0;  // 0: the CPUs this process may use (its affinity mask)
  // Packed execution (at -O2 and above): a right-padded batch (attention_mask rows 1…1 0…0)
  // computes its real tokens only; the per-token outputs are then zero at the padding.
  bool packing = true;
  // Plans (memory layout and steps for one input shape) kept for reuse, least recently used
  // dropped first: memory stays bounded however many shapes a Session sees.
  std::size_t max_cached_plans = 16;
};

// A batch of token sequences of different lengths with no padding: every sequence's token ids
// one after another, and each one's length. Read during the call only.
struct RaggedBatch {
  std::span<const int64_t> ids;
  std::span<const int64_t> lengths;   // one per sequence, each >= 1, summing to ids.size()
  std::span<const int64_t> type_ids;  // empty (all 0), or one per id
};

// One output of a ragged batch, packed. Per-token outputs (hidden states) hold each sequence's
// rows one after another, [total_tokens, ...]; per-sequence outputs (logits, pooled) hold one
// row per sequence, [sequences, ...].
struct RaggedOutput {
  std::string name;
  Tensor data;
  bool per_token = false;
  std::vector<int64_t> offsets;  // sequences + 1: sequence i is rows [offsets[i], offsets[i+1])
  std::size_t sequences() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  // Sequence i's rows of `data`, a view valid while this RaggedOutput lives.
  Tensor sequence(std::size_t i) const;
};

struct InputInfo {
  std::string name;
  DType dtype;
  std::vector<std::string> dims;  // "batch", "seq", "768", ...
};

// Time spent in one node's kernel, accumulated over the runs made while profiling.
struct StepProfile {
  std::string node;
  std::string op;
  std::string kernel;
  double total_ms = 0;
  int64_t calls = 0;
};

// Threads.
// * Session::run(inputs) is safe to call from any number of threads: calls take turns (a
//   mutex) and each gets its own copy of the outputs.
// * The step-by-step calls (set_input, run(), get_output) keep state between calls, so they
//   serve one thread: the first such call binds the Session to its thread, and any call from
//   another thread, step-by-step or run(inputs), throws bertc::Error rather than mixing two
//   threads' inputs and outputs. Moving a Session unbinds it: that is how it is handed over.
// * For parallel work give each thread its own Session: sessions made from one bundle share its
//   mapped weights. A Pipeline may be shared (it serializes, see bertc/pipeline.h).
// Model, Tokenizer and load/compile/save have no shared mutable state.
class Session {
 public:
  explicit Session(Model model, SessionOptions options = {});
  static Session load(const std::string& bundle_path, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  std::vector<InputInfo> inputs() const;
  std::vector<std::string> output_names() const;
  const Model& model() const;

  // Copies `value` into the session. Errors name the input and what is wrong (unknown name,
  // dtype, rank, a dimension inconsistent with the model).
  void set_input(const std::string& name, const Tensor& value);
  // Runs the model on the inputs set last; plans memory for a new shape on first use.
  void run();
  // Valid until the next run() on this Session.
  const Tensor& get_output(const std::string& name) const;

  // One whole inference, safe to call from several threads (see above): every input by name,
  // read in place (not copied) during the call; the outputs copied out in output_names() order.
  std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs);
  // One inference on a ragged batch, safe from several threads like run(inputs): it feeds the
  // model's input_ids, attention_mask and token_type_ids (Hugging Face's names) and runs packed
  // where the model allows it (else padded to the longest sequence). A sequence's results do
  // not depend on the others in its batch. Errors name the sequence (its length, a token id).
  std::vector<RaggedOutput> run(const RaggedBatch& batch);

  // Per-node timing of the following runs (off by default: it adds a clock read per step).
  void enable_profiling(bool on);
  // Accumulated since profiling was enabled, in graph order.
  std::vector<StepProfile> profile() const;

  // Bytes of the activation arena planned for the last run's shapes.
  size_t arena_bytes() const;
  // Floating-point operations of one run at the last run's shapes: 2 per multiply-add of the
  // matrix products (dense layers, attention), the rest not counted. 0 before the first run.
  double flops() const;
  int num_threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bertc
