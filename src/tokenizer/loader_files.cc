// Tokenizers from the older per-model files, built the way transformers' fast tokenizers convert
// them: vocab.txt (BertTokenizerFast) and vocab.json + merges.txt (RobertaTokenizerFast), each
// with its tokenizer_config.json when there is one.
#include <nlohmann/json.hpp>
#include <string>

#include "base/json_text.h"
#include "bertc/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/decoder.h"
#include "tokenizer/loader_util.h"
#include "tokenizer/model.h"
#include "tokenizer/models.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

using json = nlohmann::json;

namespace {

json read_config(const std::optional<std::string>& config_json, const std::string& config_name) {
  if (!config_json) return json::object();
  json cfg = base::parse_json(*config_json, config_name);
  if (!cfg.is_object()) throw Error(config_name + ": not a tokenizer_config.json (not an object)");
  return cfg;
}

// A special token of tokenizer_config.json (a string or an AddedToken object), or `dflt`.
AddedToken config_token(const json& cfg, const char* key, const char* dflt, const Field& f) {
  AddedToken t;
  auto it = cfg.find(key);
  if (it != cfg.end() && it->is_object()) {
    t = parse_added_token(*it, true, f.sub(key));
  } else {
    t.content = it != cfg.end() && it->is_string() ? it->get<std::string>() : dflt;
    t.normalized = false;  // transformers registers special tokens unnormalized
  }
  t.special = true;
  return t;
}

// The special tokens the vocabulary has become added tokens (as the fast tokenizers register
// them), then added_tokens_decoder and additional_special_tokens.
void add_config_tokens(ModelData& m, std::vector<AddedToken> specials, const json& cfg, const Field& f) {
  for (AddedToken& t : specials) {
    if (auto id = m.model->vocab.find(t.content); id >= 0) {
      t.id = id;
      m.add_token(t, m.id_to_token.size());
    }
  }
  if (cfg.contains("added_tokens_decoder") && cfg.at("added_tokens_decoder").is_object()) {
    const std::size_t limit = m.id_to_token.size() + cfg.at("added_tokens_decoder").size();
    for (auto& [key, value] : cfg.at("added_tokens_decoder").items()) {
      const Field fa = f.sub("added_tokens_decoder." + key);
      AddedToken t = parse_added_token(value, false, fa);
      try {
        t.id = std::stoi(key);
      } catch (const std::exception&) {
        fa.fail("the key '" + key + "' is not an id");
      }
      m.add_token(std::move(t), limit);
    }
  }
  if (cfg.contains("additional_special_tokens") && cfg.at("additional_special_tokens").is_array()) {
    for (const json& a : cfg.at("additional_special_tokens")) {
      AddedToken t;
      if (a.is_string()) {
        t.content = a.get<std::string>();
        t.normalized = false;
      } else {
        t = parse_added_token(a, true, f.sub("additional_special_tokens"));
      }
      t.special = true;
      if (m.added_map.find(t.content) >= 0) continue;
      const int32_t id = m.model->vocab.find(t.content);
      t.id = id >= 0 ? id : static_cast<int32_t>(m.id_to_token.size());
      m.add_token(std::move(t), m.id_to_token.size() + 1);
    }
  }
}

// The template's [CLS] / [SEP] ids (BERT's or RoBERTa's special tokens, which `name`'s
// vocabulary must have) and the pad token, when the vocabulary has it.
std::pair<int32_t, int32_t> template_ids(ModelData& m, const AddedToken& cls, const AddedToken& sep,
                                         const AddedToken& pad, const std::string& name) {
  const auto cls_id = m.find_token(cls.content);
  const auto sep_id = m.find_token(sep.content);
  if (!cls_id) throw Error(name + ": the classifier token '" + cls.content + "' is not in the vocabulary");
  if (!sep_id) throw Error(name + ": the separator token '" + sep.content + "' is not in the vocabulary");
  m.pad_token = pad.content;
  set_default_pad(m, {});
  if (!m.pad_token_id) m.pad_token.reset();
  return {*cls_id, *sep_id};
}

}  // namespace

