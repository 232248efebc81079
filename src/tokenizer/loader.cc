// Loading a tokenizer from tokenizer.json (the `tokenizers` format) or from vocab.txt (+
// tokenizer_config.json), the way Hugging Face's BertTokenizerFast converts it.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "base/json_text.h"
#include "bertc/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

using json = nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& msg) {
  throw Error(name + ": " + msg);
}

std::string type_of(const json& j) {
  if (j.is_object()) {
    auto it = j.find("type");
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

bool get_bool(const json& j, const char* key, bool dflt, const std::string& name) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) fail(name, std::string("'") + key + "' must be true or false");
  return it->get<bool>();
}

std::size_t get_size(const json& j, const char* key, std::size_t dflt, const std::string& name) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    fail(name, std::string("'") + key + "' must be a non-negative integer");
  }
  return it->get<std::size_t>();
}

// A token id, type id or pad id: an integer in [0, 2^31).
int32_t get_id(const json& j, const std::string& what, const std::string& name) {
  const int64_t v = base::json_int(j, name + ": " + what);
  if (v < 0 || v > INT32_MAX) fail(name, what + " " + std::to_string(v) + " is not a valid id");
  return static_cast<int32_t>(v);
}

std::string get_string(const json& j, const char* key, const std::string& dflt,
                       const std::string& name) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (!it->is_string()) fail(name, std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

// Parses the normalizer section into m.normalizer.
void parse_normalizer(ModelData& m, const json& j, const std::string& name) {
  if (j.is_null()) {
    m.normalizer.enabled = false;
    return;
  }
  std::string type = type_of(j);
  const json* bert = nullptr;
  if (type == "BertNormalizer") {
    bert = &j;
  } else if (type == "Sequence") {
    const json& list = j.at("normalizers");
    if (!list.is_array()) fail(name, "normalizer Sequence: 'normalizers' must be a list");
    for (const json& n : list) {
      const std::string t = type_of(n);
      if (t != "BertNormalizer" || bert != nullptr) {
        fail(name, "normalizer type '" + (t == "BertNormalizer" ? "Sequence" : t) +
                       "' is not supported (only BertNormalizer, alone or as the one item of a "
                       "Sequence)");
      }
      bert = &n;
    }
    if (bert == nullptr) {
      m.normalizer.enabled = false;
      return;
    }
  } else {
    fail(name, "normalizer type '" + type + "' is not supported (only BertNormalizer)");
  }
  NormalizerConfig& c = m.normalizer;
  c.enabled = true;
  c.clean_text = get_bool(*bert, "clean_text", true, name);
  c.handle_chinese_chars = get_bool(*bert, "handle_chinese_chars", true, name);
  c.lowercase = get_bool(*bert, "lowercase", true, name);
  c.strip_accents = get_bool(*bert, "strip_accents", c.lowercase, name);
}

void parse_pre_tokenizer(ModelData& m, const json& j, const std::string& name) {
  if (j.is_null()) {
    m.pre_tokenizer = PreTokenizerKind::none;
    return;
  }
  std::string type = type_of(j);
  if (type == "Sequence") {
    const json& list = j.at("pretokenizers");
    if (list.is_array() && list.size() == 1) type = type_of(list[0]);
  }
  if (type != "BertPreTokenizer") {
    fail(name, "pre_tokenizer type '" + type + "' is not supported (only BertPreTokenizer)");
  }
  m.pre_tokenizer = PreTokenizerKind::bert;
}

std::vector<TemplatePiece> parse_template(const json& list, const json& specials,
                                          const std::string& name, const char* which) {
  std::vector<TemplatePiece> out;
  if (!list.is_array())
    fail(name, std::string("TemplateProcessing '") + which + "' must be a list");
  for (const json& item : list) {
    TemplatePiece p;
    if (item.contains("Sequence")) {
      const json& s = item.at("Sequence");
      const std::string id = s.at("id").get<std::string>();
      if (id != "A" && id != "B") fail(name, "TemplateProcessing: unknown sequence '" + id + "'");
      p.sequence = id == "A" ? 0 : 1;
      p.type_id = s.contains("type_id") ? get_id(s.at("type_id"), "type_id", name) : 0;
    } else if (item.contains("SpecialToken")) {
      const json& s = item.at("SpecialToken");
      const std::string id = s.at("id").get<std::string>();
      p.type_id = s.contains("type_id") ? get_id(s.at("type_id"), "type_id", name) : 0;
      if (!specials.is_object() || !specials.contains(id)) {
        fail(name, "TemplateProcessing: special token '" + id + "' is not in special_tokens");
      }
      for (const json& v : specials.at(id).at("ids")) p.ids.push_back(get_id(v, "special token id", name));
    } else {
      fail(name, std::string("TemplateProcessing '") + which + "': unknown item " + base::json_excerpt(item));
    }
    out.push_back(std::move(p));
  }
  return out;
}

void set_sequence_types(ModelData& m) {
  for (const TemplatePiece& p : m.has_pair_template ? m.pair_template : m.single_template) {
    if (p.sequence == 0) m.type_id_a = p.type_id;
    if (p.sequence == 1) m.type_id_b = p.type_id;
  }
}

void bert_template(ModelData& m, int32_t cls, int32_t sep) {
  m.has_template = true;
  m.has_pair_template = true;
  m.single_template = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}};
  m.pair_template = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}, {1, {}, 1}, {-1, {sep}, 1}};
  m.type_id_a = 0;
  m.type_id_b = 1;
}

