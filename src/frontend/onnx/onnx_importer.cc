// ONNX ModelProto → ir::Graph. See onnx_importer.h for what is accepted and how ops are
// normalized.
#include "frontend/onnx/onnx_importer.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "base/files.h"
#include "bertc/error.h"
#include "frontend/onnx/onnx_proto.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::frontend::onnx {
namespace {

using ir::Op;
using ir::ValueId;

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// The first default-domain opset at which the op's ONNX definition (after the normalizations
// below) is the one bertc implements. Older versions differ in ways bertc does not model
// (legacy `broadcast`/`axis` attributes, `is_test`, Cast's string `to`, ...).
int64_t min_supported_opset(Op op) {
  switch (op) {
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div:
    case Op::Pow:
    case Op::Equal:
    case Op::Less:
    case Op::Greater:
    case Op::And:
    case Op::Or:
    case Op::Xor:
    case Op::Gemm:
    case Op::Dropout:
      return 7;
    case Op::LessOrEqual:
    case Op::GreaterOrEqual:
      return 12;
    case Op::Where:
    case Op::Erf:
    case Op::ConstantOfShape:
      return 9;
    case Op::Expand:
      return 8;
    case Op::Cast:
      return 6;
    case Op::Reshape:
      return 5;
    case Op::Concat:
      return 4;
    case Op::CumSum:
    case Op::Range:
    case Op::Clip:  // min and max as inputs
    case Op::GatherElements:
    case Op::DynamicQuantizeLinear:
      return 11;
    case Op::MatMulInteger:
    case Op::QuantizeLinear:
    case Op::DequantizeLinear:
      return 10;
    case Op::Sign:
      return 9;
    case Op::Ceil:
    case Op::Tile:
      return 6;
    case Op::LayerNormalization:
      return 17;
    default:
      return 1;
  }
}

std::string plural(int64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string node_label(const ::onnx::NodeProto& node, const std::string& name) {
  return "node '" + name + "' (" + node.op_type() + ")";
}

// The bertc Attr for an ONNX attribute.
ir::Attr convert_attr(const ::onnx::AttributeProto& a, const std::string& where,
                      const std::string& base_dir) {
  using A = ::onnx::AttributeProto;
  int type = a.type();
  if (a.has_ref_attr_name()) {
    throw Error(where + ": attribute '" + a.name() + "' refers to a function attribute ('" +
                a.ref_attr_name() + "'), which bertc does not support");
  }
  if (type == A::UNDEFINED) {  // very old exporters leave `type` unset
    if (a.has_f())
      type = A::FLOAT;
    else if (a.has_i())
      type = A::INT;
    else if (a.has_s())
      type = A::STRING;
    else if (a.has_t())
      type = A::TENSOR;
    else if (a.floats_size())
      type = A::FLOATS;
    else if (a.ints_size())
      type = A::INTS;
    else if (a.strings_size())
      type = A::STRINGS;
    else if (a.has_g() || a.graphs_size())
      type = A::GRAPH;
  }
  switch (type) {
    case A::INT:
      return static_cast<int64_t>(a.i());
    case A::FLOAT:
      return a.f();
    case A::STRING:
      return a.s();
    case A::INTS:
      return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case A::FLOATS:
      return std::vector<float>(a.floats().begin(), a.floats().end());
    case A::TENSOR: {
      try {
        return tensor_from_onnx(a.t(), base_dir);
      } catch (const Error& e) {
        throw Error(where + ": attribute '" + a.name() + "': " + e.what());
      }
    }
    default:
      throw Error(where + ": attribute '" + a.name() + "' has type " +
                  ::onnx::AttributeProto_AttributeType_Name(
                      static_cast<::onnx::AttributeProto_AttributeType>(type)) +
                  ", which bertc does not support");
  }
}

class Importer {
 public:
  Importer(::onnx::ModelProto& model, std::string base_dir)
      : model_(model), base_dir_(std::move(base_dir)) {}

  ir::Graph run();

 private:
  void read_opset();
  void check_ops();
  void add_initializers();
  void add_inputs();
  void declare_node_outputs();
  void add_nodes();
  void set_outputs();
  void verify_types();

  ValueId define(const std::string& name, ValueId id) {
    by_name_.emplace(name, id);
    return id;
  }
  std::string fresh_name(const std::string& base) {
    std::string candidate = base;
    for (int64_t i = 1; by_name_.count(candidate) || reserved_.count(candidate); ++i) {
      candidate = base + "_" + std::to_string(i);
    }
    reserved_.insert(candidate);
    return candidate;
  }
  ValueId add_int64_constant(const std::string& base, const std::vector<int64_t>& v) {
    std::string name = fresh_name(base);
    return define(
        name, graph_.add_constant(name, Tensor::from_vector(v, {static_cast<int64_t>(v.size())})));
  }
  ir::TypeInfo input_type(const ::onnx::ValueInfoProto& vi);
  Tensor constant_value(const ::onnx::NodeProto& node, const std::string& name);
  void normalize(const ::onnx::NodeProto& onnx_node, ir::Node& node);

  ::onnx::ModelProto& model_;
  std::string base_dir_;
  ir::Graph graph_;
  int64_t opset_ = 0;
  std::unordered_map<std::string, ValueId> by_name_;
  std::unordered_set<std::string> reserved_;
  std::vector<std::string> node_names_;  // per ONNX node
};

void Importer::read_opset() {
  bool found = false;
  for (const auto& o : model_.opset_import()) {
    if (is_default_domain(o.domain())) {
      opset_ = o.version();
      found = true;
    }
  }
  bool uses_default = false;
  for (const auto& n : model_.graph().node()) uses_default |= is_default_domain(n.domain());
  if (!found && uses_default) {
    throw Error("the model declares no opset for the default ONNX domain");
  }
  if (found && (opset_ < kOnnxMinOpset || opset_ > kOnnxMaxOpset)) {
    throw Error("default-domain opset " + std::to_string(opset_) + " is not supported (bertc " +
                "accepts opsets " + std::to_string(kOnnxMinOpset) + " to " +
                std::to_string(kOnnxMaxOpset) + ")");
  }
}

void Importer::check_ops() {
  std::vector<std::string> order;
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& n : model_.graph().node()) {
    std::string key;
    if (!is_default_domain(n.domain())) {
      key = n.domain() + "." + n.op_type();
    } else {
      std::optional<Op> op = ir::op_from_name(n.op_type());
      if (!op || n.op_type().starts_with("bertc.")) {
        key = n.op_type();
      } else if (opset_ < min_supported_opset(*op)) {
        key = n.op_type() + " at opset " + std::to_string(opset_) + " (supported from opset " +
              std::to_string(min_supported_opset(*op)) + ")";
      }
    }
    if (key.empty()) continue;
    if (counts[key]++ == 0) order.push_back(key);
  }
  if (order.empty()) return;
  std::string msg = "unsupported ops: ";
  for (size_t i = 0; i < order.size(); ++i) {
    if (i) msg += ", ";
    msg += order[i] + " (" + plural(counts[order[i]], "node") + ")";
  }
  throw Error(msg);
}

void Importer::add_initializers() {
  ::onnx::GraphProto& g = *model_.mutable_graph();
  if (g.sparse_initializer_size()) {
    throw Error("sparse initializer '" + g.sparse_initializer(0).values().name() +
                "' is not supported");
  }
  for (::onnx::TensorProto& t : *g.mutable_initializer()) {
    if (t.name().empty()) throw Error("an initializer has no name");
    if (by_name_.count(t.name())) throw Error("initializer '" + t.name() + "' is defined twice");
    Tensor data;
    try {
      data = tensor_from_onnx(t, base_dir_);
    } catch (const Error& e) {
      throw Error(std::string("initializer: ") + e.what());
    }
    define(t.name(), graph_.add_constant(t.name(), std::move(data)));
    std::string().swap(*t.mutable_raw_data());  // free the payload now that it is copied
  }
}

ir::TypeInfo Importer::input_type(const ::onnx::ValueInfoProto& vi) {
  const std::string what = "graph input '" + vi.name() + "'";
  if (!vi.has_type() || !vi.type().has_tensor_type()) {
    throw Error(what + " is not a tensor (bertc supports tensor inputs only)");
  }
  const auto& tt = vi.type().tensor_type();
  std::optional<DType> dtype = dtype_from_onnx(tt.elem_type());
  if (!dtype) {
    throw Error(what + " has dtype " + onnx_dtype_name(tt.elem_type()) +
                ", which bertc does not support");
  }
  if (!tt.has_shape()) throw Error(what + " has no shape (its rank must be known)");
  ir::TypeInfo type{*dtype, {}};
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      type.shape.push_back(ir::Dim::known(d.dim_value()));
    } else if (d.has_dim_param() && !d.dim_param().empty()) {
      type.shape.push_back(ir::Dim::sym(d.dim_param()));
    } else {
      type.shape.push_back(ir::Dim::unknown());
    }
  }
  return type;
}

