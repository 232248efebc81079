// JSON from files: parsed with a nesting limit, and quoted in error messages as a short flat
// excerpt. nlohmann's parser is iterative, but copying, comparing and dumping a value recurse,
// so a 100,000-deep array in a config would overflow the stack the first time it is touched.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bertc::base {

// Deeper than any real config, tokenizer or bundle (they nest < 10 levels).
constexpr int kMaxJsonDepth = 64;

// Parses `text`; malformed JSON (invalid UTF-8 and numbers beyond a double included) or nesting
// over `max_depth` is a bertc::Error that starts with `where` (a file name, or "file: field").
nlohmann::json parse_json(std::string_view text, const std::string& where, int max_depth = kMaxJsonDepth);

// A value for an error message: a scalar as JSON text (strings cut at 60 characters), an array
// or object only by its size ("an array of 3 items"). Never recursive, never throws.
std::string json_excerpt(const nlohmann::json& value);

// A JSON number as int64: it must be an integer (not a float, however round) within int64;
// else a bertc::Error "WHERE: expected an integer, got EXCERPT". (nlohmann's get<int> casts
// a float unchecked, which is undefined behavior out of range.)
int64_t json_int(const nlohmann::json& value, const std::string& where);
// A JSON number as float: finite, within float's range; else a bertc::Error.
float json_float(const nlohmann::json& value, const std::string& where);

}  // namespace bertc::base