// RobertaProcessing: <s> A </s> and <s> A </s> </s> B </s>, every type id 0 (as `tokenizers`
// writes them). Its trim_offsets / add_prefix_space act on byte-level tokens (a leading 'Ġ'),
// which a WordPiece vocabulary does not have, so they change nothing here.
void roberta_template(ModelData& m, int32_t cls, int32_t sep) {
  m.has_template = true;
  m.has_pair_template = true;
  m.single_template = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}};
  m.pair_template = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}, {-1, {sep}, 0}, {1, {}, 0}, {-1, {sep}, 0}};
  m.type_id_a = 0;
  m.type_id_b = 0;
}

void parse_post_processor(ModelData& m, const json& j, const std::string& name) {
  if (j.is_null()) {
    m.has_template = false;
    return;
  }
  const std::string type = type_of(j);
  if (type == "TemplateProcessing") {
    const json& specials = j.contains("special_tokens") ? j.at("special_tokens") : json::object();
    m.has_template = true;
    m.single_template = parse_template(j.at("single"), specials, name, "single");
    if (j.contains("pair") && !j.at("pair").is_null()) {
      m.pair_template = parse_template(j.at("pair"), specials, name, "pair");
      m.has_pair_template = true;
    }
    set_sequence_types(m);
  } else if (type == "BertProcessing" || type == "RobertaProcessing") {
    const json& cls = j.at("cls");
    const json& sep = j.at("sep");
    const int32_t cls_id = get_id(cls.at(1), "cls id", name), sep_id = get_id(sep.at(1), "sep id", name);
    type == "BertProcessing" ? bert_template(m, cls_id, sep_id) : roberta_template(m, cls_id, sep_id);
  } else {
    fail(name, "post_processor type '" + type +
                   "' is not supported (TemplateProcessing, BertProcessing, RobertaProcessing)");
  }
}

TruncationOptions parse_truncation(const json& j, const std::string& name) {
  TruncationOptions t;
  t.max_length = get_size(j, "max_length", 512, name);
  const std::string s = get_string(j, "strategy", "LongestFirst", name);
  if (s == "LongestFirst")
    t.strategy = TruncationStrategy::longest_first;
  else if (s == "OnlyFirst")
    t.strategy = TruncationStrategy::only_first;
  else if (s == "OnlySecond")
    t.strategy = TruncationStrategy::only_second;
  else
    fail(name, "unknown truncation strategy '" + s + "'");
  const std::string d = get_string(j, "direction", "Right", name);
  if (d != "Right" && d != "Left") fail(name, "unknown truncation direction '" + d + "'");
  t.direction = d == "Left" ? Direction::left : Direction::right;
  return t;
}