void Importer::add_inputs() {
  for (const auto& vi : model_.graph().input()) {
    auto it = by_name_.find(vi.name());
    if (it != by_name_.end()) {
      if (graph_.value(it->second).is_constant()) continue;  // an initializer: a constant
      throw Error("graph input '" + vi.name() + "' is listed twice");
    }
    if (vi.name().empty()) throw Error("a graph input has no name");
    define(vi.name(), graph_.add_input(vi.name(), input_type(vi)));
  }
}

Tensor Importer::constant_value(const ::onnx::NodeProto& node, const std::string& name) {
  const std::string where = node_label(node, name);
  if (node.attribute_size() != 1) {
    throw Error(where + ": a Constant needs exactly one value attribute, it has " +
                std::to_string(node.attribute_size()));
  }
  const ::onnx::AttributeProto& a = node.attribute(0);
  if (a.name() == "value") {
    ir::Attr value = convert_attr(a, where, base_dir_);
    if (Tensor* t = std::get_if<Tensor>(&value)) return std::move(*t);
    throw Error(where + ": Constant attribute 'value' is not a tensor");
  }
  if (a.name() == "value_float") return Tensor::from_vector(std::vector<float>{a.f()}, {});
  if (a.name() == "value_int") return Tensor::from_vector(std::vector<int64_t>{a.i()}, {});
  if (a.name() == "value_floats") {
    std::vector<float> v(a.floats().begin(), a.floats().end());
    return Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  }
  if (a.name() == "value_ints") {
    std::vector<int64_t> v(a.ints().begin(), a.ints().end());
    return Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  }
  throw Error(where + ": Constant attribute '" + a.name() + "' is not supported");
}

