#include "runtime/bundle.h"

#include <xxhash.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/checked_math.h"
#include "base/files.h"
#include "base/json_text.h"
#include "bertc/error.h"
#include "bertc/compile.h"
#include "ir/graph.h"
#include "ir/verifier.h"
#include "runtime/model_info_json.h"

namespace bertc {
namespace {

using json = nlohmann::json;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t meta_offset, meta_bytes, data_offset, data_bytes, checksum;
  uint8_t reserved[8];
};
static_assert(sizeof(Header) == runtime::kBundleHeaderBytes);

uint64_t align64(uint64_t n) { return (n + 63) / 64 * 64; }

// Collects tensors into the data section and describes them in JSON.
class DataWriter {
 public:
  json add(const Tensor& t) {
    uint64_t offset = align64(bytes_.size());
    bytes_.resize(offset + t.nbytes());
    if (t.nbytes()) std::memcpy(bytes_.data() + offset, t.raw(), t.nbytes());
    return json{{"dtype", static_cast<int>(t.dtype())}, {"shape", t.shape()},
                {"offset", offset}, {"bytes", t.nbytes()}};
  }
  const std::vector<char>& bytes() const { return bytes_; }

 private:
  std::vector<char> bytes_;
};

json attr_to_json(const ir::Attr& attr, DataWriter& data) {
  return std::visit(
      [&](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) return {{"int", v}};
        if constexpr (std::is_same_v<T, float>) return {{"float", v}};
        if constexpr (std::is_same_v<T, std::string>) return {{"string", v}};
        if constexpr (std::is_same_v<T, std::vector<int64_t>>) return {{"ints", v}};
        if constexpr (std::is_same_v<T, std::vector<float>>) return {{"floats", v}};
        if constexpr (std::is_same_v<T, Tensor>) return {{"tensor", data.add(v)}};
      },
      attr);
}

json dims_to_json(const ir::Shape& shape) {
  json dims = json::array();
  for (const ir::Dim& d : shape) {
    if (d.is_known()) dims.push_back(d.value);
    else dims.push_back(d.symbol);
  }
  return dims;
}

json graph_to_json(const ir::Graph& g, DataWriter& data) {
  json values = json::array();
  for (const ir::Value& v : g.values) {
    json jv{{"name", v.name}, {"dtype", static_cast<int>(v.type.dtype)},
            {"shape", dims_to_json(v.type.shape)}};
    if (v.is_constant()) jv["data"] = data.add(*v.data);
    values.push_back(std::move(jv));
  }
  json nodes = json::array();
  for (const ir::Node& n : g.nodes) {
    json attrs = json::object();
    for (const auto& [name, attr] : n.attrs.all()) attrs[name] = attr_to_json(attr, data);
    nodes.push_back({{"op", ir::op_name(n.op)}, {"name", n.name}, {"inputs", n.inputs},
                     {"outputs", n.outputs}, {"attrs", attrs}});
  }
  json checks = json::array();
  for (const ir::InputCheck& c : g.input_checks) {
    checks.push_back({{"input", c.input}, {"kind", static_cast<int>(c.kind)}, {"lo", c.lo},
                      {"hi", c.hi}, {"axis", c.axis}, {"what", c.what}});
  }
  return {{"name", g.name},     {"values", values},   {"nodes", nodes},
          {"inputs", g.inputs}, {"outputs", g.outputs}, {"input_checks", checks}};
}

