// Compile a model: import an ONNX file or a Hugging Face folder, optimize it, save and load
// the self-contained bundle a Session runs (bertc/session.h).
//
//   bertc::Model model = bertc::compile("model.onnx", {.opt_level = 3});
//   bertc::save(model, "model.bertc");
//   bertc::Model again = bertc::load_model("model.bertc");
#pragma once

#include <map>
#include <memory>
#include <string>

namespace bertc {

namespace ir {
class Graph;
}

struct CompileOptions {
  int opt_level = 3;       // 0: imported graph on reference kernels ... 3: everything
  bool fast_math = true;   // fast erf/exp/tanh approximations at -O3 (see DESIGN.md)
  std::string gemm = "bertc";  // GEMM backend: "bertc" (own kernels) or "onednn"
};

// A compiled model: the optimized graph with its (prepacked) weights, ready to save or run.
class Model {
 public:
  Model();
  explicit Model(ir::Graph graph, CompileOptions options = {});
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  const ir::Graph& graph() const { return *graph_; }
  ir::Graph& graph() { return *graph_; }
  const CompileOptions& options() const { return options_; }
  // Free-form metadata stored in the bundle (e.g. embedded tokenizer files, labels).
  std::map<std::string, std::string> metadata;

 private:
  std::unique_ptr<ir::Graph> graph_;
  CompileOptions options_;
};

// Imports MODEL — an .onnx file, or a Hugging Face model folder (config.json +
// model.safetensors; its tokenizer files, labels and sentence-transformers pooling go into
// Model::metadata) — and optimizes it at options.opt_level.
Model compile(const std::string& model_path, const CompileOptions& options = {});
// Writes a self-contained bundle (.bertc).
void save(const Model& model, const std::string& bundle_path);
// Reads a bundle written by save(); errors name the file and what is wrong with it.
Model load_model(const std::string& bundle_path);

}  // namespace bertc