void Importer::declare_node_outputs() {
  const auto& nodes = model_.graph().node();
  node_names_.resize(static_cast<size_t>(nodes.size()));
  std::unordered_map<std::string, int64_t> per_type;
  for (int n = 0; n < nodes.size(); ++n) {
    const ::onnx::NodeProto& node = nodes[n];
    std::string& name = node_names_[static_cast<size_t>(n)];
    name = node.name().empty() ? node.op_type() + "_" + std::to_string(per_type[node.op_type()]++)
                               : node.name();
    bool is_constant = node.op_type() == "Constant";
    if (is_constant && node.output_size() != 1) {
      throw Error(node_label(node, name) + ": a Constant has exactly one output");
    }
    for (const std::string& out : node.output()) {
      if (out.empty()) continue;  // an unnamed optional output: made in add_nodes
      auto it = by_name_.find(out);
      if (it != by_name_.end()) {
        const ir::Value& prev = graph_.value(it->second);
        std::string prev_kind = prev.producer >= 0 || reserved_.count(out)
                                    ? "another node's output"
                                    : (prev.is_constant() ? "an initializer" : "a graph input");
        throw Error(node_label(node, name) + ": output '" + out + "' is also " + prev_kind +
                    " (ONNX values are assigned once)");
      }
      if (is_constant) {
        define(out, graph_.add_constant(out, constant_value(node, name)));
      } else {
        define(out, graph_.add_value(out));
      }
      reserved_.insert(out);  // marks node outputs (for the message above)
    }
  }
}

