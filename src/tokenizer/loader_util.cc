#include "tokenizer/loader_util.h"

#include "base/json_text.h"
#include "bertc/error.h"

namespace bertc::tokenizer {

using json = nlohmann::json;

void Field::fail(const std::string& msg) const { throw Error(where() + ": " + msg); }

bool Field::get_bool(const json& j, const char* key, bool dflt) const {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) fail(std::string("'") + key + "' must be true or false");
  return it->get<bool>();
}

std::string Field::get_string(const json& j, const char* key, const std::string& dflt) const {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_string()) fail(std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

std::size_t Field::get_size(const json& j, const char* key, std::size_t dflt) const {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    fail(std::string("'") + key + "' must be a non-negative integer");
  }
  return it->get<std::size_t>();
}

int32_t Field::get_id(const json& v, const std::string& what) const {
  const int64_t id = base::json_int(v, where() + ": " + what);
  if (id < 0 || id > INT32_MAX) fail(what + " " + std::to_string(id) + " is not a valid id");
  return static_cast<int32_t>(id);
}

std::string type_of(const json& j) {
  if (j.is_object()) {
    auto it = j.find("type");
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

Vocabulary vocab_object(const json& vocab, const Field& f) {
  if (!vocab.is_object()) f.fail("the vocabulary must be an object of token: id");
  Vocabulary v;
  v.tokens.resize(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const int32_t id = f.get_id(it.value(), "vocabulary id of '" + it.key() + "'");
    if (static_cast<std::size_t>(id) >= vocab.size()) {
      f.fail("vocabulary id " + std::to_string(id) + " of '" + it.key() + "' is outside [0, " +
             std::to_string(vocab.size()) + "): the ids number the vocabulary's tokens");
    }
    v.add(it.key(), id);
  }
  return v;
}

AddedToken parse_added_token(const json& j, bool special_default, const Field& f) {
  if (!j.is_object()) f.fail("an added token must be an object");
  AddedToken t;
  if (!j.contains("content") || !j.at("content").is_string()) f.fail("'content' must be a string");
  t.content = j.at("content").get<std::string>();
  t.special = f.get_bool(j, "special", special_default);
  t.single_word = f.get_bool(j, "single_word", false);
  t.lstrip = f.get_bool(j, "lstrip", false);
  t.rstrip = f.get_bool(j, "rstrip", false);
  t.normalized = f.get_bool(j, "normalized", !t.special);
  return t;
}

TruncationOptions parse_truncation(const json& j, const Field& f) {
  TruncationOptions t;
  t.max_length = f.get_size(j, "max_length", 512);
  const std::string s = f.get_string(j, "strategy", "LongestFirst");
  if (s == "LongestFirst")
    t.strategy = TruncationStrategy::longest_first;
  else if (s == "OnlyFirst")
    t.strategy = TruncationStrategy::only_first;
  else if (s == "OnlySecond")
    t.strategy = TruncationStrategy::only_second;
  else
    f.fail("unknown truncation strategy '" + s + "'");
  const std::string d = f.get_string(j, "direction", "Right");
  if (d != "Right" && d != "Left") f.fail("unknown truncation direction '" + d + "'");
  t.direction = d == "Left" ? Direction::left : Direction::right;
  return t;
}

PaddingOptions parse_padding(const json& j, const Field& f) {
  PaddingOptions p;
  if (!j.contains("strategy")) f.fail("'strategy' is missing");
  const json& s = j.at("strategy");
  if (s.is_string() && s.get<std::string>() == "BatchLongest") {
    p.strategy = PaddingStrategy::longest;
  } else if (s.is_object() && s.contains("Fixed")) {
    p.strategy = PaddingStrategy::fixed;
    p.length = f.get_size(s, "Fixed", 0);
  } else {
    f.fail("unknown padding strategy " + base::json_excerpt(s));
  }
  const std::string d = f.get_string(j, "direction", "Right");
  if (d != "Right" && d != "Left") f.fail("unknown padding direction '" + d + "'");
  p.direction = d == "Left" ? Direction::left : Direction::right;
  p.pad_to_multiple_of = f.get_size(j, "pad_to_multiple_of", 0);
  if (j.contains("pad_id") && !j.at("pad_id").is_null()) p.pad_id = f.get_id(j.at("pad_id"), "pad_id");
  if (j.contains("pad_type_id")) p.pad_type_id = f.get_id(j.at("pad_type_id"), "pad_type_id");
  if (j.contains("pad_token") && j.at("pad_token").is_string()) {
    p.pad_token = j.at("pad_token").get<std::string>();
  }
  return p;
}

void set_default_pad(ModelData& m, std::initializer_list<const char*> names) {
  if (m.pad_token_id) return;
  if (m.pad_token) {
    if (auto id = m.find_token(*m.pad_token)) m.pad_token_id = *id;
    return;
  }
  for (const char* name : names) {
    if (auto id = m.find_token(name)) {
      m.pad_token = name;
      m.pad_token_id = *id;
      return;
    }
  }
}

}  // namespace bertc::tokenizer