PaddingOptions parse_padding(const json& j, const std::string& name) {
  PaddingOptions p;
  const json& s = j.at("strategy");
  if (s.is_string() && s.get<std::string>() == "BatchLongest") {
    p.strategy = PaddingStrategy::longest;
  } else if (s.is_object() && s.contains("Fixed")) {
    p.strategy = PaddingStrategy::fixed;
    p.length = s.at("Fixed").get<std::size_t>();
  } else {
    fail(name, "unknown padding strategy " + base::json_excerpt(s));
  }
  const std::string d = get_string(j, "direction", "Right", name);
  if (d != "Right" && d != "Left") fail(name, "unknown padding direction '" + d + "'");
  p.direction = d == "Left" ? Direction::left : Direction::right;
  p.pad_to_multiple_of = get_size(j, "pad_to_multiple_of", 0, name);
  if (j.contains("pad_id") && !j.at("pad_id").is_null()) p.pad_id = get_id(j.at("pad_id"), "pad_id", name);
  if (j.contains("pad_type_id")) p.pad_type_id = get_id(j.at("pad_type_id"), "pad_type_id", name);
  if (j.contains("pad_token") && j.at("pad_token").is_string()) {
    p.pad_token = j.at("pad_token").get<std::string>();
  }
  return p;
}

// Registers an added token (id already assigned) in the model.
// Registers added token `t`, whose id must be in [0, id_limit): added tokens are in the
// vocabulary or numbered right after it, and an id beyond that would size the id table.
void add_token(ModelData& m, AddedToken t, std::size_t id_limit) {
  if (t.id < 0 || static_cast<std::size_t>(t.id) >= id_limit) {
    fail(m.source, "added token id " + std::to_string(t.id) + " of '" + t.content +
                       "' is outside [0, " + std::to_string(id_limit) + ")");
  }
  if (static_cast<std::size_t>(t.id) >= m.id_to_token.size()) m.id_to_token.resize(t.id + 1);
  m.id_to_token[t.id] = t.content;
  m.added_map.insert(t.content, t.id);
  // Replace an earlier registration of the same content.
  for (AddedSet* set : {&m.raw_added, &m.normalized_added}) {
    auto& v = set->tokens;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const AddedToken& o) { return o.content == t.content; }),
            v.end());
  }
  if (t.normalized && m.normalizer.enabled) {
    std::vector<char32_t> pending;
    t.match.clear();
    normalize(m.normalizer, t.content, t.match, pending);
    m.normalized_added.add(std::move(t));
  } else {
    t.match = t.content;
    m.raw_added.add(std::move(t));
  }
}

AddedToken parse_added_token(const json& j, bool special_default) {
  AddedToken t;
  t.content = j.at("content").get<std::string>();
  t.special = j.value("special", special_default);
  t.single_word = j.value("single_word", false);
  t.lstrip = j.value("lstrip", false);
  t.rstrip = j.value("rstrip", false);
  t.normalized = j.contains("normalized") && j.at("normalized").is_boolean()
                     ? j.at("normalized").get<bool>()
                     : !t.special;
  return t;
}

}  // namespace