void apply_config_max_length(ModelData& m, const std::string& config_json,
                             const std::string& config_name) {
  const json cfg = base::parse_json(config_json, config_name);
  if (!cfg.is_object()) return;
  auto it = cfg.find("model_max_length");
  // transformers writes a huge number (1e30) when there is no limit.
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
  Vocabulary vocab;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    check_utf8(line, name + " line " + std::to_string(vocab.tokens.size() + 1));
    vocab.add(std::string(line), static_cast<int32_t>(vocab.tokens.size()));
    pos = eol + 1;
  }
  if (vocab.tokens.empty()) throw Error(name + ": the vocabulary is empty");

  const json cfg = read_config(config_json, config_name);
  const Field f{config_name, ""};
  try {
    BertNormalizerConfig n;
    n.lowercase = f.get_bool(cfg, "do_lower_case", true);
    n.handle_chinese_chars = f.get_bool(cfg, "tokenize_chinese_chars", true);
    n.strip_accents = f.get_bool(cfg, "strip_accents", n.lowercase);
    m.normalizer = make_bert_normalizer(n);
    m.pre_tokenizer = make_bert_pre_tokenizer();
    const AddedToken unk = config_token(cfg, "unk_token", "[UNK]", f);
    const AddedToken sep = config_token(cfg, "sep_token", "[SEP]", f);
    const AddedToken pad = config_token(cfg, "pad_token", "[PAD]", f);
    const AddedToken cls = config_token(cfg, "cls_token", "[CLS]", f);
    const AddedToken mask = config_token(cfg, "mask_token", "[MASK]", f);
    WordPieceConfig wp;
    wp.unk_token = unk.content;
    m.model = make_wordpiece(std::move(vocab), wp, name);
    m.id_to_token = m.model->id_to_token;
    m.decoder = make_wordpiece_decoder("##", true);
    add_config_tokens(m, {pad, unk, cls, sep, mask}, cfg, f);

    const auto [cls_id, sep_id] = template_ids(m, cls, sep, pad, name);
    m.post.set_bert(cls_id, sep_id);
  } catch (const json::exception& e) {
    f.fail(std::string("malformed tokenizer_config.json: ") + e.what());
  }
  if (config_json) apply_config_max_length(m, *config_json, config_name);
  return m;
}

ModelData load_bpe_files(const std::string& vocab_json, const std::string& vocab_name,
                         const std::string& merges_txt, const std::string& merges_name,
                         const std::optional<std::string>& config_json,
                         const std::string& config_name) {
  ModelData m;
  m.source = vocab_name;
  const json cfg = read_config(config_json, config_name);
  const Field f{config_name, ""};
  // merges.txt: an optional "#version" line, then "a b" per line in rank order.
  std::vector<std::pair<std::string, std::string>> merges;
  std::size_t pos = 0, line_no = 0;
  while (pos < merges_txt.size()) {
    std::size_t eol = merges_txt.find('\n', pos);
    if (eol == std::string::npos) eol = merges_txt.size();
    std::string_view line(merges_txt.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (line_no == 1 && line.starts_with("#version"))) continue;
    check_utf8(line, merges_name + " line " + std::to_string(line_no));
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos || line.find(' ', sp + 1) != std::string_view::npos) {
      throw Error(merges_name + " line " + std::to_string(line_no) + ": '" + std::string(line) +
                  "' is not two tokens separated by a space");
    }
    merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
  }
  try {
    const bool prefix_space = f.get_bool(cfg, "add_prefix_space", false);
    m.pre_tokenizer = make_byte_level_pre_tokenizer(prefix_space, true);
    m.model = make_bpe(vocab_object(base::parse_json(vocab_json, vocab_name), Field{vocab_name, ""}),
                       merges, BpeConfig{}, merges_name);
    m.id_to_token = m.model->id_to_token;
    m.decoder = make_byte_level_decoder();
    const AddedToken bos = config_token(cfg, "bos_token", "<s>", f);
    const AddedToken eos = config_token(cfg, "eos_token", "</s>", f);
    const AddedToken unk = config_token(cfg, "unk_token", "<unk>", f);
    const AddedToken sep = config_token(cfg, "sep_token", "</s>", f);
    const AddedToken cls = config_token(cfg, "cls_token", "<s>", f);
    const AddedToken pad = config_token(cfg, "pad_token", "<pad>", f);
    AddedToken mask = config_token(cfg, "mask_token", "<mask>", f);
    if (!cfg.contains("mask_token") || cfg.at("mask_token").is_string()) mask.lstrip = true;
    add_config_tokens(m, {bos, pad, eos, unk, sep, cls, mask}, cfg, f);
    const auto [cls_id, sep_id] = template_ids(m, cls, sep, pad, vocab_name);
    m.post.set_roberta(cls_id, sep_id);
    m.post.trim_offsets = f.get_bool(cfg, "trim_offsets", true);
    m.post.add_prefix_space = prefix_space;
  } catch (const json::exception& e) {
    f.fail(std::string("malformed tokenizer_config.json: ") + e.what());
  }
  if (config_json) apply_config_max_length(m, *config_json, config_name);
  return m;
}

}  // namespace bertc::tokenizer
