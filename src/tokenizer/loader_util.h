// What the tokenizer loaders share: a JSON field with its file and path for error messages, the
// typed getters on it, and the parts of tokenizer.json that tokenizer_config.json also has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/model.h"
#include "tokenizer/models.h"

namespace bertc::tokenizer {

// A place in a file: "tokenizer.json: pre_tokenizer.pretokenizers[1]".
struct Field {
  std::string file;
  std::string path;  // empty: the whole file

  std::string where() const { return path.empty() ? file : file + ": " + path; }
  Field sub(const std::string& p) const { return {file, p}; }
  [[noreturn]] void fail(const std::string& msg) const;

  // A missing or null key gives `dflt`; a value of the wrong type fails naming the key.
  bool get_bool(const nlohmann::json& j, const char* key, bool dflt) const;
  std::string get_string(const nlohmann::json& j, const char* key, const std::string& dflt) const;
  std::size_t get_size(const nlohmann::json& j, const char* key, std::size_t dflt) const;
  // A token id, type id or pad id: an integer in [0, 2^31).
  int32_t get_id(const nlohmann::json& v, const std::string& what) const;
};

// The "type" of a component object, or "" when it has none.
std::string type_of(const nlohmann::json& j);

// A {"token": id, ...} vocabulary; the ids must number the tokens 0 .. size-1.
Vocabulary vocab_object(const nlohmann::json& vocab, const Field& f);

// An added token object of tokenizer.json / tokenizer_config.json (id not read).
AddedToken parse_added_token(const nlohmann::json& j, bool special_default, const Field& f);
TruncationOptions parse_truncation(const nlohmann::json& j, const Field& f);
PaddingOptions parse_padding(const nlohmann::json& j, const Field& f);
// Without a padding section: the first of `names` the tokenizer has becomes the pad token.
void set_default_pad(ModelData& m, std::initializer_list<const char*> names);

}  // namespace bertc::tokenizer