// Reads the bundle's JSON back into objects, checking every index and range it trusts.
class BundleReader {
 public:
  BundleReader(std::string path, const char* data, uint64_t data_bytes,
               std::shared_ptr<const void> holder)
      : path_(std::move(path)), data_(data), data_bytes_(data_bytes), holder_(std::move(holder)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path_ + ": corrupted bundle: " + what);
  }

  int64_t integer(const json& j, const char* what) const {
    return base::json_int(j, path_ + ": corrupted bundle: " + what);
  }

  DType dtype(const json& j) const {
    const int64_t code = integer(j, "dtype");
    if (code < 1 || code > static_cast<int>(DType::kBool)) fail("bad dtype code " + std::to_string(code));
    return static_cast<DType>(code);
  }

  Tensor tensor(const json& j) const {
    const DType dtype = this->dtype(j.at("dtype"));
    Dims shape;
    for (const json& d : j.at("shape")) shape.push_back(integer(d, "tensor shape"));
    const auto nbytes = static_cast<uint64_t>(
        base::checked_nbytes(shape, dtype_size(dtype), path_ + ": corrupted bundle: tensor"));
    const int64_t at = integer(j.at("offset"), "tensor offset"), size = integer(j.at("bytes"), "tensor size");
    if (at < 0 || size < 0) fail("negative tensor offset or size");
    const auto offset = static_cast<uint64_t>(at), bytes = static_cast<uint64_t>(size);
    if (offset % 64 != 0) fail("tensor data offset " + std::to_string(offset) + " is not 64-byte aligned");
    if (bytes != nbytes || !base::span_within(offset, bytes, data_bytes_)) {
      fail("tensor of shape " + dims_str(shape) + " lies outside the data section");
    }
    return Tensor::view(dtype, shape, const_cast<char*>(data_ + offset), holder_);
  }

  ir::Attr attr(const json& j) const {
    const std::string where = path_ + ": corrupted bundle: attribute";
    if (j.contains("int")) return integer(j["int"], "attribute");
    if (j.contains("float")) return base::json_float(j["float"], where);
    if (j.contains("string")) return j["string"].get<std::string>();
    if (j.contains("ints")) {
      std::vector<int64_t> ints;
      for (const json& v : j["ints"]) ints.push_back(integer(v, "attribute"));
      return ints;
    }
    if (j.contains("floats")) {
      std::vector<float> floats;
      for (const json& v : j["floats"]) floats.push_back(base::json_float(v, where));
      return floats;
    }
    if (j.contains("tensor")) return tensor(j["tensor"]);
    fail("attribute of unknown kind");
  }

  ir::ValueId value_id(const json& j, size_t n_values, bool optional) const {
    const int64_t id = integer(j, "value index");
    if ((optional && id == ir::kNoValue) || (id >= 0 && static_cast<size_t>(id) < n_values)) {
      return static_cast<ir::ValueId>(id);
    }
    fail("value index " + std::to_string(id) + " out of range");
  }

  ir::Graph graph(const json& j) const {
    ir::Graph g;
    g.name = j.at("name").get<std::string>();
    for (const json& jv : j.at("values")) {
      ir::TypeInfo type;
      type.dtype = dtype(jv.at("dtype"));
      for (const json& d : jv.at("shape")) {
        type.shape.push_back(d.is_number() ? ir::Dim::known(integer(d, "value shape"))
                                           : ir::Dim::sym(d.get<std::string>()));
      }
      ir::ValueId id = g.add_value(jv.at("name").get<std::string>(), std::move(type));
      if (jv.contains("data")) g.value(id).data = std::make_shared<const Tensor>(tensor(jv["data"]));
    }
    size_t n = g.values.size();
    for (const json& jn : j.at("nodes")) {
      std::string op_str = jn.at("op").get<std::string>();
      std::optional<ir::Op> op = ir::op_from_name(op_str);
      if (!op) throw Error(path_ + ": bundle uses op '" + op_str + "', unknown to this bertc");
      std::vector<ir::ValueId> ins, outs;
      for (const json& v : jn.at("inputs")) ins.push_back(value_id(v, n, true));
      for (const json& v : jn.at("outputs")) outs.push_back(value_id(v, n, false));
      ir::Attrs attrs;
      for (const auto& [name, ja] : jn.at("attrs").items()) attrs.set(name, attr(ja));
      g.add_node(*op, jn.at("name").get<std::string>(), std::move(ins), std::move(outs),
                 std::move(attrs));
    }
    for (const json& v : j.at("inputs")) g.inputs.push_back(value_id(v, n, false));
    for (const json& v : j.at("outputs")) g.outputs.push_back(value_id(v, n, false));
    for (const json& c : j.at("input_checks")) {
      const int64_t kind = integer(c.at("kind"), "input check");
      const int64_t axis = integer(c.at("axis"), "input check axis");
      if (kind < 0 || kind > static_cast<int>(ir::InputCheck::Kind::kMaxDim) || axis < 0 || axis > 64) {
        fail("bad input check");
      }
      g.input_checks.push_back({value_id(c.at("input"), n, false),
                                static_cast<ir::InputCheck::Kind>(kind), integer(c.at("lo"), "input check"),
                                integer(c.at("hi"), "input check"), static_cast<int32_t>(axis),
                                c.at("what").get<std::string>()});
    }
    g.sort_topologically();
    ir::verify(g, path_);
    return g;
  }

 private:
  std::string path_;
  const char* data_;
  uint64_t data_bytes_;
  std::shared_ptr<const void> holder_;
};

}  // namespace

namespace {

// The accuracy gate's report (bertc/accuracy.h), as the bundle's "accuracy" object.
json accuracy_to_json(const AccuracyReport& r) {
  return {{"kind", r.kind},
          {"texts", r.texts},
          {"cosine_mean", r.cosine_mean},
          {"cosine_min", r.cosine_min},
          {"cosine_p1", r.cosine_p1},
          {"label_agreement", r.label_agreement},
          {"max_probability_diff", r.max_probability_diff},
          {"drop", r.drop},
          {"max_drop", r.max_drop},
          {"fp32_layers", r.fp32_layers},
          {"smoothed_layers", r.smoothed_layers},
          {"int8_layers", r.int8_layers},
          {"bf16_layers", r.bf16_layers}};
}

AccuracyReport accuracy_from_json(const json& j) {
  AccuracyReport r;
  r.kind = j.at("kind").get<std::string>();
  r.texts = j.at("texts").get<int64_t>();
  r.cosine_mean = j.at("cosine_mean").get<double>();
  r.cosine_min = j.at("cosine_min").get<double>();
  r.cosine_p1 = j.at("cosine_p1").get<double>();
  r.label_agreement = j.at("label_agreement").get<double>();
  r.max_probability_diff = j.at("max_probability_diff").get<double>();
  r.drop = j.at("drop").get<double>();
  r.max_drop = j.at("max_drop").get<double>();
  r.fp32_layers = j.at("fp32_layers").get<std::vector<std::string>>();
  r.smoothed_layers = j.at("smoothed_layers").get<std::vector<std::string>>();
  r.int8_layers = j.at("int8_layers").get<int64_t>();
  r.bf16_layers = j.value("bf16_layers", int64_t{0});  // absent from bundles written before bf16
  return r;
}

}  // namespace

