// The pickle of a torch.save'd state_dict (data.pkl in pytorch_model.bin), read by a small pickle
// machine that knows only what a state_dict holds: dicts and OrderedDicts, tuples, lists,
// strings, numbers, booleans, None, storage persistent ids ('storage', torch.<X>Storage, key,
// location, numel), torch._utils._rebuild_tensor(_v2) and _rebuild_parameter. Any other class or
// function named in the pickle is refused by name, and nothing in it is ever executed. Errors
// start with `where` (the file and entry).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bertc/tensor.h"

namespace bertc::frontend::hf {

// One tensor of the state_dict: a view into a storage.
struct PickledTensor {
  std::string name;
  std::string storage;  // the storage's key: its bytes are the archive entry <root>/data/<key>
  std::string dtype;    // safetensors-style: "F32", "F16", "BF16", "F64", "I64", ...
  int64_t offset = 0;   // in elements
  Dims shape, strides;
};

std::vector<PickledTensor> read_state_dict_pickle(std::string_view data, const std::string& where);

}  // namespace bertc::frontend::hf