void Importer::normalize(const ::onnx::NodeProto& onnx_node, ir::Node& node) {
  const std::string where = node_label(onnx_node, node.name);
  node.attrs.erase("consumed_inputs");  // a pre-opset-6 memory hint with no meaning
  auto attr_to_input = [&](const char* attr, size_t index) {
    if (!node.attrs.has(attr)) return;
    if (node.has_input(index)) {
      throw Error(where + ": '" + attr + "' is given both as an attribute and as input " +
                  std::to_string(index));
    }
    std::vector<int64_t> v = node.attrs.get_ints(attr);
    node.attrs.erase(attr);
    if (node.inputs.size() <= index) node.inputs.resize(index + 1, ir::kNoValue);
    node.inputs[index] = add_int64_constant(node.name + "_" + attr, v);
  };
  switch (node.op) {
    case Op::Squeeze:
    case Op::Unsqueeze:
      attr_to_input("axes", 1);
      break;
    case Op::Split:
      attr_to_input("split", 1);
      break;
    case Op::Slice:
      if (node.attrs.has("starts") || node.attrs.has("ends")) {
        if (!node.attrs.has("starts") || !node.attrs.has("ends")) {
          throw Error(where + ": Slice needs both 'starts' and 'ends' attributes");
        }
        attr_to_input("starts", 1);
        attr_to_input("ends", 2);
        attr_to_input("axes", 3);
      }
      break;
    case Op::Softmax:
      if (opset_ < 13) {
        node.attrs.set("bertc_coerce_2d", int64_t{1});
        if (!node.attrs.has("axis")) node.attrs.set("axis", int64_t{1});
      }
      break;
    case Op::Cast: {
      if (!node.attrs.has("to")) throw Error(where + ": Cast has no 'to' attribute");
      int64_t to = node.attrs.get_int("to");
      std::optional<DType> dtype = dtype_from_onnx(static_cast<int32_t>(to));
      if (!dtype) {
        throw Error(where + ": Cast to " + onnx_dtype_name(static_cast<int32_t>(to)) +
                    " is not supported");
      }
      node.attrs.set("to", static_cast<int64_t>(*dtype));
      break;
    }
    default:
      break;
  }
}

void Importer::add_nodes() {
  const auto& nodes = model_.graph().node();
  for (int n = 0; n < nodes.size(); ++n) {
    const ::onnx::NodeProto& onnx_node = nodes[n];
    if (onnx_node.op_type() == "Constant") continue;  // already a constant value
    const std::string& name = node_names_[static_cast<size_t>(n)];
    const std::string where = node_label(onnx_node, name);
    Op op = *ir::op_from_name(onnx_node.op_type());  // check_ops vetted every op

    std::vector<ValueId> inputs;
    for (const std::string& in : onnx_node.input()) {
      if (in.empty()) {
        inputs.push_back(ir::kNoValue);
        continue;
      }
      auto it = by_name_.find(in);
      if (it == by_name_.end()) {
        throw Error(where + " reads '" + in +
                    "', which no node, graph input or initializer defines");
      }
      inputs.push_back(it->second);
    }
    while (!inputs.empty() && inputs.back() == ir::kNoValue) inputs.pop_back();

    std::vector<ValueId> outputs;
    for (int i = 0; i < onnx_node.output_size(); ++i) {
      const std::string& out = onnx_node.output(i);
      if (!out.empty()) {
        outputs.push_back(by_name_.at(out));
      } else {
        std::string fresh = fresh_name(name + "_unused" + std::to_string(i));
        outputs.push_back(define(fresh, graph_.add_value(fresh)));
      }
    }

    ir::Attrs attrs;
    for (const auto& a : onnx_node.attribute())
      attrs.set(a.name(), convert_attr(a, where, base_dir_));
    ir::Node& node =
        graph_.add_node(op, name, std::move(inputs), std::move(outputs), std::move(attrs));
    normalize(onnx_node, node);
  }
}

