// ModelInfo (bertc/compile.h) in the bundle's JSON: the one place its fields are spelled.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bertc/compile.h"

namespace bertc::runtime {

nlohmann::json model_info_to_json(const ModelInfo& info);
// Throws bertc::Error naming `where` and the field when one is missing or of the wrong type.
ModelInfo model_info_from_json(const nlohmann::json& j, const std::string& where);

}  // namespace bertc::runtime
