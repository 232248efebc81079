// Compile a model: import an ONNX file or a Hugging Face folder, optimize it, save and load
// the self-contained bundle a Session runs (bertc/session.h).
//
//   bertc::Model model = bertc::compile("model.onnx", {.opt_level = 3});
//   bertc::save(model, "model.bertc");
//   bertc::Model again = bertc::load_model("model.bertc");
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bertc/accuracy.h"
#include "bertc/tensor.h"

namespace bertc {

namespace ir {
class Graph;
}

struct CompileOptions {
  int opt_level = 3;       // 0: imported graph on reference kernels ... 3: everything
  bool fast_math = true;   // fast erf/exp/tanh approximations at -O3 (see DESIGN.md)
  std::string gemm = "bertc";  // GEMM backend: "bertc" (own kernels) or "onednn"
  // "fp32"; "int8": Dense layers with int8 weights (per column) and activations quantized per
  // token at run time (DESIGN.md "int8"); "bf16": Dense layers with bf16 weights and inputs,
  // float32 sums, refused (bertc::Error) unless this CPU has avx512_bf16 or BERTC_ISA=ref
  // (DESIGN.md "bf16"). Both -O2 and up, except the layers named in fp32_layers.
  std::string precision = "fp32";
  std::vector<std::string> fp32_layers = {};  // int8, bf16: Dense nodes (by name) that stay fp32
  bool smooth_outliers = true;  // int8: SmoothQuant-style rescaling of outlier channels
  // int8: each Dense layer's input channels' largest |x| on calibration texts
  // (measure_dense_inputs), by layer name; where given, smoothing uses it instead of the
  // data-free LayerNorm bound. Not stored in the bundle.
  std::map<std::string, std::vector<float>> activation_ranges = {};
};

enum class Task { classification, embedding, token_classification };

// A sentence-transformers Dense module (modules.json), run on the pooled embedding before
// Normalize: y = activation(weight · x + bias).
struct DenseModule {
  Tensor weight;           // float32 [out_features, in_features]
  Tensor bias;             // float32 [out_features]; not defined(): no bias
  std::string activation;  // identity | tanh | relu | sigmoid | gelu (erf)
  bool operator==(const DenseModule& other) const;  // same activation, shapes and values
};

// What a model knows about itself besides its graph: read from a Hugging Face folder (an ONNX
// file gives none of it), stored in the bundle (runtime/model_info_json.cc writes and reads it),
// used by Pipeline.
struct ModelInfo {
  std::string architecture;  // config.json's, e.g. "BertForSequenceClassification"
  std::string model_type;    // "bert", "roberta", ...
  std::optional<Task> task;  // unset: a model with a "logits" output classifies
  int64_t max_positions = 0;  // the longest sequence the position table allows; 0: unknown
  // Classifiers: label names in label-id order (id2label, else LABEL_i), and config.json's
  // problem_type ("multi_label_classification" scores with sigmoids; may be empty).
  std::vector<std::string> labels;
  std::string problem_type;
  // The folder's tokenizer files, whole, by name: "tokenizer.json" or "vocab.txt", with
  // "tokenizer_config.json" when present (Tokenizer::from_files) — or, when bertc cannot run
  // the folder's tokenizer or it has none, the message to give when text is used.
  std::map<std::string, std::string> tokenizer_files;
  std::string tokenizer_error;
  // sentence-transformers (modules.json): the pooling modes (cls | max | mean | mean_sqrt_len |
  // weightedmean | lasttoken, in the order it concatenates them; empty: cls), Normalize,
  // max_seq_length (0: unset), or
  // the message for a module or mode bertc does not run.
  std::vector<std::string> pooling;
  std::vector<DenseModule> dense;  // after the pooling, in modules.json's order
  bool normalize = false;
  int64_t max_length = 0;
  std::string embedding_error;
  // config_sentence_transformers.json's prompts (name -> text put before each input) and
  // default_prompt_name (may be empty); the Pooling config's include_prompt (false: the prompt's
  // tokens are left out of the pooling).
  std::map<std::string, std::string> prompts;
  std::string default_prompt_name;
  bool include_prompt = true;

  bool operator==(const ModelInfo&) const = default;
};

// A compiled model: the optimized graph with its (prepacked) weights, ready to save or run.
class Model {
 public:
  Model();
  explicit Model(ir::Graph graph, CompileOptions options = {});
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model& other);  // the graph's constants (weights) are shared, not copied
  Model& operator=(const Model& other);
  const ir::Graph& graph() const { return *graph_; }
  ir::Graph& graph() { return *graph_; }
  const CompileOptions& options() const { return options_; }
  ModelInfo info;  // stored in the bundle
  std::optional<AccuracyReport> accuracy;  // the accuracy gate's report (int8, bf16); stored in the bundle

  // For people and tools: the graph's size, its ops by name with their counts, and a listing
  // of every node (name, op, inputs and outputs with their types).
  std::size_t num_nodes() const;
  std::size_t weight_bytes() const;
  std::map<std::string, int> op_counts() const;
  std::string listing() const;
  // Each Dense layer's name and precision: "fp32", "int8", "int8 smoothed" (outlier channels
  // rescaled) or "bf16", in graph order.
  std::vector<std::pair<std::string, std::string>> dense_layers() const;

 private:
  std::unique_ptr<ir::Graph> graph_;
  CompileOptions options_;
};

// Imports MODEL — an .onnx file, or a Hugging Face model folder (config.json +
// model.safetensors; its tokenizer files, labels and sentence-transformers pooling go into
// Model::info) — and optimizes it at options.opt_level.
Model compile(const std::string& model_path, const CompileOptions& options = {});
// Writes a self-contained bundle (.bertc).
void save(const Model& model, const std::string& bundle_path);
// Reads a bundle written by save(); errors name the file and what is wrong with it.
Model load_model(const std::string& bundle_path);

}  // namespace bertc