void Importer::set_outputs() {
  for (const auto& vi : model_.graph().output()) {
    auto it = by_name_.find(vi.name());
    if (it == by_name_.end()) {
      throw Error("graph output '" + vi.name() + "' is not produced by any node");
    }
    graph_.outputs.push_back(it->second);
  }
  if (graph_.outputs.empty()) throw Error("the graph has no outputs");
}

void Importer::verify_types() {
  for (const ir::Node& node : graph_.nodes) {
    for (ValueId in : node.inputs) {
      if (in != ir::kNoValue && graph_.value(in).type.dtype == DType{}) {
        throw Error("node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ") reads '" +
                    graph_.value(in).name + "', whose type is unknown");
      }
    }
  }
  for (ValueId out : graph_.outputs) {
    if (graph_.value(out).type.dtype == DType{}) {
      throw Error("graph output '" + graph_.value(out).name + "' has no inferred type");
    }
  }
}

ir::Graph Importer::run() {
  if (model_.ir_version() <= 0 || !model_.has_graph()) {
    throw Error("not an ONNX model (no ir_version or no graph)");
  }
  // IR 3 (ONNX 1.0, the first with opset imports) .. 11 (ONNX 1.18): what exporters write.
  constexpr int64_t kMinIrVersion = 3, kMaxIrVersion = 11;
  if (model_.ir_version() < kMinIrVersion || model_.ir_version() > kMaxIrVersion) {
    throw Error("ONNX ir_version " + std::to_string(model_.ir_version()) +
                " is not supported (bertc reads IR versions " + std::to_string(kMinIrVersion) +
                " to " + std::to_string(kMaxIrVersion) + ")");
  }
  graph_.name = model_.graph().name();
  read_opset();
  check_ops();
  add_initializers();
  add_inputs();
  declare_node_outputs();
  add_nodes();
  set_outputs();
  graph_.sort_topologically();
  ir::infer_shapes(graph_, kernels::ref::evaluate);
  verify_types();
  return std::move(graph_);
}

}  // namespace

::onnx::ModelProto read_onnx_model(const std::string& path) {
  base::InputFile in = base::open_input_file(path);
  if (in.size > INT_MAX) {
    throw Error(path + ": the model is " + std::to_string(in.size) +
                " bytes; protobuf cannot parse files over 2 GB, so save the weights as ONNX "
                "external data");
  }
  const int fd = in.fd.release();
  ::onnx::ModelProto model;
  bool ok = false;
  {
    google::protobuf::io::FileInputStream file(fd);
    file.SetCloseOnDelete(true);
    google::protobuf::io::CodedInputStream coded(&file);
    coded.SetTotalBytesLimit(INT_MAX);
    ok = model.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
    if (file.GetErrno() != 0) {
      throw Error(path + ": read error: " + std::strerror(file.GetErrno()));
    }
  }
  if (!ok) {
    throw Error(path + ": not a valid ONNX model (the protobuf is malformed or truncated)");
  }
  return model;
}

ir::Graph import_onnx_model(::onnx::ModelProto& model, const std::string& base_dir,
                            const std::string& origin) {
  try {
    return Importer(model, base_dir).run();
  } catch (const std::exception& e) {  // bertc::Error, and anything unexpected, names the file
    throw Error(origin + ": " + e.what());
  }
}

ir::Graph import_onnx(const std::string& path) {
  ::onnx::ModelProto model = read_onnx_model(path);
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  return import_onnx_model(model, base_dir, path);
}

}  // namespace bertc::frontend::onnx