void save(const Model& model, const std::string& bundle_path) {
  DataWriter data;
  json meta{{"graph", graph_to_json(model.graph(), data)},
            {"options",
             {{"opt_level", model.options().opt_level},
              {"fast_math", model.options().fast_math},
              {"gemm", model.options().gemm},
              {"precision", model.options().precision},
              {"fp32_layers", model.options().fp32_layers},
              {"smooth_outliers", model.options().smooth_outliers}}},
            {"info", runtime::model_info_to_json(model.info, [&](const Tensor& t) { return data.add(t); })}};
  if (model.accuracy) meta["accuracy"] = accuracy_to_json(*model.accuracy);
  std::string meta_text = meta.dump();
  Header h{};
  std::memcpy(h.magic, runtime::kBundleMagic, sizeof(h.magic));
  h.version = runtime::kBundleVersion;
  h.header_bytes = sizeof(Header);
  h.meta_offset = sizeof(Header);
  h.meta_bytes = meta_text.size();
  h.data_offset = align64(h.meta_offset + h.meta_bytes);
  h.data_bytes = data.bytes().size();
  std::vector<char> body(h.data_offset + h.data_bytes - sizeof(Header), 0);
  std::memcpy(body.data(), meta_text.data(), meta_text.size());
  if (h.data_bytes) {
    std::memcpy(body.data() + (h.data_offset - sizeof(Header)), data.bytes().data(), h.data_bytes);
  }
  h.checksum = XXH3_64bits(body.data(), body.size());
  base::AtomicFile out(bundle_path);
  out.write(&h, sizeof(h));
  out.write(body.data(), body.size());
  out.commit();
}

Model load_model(const std::string& bundle_path) {
  std::shared_ptr<const base::MappedFile> mapping = base::MappedFile::open(bundle_path);
  const uint64_t size = mapping->size();
  if (size < sizeof(Header)) {
    throw Error(bundle_path + ": truncated: " + std::to_string(size) +
                " bytes, shorter than the bundle header");
  }
  const char* file = mapping->bytes().data();
  Header h;
  std::memcpy(&h, file, sizeof(h));
  if (std::memcmp(h.magic, runtime::kBundleMagic, sizeof(h.magic)) != 0) {
    throw Error(bundle_path + ": not a bertc bundle (bad magic)");
  }
  if (h.version != runtime::kBundleVersion) {
    throw Error(bundle_path + ": bundle format version " + std::to_string(h.version) +
                ", but this bertc reads version " + std::to_string(runtime::kBundleVersion) +
                ": recompile the model");
  }
  if (h.header_bytes != sizeof(Header) || h.meta_offset != sizeof(Header) ||
      h.meta_bytes > size || h.data_offset % 64 != 0 || h.data_offset < h.meta_offset + h.meta_bytes ||
      h.data_offset > size || h.data_bytes != size - h.data_offset) {
    throw Error(bundle_path + ": truncated or corrupted: section sizes do not match the file size (" +
                std::to_string(size) + " bytes)");
  }
  if (XXH3_64bits(file + sizeof(Header), size - sizeof(Header)) != h.checksum) {
    throw Error(bundle_path + ": corrupted: checksum mismatch");
  }
  json meta;
  try {
    meta = base::parse_json(std::string_view(file + h.meta_offset, h.meta_bytes),
                            bundle_path + ": corrupted bundle metadata");
    BundleReader reader(bundle_path, file + h.data_offset, h.data_bytes, mapping);
    const json& o = meta.at("options");
    const int64_t level = reader.integer(o.at("opt_level"), "opt_level");
    if (level < 0 || level > 3) throw Error(bundle_path + ": corrupted bundle: opt_level " + std::to_string(level));
    CompileOptions options{static_cast<int>(level), o.at("fast_math").get<bool>(),
                           o.at("gemm").get<std::string>(), o.at("precision").get<std::string>(),
                           o.at("fp32_layers").get<std::vector<std::string>>(),
                           o.at("smooth_outliers").get<bool>()};
    Model model(reader.graph(meta.at("graph")), options);
    model.info = runtime::model_info_from_json(meta.at("info"), bundle_path + ": corrupted bundle",
                                               [&](const json& t) { return reader.tensor(t); });
    if (meta.contains("accuracy")) model.accuracy = accuracy_from_json(meta.at("accuracy"));
    return model;
  } catch (const json::exception& e) {
    throw Error(bundle_path + ": corrupted bundle metadata: " + e.what());
  }
}

}  // namespace bertc
