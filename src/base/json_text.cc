#include "base/json_text.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "bertc/error.h"

namespace bertc::base {

namespace {

// Rejects nesting deeper than max_depth before the parser builds anything.
void check_depth(std::string_view text, const std::string& where, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        throw Error(where + ": malformed JSON: nested deeper than " +
                    std::to_string(max_depth) + " levels at byte " + std::to_string(i));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& where, int max_depth) {
  check_depth(text, where, max_depth);
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    std::string why = e.what();  // quotes the offending token, which may be megabytes long
    if (why.size() > 200) why = why.substr(0, 200) + "...";
    throw Error(where + ": malformed JSON: " + why);
  }
}

std::string json_excerpt(const nlohmann::json& v) {
  using Json = nlohmann::json;
  constexpr size_t kMaxChars = 60;
  if (v.is_array()) return "an array of " + std::to_string(v.size()) + " items";
  if (v.is_object()) return "an object with " + std::to_string(v.size()) + " keys";
  if (v.is_string()) {
    std::string s = v.get_ref<const std::string&>();
    const bool cut = s.size() > kMaxChars;
    if (cut) s.resize(kMaxChars);
    std::string quoted = Json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return cut ? quoted.substr(0, quoted.size() - 1) + "...\"" : quoted;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bertc::base

namespace bertc::base {

int64_t json_int(const nlohmann::json& v, const std::string& where) {
  if (v.is_number_integer() &&
      !(v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
    return v.get<int64_t>();
  }
  throw Error(where + ": expected an integer, got " + json_excerpt(v));
}

float json_float(const nlohmann::json& v, const std::string& where) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::abs(d) <= std::numeric_limits<float>::max()) {
      return static_cast<float>(d);
    }
  }
  throw Error(where + ": expected a float32 number, got " + json_excerpt(v));
}

}  // namespace bertc::base
