// Node attributes: a small name → value map with typed, error-reporting getters.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "bertc/tensor.h"

namespace bertc::ir {

using Attr = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>,
                          Tensor>;

class Attrs {
 public:
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void set(const std::string& name, Attr value) { map_[name] = std::move(value); }
  void erase(const std::string& name) { map_.erase(name); }

  // Getters throw bertc::Error naming the attribute when it has another type; the
  // default-taking forms return `fallback` when it is absent.
  int64_t get_int(const std::string& name) const;
  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name) const;
  float get_float(const std::string& name, float fallback) const;
  const std::string& get_string(const std::string& name) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  const std::vector<int64_t>& get_ints(const std::string& name) const;
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback) const;
  const std::vector<float>& get_floats(const std::string& name) const;
  const Tensor& get_tensor(const std::string& name) const;

  const std::map<std::string, Attr>& all() const { return map_; }

 private:
  const Attr& find(const std::string& name) const;
  std::map<std::string, Attr> map_;
};

}  // namespace bertc::ir
