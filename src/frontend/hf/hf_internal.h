// Helpers shared by the files of src/frontend/hf/ (not part of the frontend's interface).
#pragma once

#include <filesystem>
#include <string>

namespace bertc::frontend {

// sentence-transformers folders written by old versions keep the Hugging Face model in a
// subfolder named by modules.json's Transformer module ("0_Transformer"): that subfolder's name
// when `dir` has no config.json of its own but such a subfolder has one, else "".
std::string hf_model_subdir(const std::string& dir);
// The folder holding config.json and the weights: `dir`, or its Transformer subfolder.
std::filesystem::path hf_model_dir(const std::string& dir);

}  // namespace bertc::frontend