ModelData load_tokenizer_json(std::string_view text, const std::string& name) {
  ModelData m;
  m.source = name;
  const json j = base::parse_json(text, name);
  try {
    if (!j.is_object()) fail(name, "not a tokenizer.json (the top level is not an object)");
    if (!j.contains("model") || !j.at("model").is_object()) {
      fail(name, "not a tokenizer.json (no 'model' object)");
    }
    const json& model = j.at("model");
    std::string type = type_of(model);
    if (type.empty()) {  // old files: the type is implied by the fields
      if (model.contains("merges"))
        type = "BPE";
      else if (model.contains("vocab") && model.at("vocab").is_array())
        type = "Unigram";
      else if (model.contains("continuing_subword_prefix") ||
               model.contains("max_input_chars_per_word"))
        type = "WordPiece";
      else if (model.contains("vocab"))
        type = "WordLevel";
    }
    if (type != "WordPiece") {
      fail(name, "model type '" + type + "' is not supported (only WordPiece)");
    }
    const json& vocab = model.at("vocab");
    if (!vocab.is_object()) fail(name, "model 'vocab' must be an object of token: id");
    // A vocabulary numbers its V tokens 0 … V-1: an id beyond that would size the id table.
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      const int32_t id = get_id(it.value(), "vocabulary id of '" + it.key() + "'", name);
      if (static_cast<std::size_t>(id) >= vocab.size()) {
        fail(name, "vocabulary id " + std::to_string(id) + " of '" + it.key() + "' is outside [0, " +
                       std::to_string(vocab.size()) + "): the ids number the vocabulary's tokens");
      }
      m.vocab.insert(it.key(), id);
      if (static_cast<std::size_t>(id) >= m.id_to_token.size()) m.id_to_token.resize(id + 1);
      m.id_to_token[id] = it.key();
    }
    m.unk_token = get_string(model, "unk_token", "[UNK]", name);
    m.prefix = get_string(model, "continuing_subword_prefix", "##", name);
    m.max_input_chars_per_word = get_size(model, "max_input_chars_per_word", 100, name);
    m.resolve_unk();
    m.build_continuation();

    parse_normalizer(m, j.contains("normalizer") ? j.at("normalizer") : json(), name);
    parse_pre_tokenizer(m, j.contains("pre_tokenizer") ? j.at("pre_tokenizer") : json(), name);
    parse_post_processor(m, j.contains("post_processor") ? j.at("post_processor") : json(), name);

    if (j.contains("added_tokens") && j.at("added_tokens").is_array()) {
      const std::size_t limit = m.id_to_token.size() + j.at("added_tokens").size();
      for (const json& a : j.at("added_tokens")) {
        AddedToken t = parse_added_token(a, false);
        t.id = get_id(a.at("id"), "added token id", name);
        add_token(m, std::move(t), limit);
      }
    }
    if (j.contains("truncation") && !j.at("truncation").is_null()) {
      m.default_options.truncation = parse_truncation(j.at("truncation"), name);
    }
    if (j.contains("padding") && !j.at("padding").is_null()) {
      m.default_options.padding = parse_padding(j.at("padding"), name);
      const PaddingOptions& p = *m.default_options.padding;
      if (p.pad_token) m.pad_token = p.pad_token;
      if (p.pad_id) m.pad_token_id = static_cast<int32_t>(*p.pad_id);
    }
    if (!m.pad_token_id) {
      const std::string pad = m.pad_token.value_or("[PAD]");
      if (auto id = m.find_token(pad)) {
        m.pad_token = pad;
        m.pad_token_id = *id;
      }
    }
  } catch (const json::exception& e) {
    fail(name, std::string("malformed tokenizer.json: ") + e.what());
  }
  return m;
}

namespace {

// A special token of tokenizer_config.json: a string or an AddedToken object.
std::optional<AddedToken> config_token(const json& cfg, const char* key) {
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return std::nullopt;
  AddedToken t;
  if (it->is_string()) {
    t.content = it->get<std::string>();
  } else if (it->is_object()) {
    t = parse_added_token(*it, true);
  } else {
    return std::nullopt;
  }
  t.special = true;
  t.normalized = false;  // HF registers special tokens unnormalized
  if (it->is_object() && it->contains("normalized"))
    t.normalized = it->at("normalized").get<bool>();
  return t;
}

}  // namespace

void apply_config_max_length(ModelData& m, const std::string& config_json,
                             const std::string& config_name) {
  const json cfg = base::parse_json(config_json, config_name);
  if (!cfg.is_object()) return;
  auto it = cfg.find("model_max_length");
  // HF writes a huge number (1e30) when there is no limit.
  if (it != cfg.end() && it->is_number() && it->get<double>() > 0 && it->get<double>() < 1e12) {
    m.model_max_length = static_cast<std::size_t>(it->get<double>());
  }
}

