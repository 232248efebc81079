// ModelInfo (bertc/compile.h) in the bundle's JSON: the one place its fields are spelled.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "bertc/compile.h"

namespace bertc::runtime {

// The tensors of ModelInfo (Dense modules' weights) go to the bundle's data section: `write`
// stores one and returns its JSON reference, `read` gives the tensor of a reference (throwing
// for a bad one).
using TensorWriter = std::function<nlohmann::json(const Tensor&)>;
using TensorReader = std::function<Tensor(const nlohmann::json&)>;

nlohmann::json model_info_to_json(const ModelInfo& info, const TensorWriter& write);
// Throws bertc::Error naming `where` and the field when one is missing or of the wrong type.
ModelInfo model_info_from_json(const nlohmann::json& j, const std::string& where, const TensorReader& read);

}  // namespace bertc::runtime
