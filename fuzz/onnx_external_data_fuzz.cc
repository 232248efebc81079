// Feeds the bytes as the external-data table of the initializer W of a small valid model
// (y = x + W, x float [1]): "key=value" lines (location, offset, length, checksum or any key,
// in order, repeats too; "dims=2,3" and "dtype=7" set W's shape and ONNX type), then an empty
// line, then the bytes of weights.bin beside model.onnx. Every input must compile (-O0) or
// throw bertc::Error.
#include <algorithm>
#include <charconv>

#include "bertc/error.h"
#include "bertc/compile.h"
#include "frontend/onnx/onnx_proto.h"
#include "fuzz_util.h"

namespace {

// The model with W's external_data, dims and type left to the input.
onnx::ModelProto base_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(14);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("external");
  for (const char* name : {"x", "y"}) {
    onnx::ValueInfoProto* v = name[0] == 'x' ? g->add_input() : g->add_output();
    v->set_name(name);
    onnx::TypeProto::Tensor* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    if (name[0] == 'x') t->mutable_shape()->add_dim()->set_dim_value(1);
  }
  onnx::NodeProto* add = g->add_node();
  add->set_op_type("Add");
  add->set_name("add");
  add->add_input(std::string("x"));  // std::string: GCC 12 warns (-Wrestrict) on const char*
  add->add_input(std::string("W"));
  add->add_output(std::string("y"));
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const onnx::ModelProto base = base_model();
  static const fz::fs::path model_path = fz::temp_dir() / "model.onnx";
  std::string_view input = fz::as_view(data, size);
  const size_t end = input.find("\n\n");
  std::string_view table = input.substr(0, end), weights;
  if (end != std::string_view::npos) weights = input.substr(end + 2);

  onnx::ModelProto model = base;
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  bool dims_given = false;
  while (!table.empty()) {
    const std::string_view line = table.substr(0, table.find('\n'));
    table.remove_prefix(std::min(table.size(), line.size() + 1));
    const size_t eq = line.find('=');
    const std::string key(line.substr(0, eq));
    const std::string value(eq == std::string_view::npos ? "" : line.substr(eq + 1));
    if (key == "dims") {
      dims_given = true;
      for (std::string_view rest = value; !rest.empty();) {  // comma-separated integers
        const std::string_view item = rest.substr(0, rest.find(','));
        int64_t d = 0;
        std::from_chars(item.data(), item.data() + item.size(), d);
        w->add_dims(d);
        rest.remove_prefix(std::min(rest.size(), item.size() + 1));
      }
    } else if (key == "dtype") {
      int32_t type = 0;
      std::from_chars(value.data(), value.data() + value.size(), type);
      w->set_data_type(type);
    } else {
      onnx::StringStringEntryProto* e = w->add_external_data();
      e->set_key(key);
      e->set_value(value);
    }
  }
  if (!dims_given) w->add_dims(4);
  fz::write_file(fz::temp_dir() / "weights.bin", weights);
  fz::write_file(model_path, model.SerializeAsString());
  try {
    bertc::compile(model_path.string(), {.opt_level = 0});
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
