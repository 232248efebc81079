// Helpers shared by the files of src/frontend/hf/ (not part of the frontend's interface).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "bertc/compile.h"

namespace bertc::frontend::hf {

// The parsed JSON file; throws bertc::Error naming the file when it cannot be read or parsed.
nlohmann::json read_json_file(const std::filesystem::path& path);

// sentence-transformers folders written by old versions keep the Hugging Face model in a
// subfolder named by modules.json's Transformer module ("0_Transformer"): that subfolder's name
// when `dir` has no config.json of its own but such a subfolder has one, else "".
std::string hf_model_subdir(const std::string& dir);
// The folder holding config.json and the weights: `dir`, or its Transformer subfolder.
std::filesystem::path hf_model_dir(const std::string& dir);

// Fills `info` with a model folder's tokenizer and sentence-transformers modules (the fields
// of ModelInfo they describe); `hidden` is the model's hidden size, which a pooling config's
// word_embedding_dimension must match.
void add_folder_files_info(const std::string& dir, int64_t hidden, ModelInfo& info);

}  // namespace bertc::frontend::hf