ModelData load_vocab_txt(const std::string& text, const std::string& name,
                         const std::optional<std::string>& config_json,
                         const std::string& config_name) {
  ModelData m;
  m.source = name;
  // One token a line; the id is the line number; a later duplicate wins in token -> id.
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    check_utf8(line, name + " line " + std::to_string(line_no));
    const auto id = static_cast<int32_t>(m.id_to_token.size());
    m.id_to_token.emplace_back(line);
    m.vocab.insert(line, id);
    pos = eol + 1;
  }
  if (m.id_to_token.empty()) fail(name, "the vocabulary is empty");

  json cfg = json::object();
  if (config_json) {
    cfg = base::parse_json(*config_json, config_name);
    if (!cfg.is_object()) fail(config_name, "not a tokenizer_config.json (not an object)");
  }
  try {
    m.normalizer.enabled = true;
    m.normalizer.clean_text = true;
    m.normalizer.lowercase = get_bool(cfg, "do_lower_case", true, config_name);
    m.normalizer.handle_chinese_chars = get_bool(cfg, "tokenize_chinese_chars", true, config_name);
    m.normalizer.strip_accents =
        get_bool(cfg, "strip_accents", m.normalizer.lowercase, config_name);
    m.pre_tokenizer = PreTokenizerKind::bert;

    auto token_or = [&](const char* key, const char* dflt) {
      if (auto t = config_token(cfg, key)) return *t;
      AddedToken t;
      t.content = dflt;
      return t;
    };
    AddedToken unk = token_or("unk_token", "[UNK]");
    AddedToken sep = token_or("sep_token", "[SEP]");
    AddedToken pad = token_or("pad_token", "[PAD]");
    AddedToken cls = token_or("cls_token", "[CLS]");
    AddedToken mask = token_or("mask_token", "[MASK]");
    m.unk_token = unk.content;
    m.resolve_unk();
    m.build_continuation();

    // The special tokens become added tokens (when the vocabulary has them), as
    // BertTokenizerFast registers them.
    for (AddedToken* t : {&pad, &unk, &cls, &sep, &mask}) {
      if (auto id = m.vocab.find(t->content); id >= 0) {
        t->id = id;
        add_token(m, *t, m.id_to_token.size());
      }
    }
    if (cfg.contains("added_tokens_decoder") && cfg.at("added_tokens_decoder").is_object()) {
      const std::size_t limit = m.id_to_token.size() + cfg.at("added_tokens_decoder").size();
      for (auto& [key, value] : cfg.at("added_tokens_decoder").items()) {
        AddedToken t = parse_added_token(value, false);
        try {
          t.id = std::stoi(key);
        } catch (const std::exception&) {
          fail(config_name, "added_tokens_decoder key '" + key + "' is not an id");
        }
        add_token(m, std::move(t), limit);
      }
    }
    if (cfg.contains("additional_special_tokens") &&
        cfg.at("additional_special_tokens").is_array()) {
      for (const json& a : cfg.at("additional_special_tokens")) {
        AddedToken t;
        if (a.is_string())
          t.content = a.get<std::string>();
        else
          t = parse_added_token(a, true);
        t.special = true;
        if (!a.is_object()) t.normalized = false;
        if (m.added_map.find(t.content) >= 0) continue;
        auto id = m.vocab.find(t.content);
        t.id = id >= 0 ? id : static_cast<int32_t>(m.id_to_token.size());
        add_token(m, std::move(t), m.id_to_token.size() + 1);
      }
    }

    const auto cls_id = m.find_token(cls.content);
    const auto sep_id = m.find_token(sep.content);
    if (!cls_id) fail(name, "the classifier token '" + cls.content + "' is not in the vocabulary");
    if (!sep_id) fail(name, "the separator token '" + sep.content + "' is not in the vocabulary");
    bert_template(m, *cls_id, *sep_id);
    if (auto pad_id = m.find_token(pad.content)) {
      m.pad_token = pad.content;
      m.pad_token_id = *pad_id;
    }
  } catch (const json::exception& e) {
    fail(config_name, std::string("malformed tokenizer_config.json: ") + e.what());
  }
  if (config_json) apply_config_max_length(m, *config_json, config_name);
  return m;
}

}  // namespace bertc::tokenizer
