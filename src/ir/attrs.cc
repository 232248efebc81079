#include "ir/attrs.h"

#include "bertc/error.h"

namespace bertc::ir {
namespace {

template <typename T>
const T& get_as(const Attr& attr, const std::string& name, const char* type) {
  if (const T* v = std::get_if<T>(&attr)) return *v;
  throw Error("attribute '" + name + "' is not of type " + type);
}

}  // namespace

const Attr& Attrs::find(const std::string& name) const {
  auto it = map_.find(name);
  if (it == map_.end()) throw Error("missing attribute '" + name + "'");
  return it->second;
}

int64_t Attrs::get_int(const std::string& name) const {
  return get_as<int64_t>(find(name), name, "int");
}
int64_t Attrs::get_int(const std::string& name, int64_t fallback) const {
  return has(name) ? get_int(name) : fallback;
}
float Attrs::get_float(const std::string& name) const {
  return get_as<float>(find(name), name, "float");
}
float Attrs::get_float(const std::string& name, float fallback) const {
  return has(name) ? get_float(name) : fallback;
}
const std::string& Attrs::get_string(const std::string& name) const {
  return get_as<std::string>(find(name), name, "string");
}
std::string Attrs::get_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? get_string(name) : fallback;
}
const std::vector<int64_t>& Attrs::get_ints(const std::string& name) const {
  return get_as<std::vector<int64_t>>(find(name), name, "ints");
}
std::vector<int64_t> Attrs::get_ints(const std::string& name,
                                     std::vector<int64_t> fallback) const {
  return has(name) ? get_ints(name) : fallback;
}
const std::vector<float>& Attrs::get_floats(const std::string& name) const {
  return get_as<std::vector<float>>(find(name), name, "floats");
}
const Tensor& Attrs::get_tensor(const std::string& name) const {
  return get_as<Tensor>(find(name), name, "tensor");
}

}  // namespace bertc::ir
