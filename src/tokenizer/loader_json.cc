// Loading a tokenizer.json (the `tokenizers` format): each section becomes its component, and
// anything this build cannot run exactly is an error naming the file and the field.
#include <boost/beast/core/detail/base64.hpp>
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

namespace bertc::tokenizer {

using json = nlohmann::json;

namespace {

// A JSON field's path for messages: "pre_tokenizer.pretokenizers[1]".
std::string at(const std::string& path, const char* key) { return path + "." + key; }
std::string at(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const json& list_of(const json& j, const char* key, const Field& f) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) f.fail(std::string("'") + key + "' must be a list");
  return *it;
}

const json& vocab_of(const json& model, const Field& f) {
  auto it = model.find("vocab");
  if (it == model.end()) f.fail("'vocab' is missing");
  return *it;
}

// A Replace / Split pattern: {"String": "..."} or {"Regex": "..."}.
std::pair<std::string, bool> pattern_of(const json& j, const Field& f) {
  auto it = j.find("pattern");
  if (it != j.end() && it->is_object()) {
    if (it->contains("String") && it->at("String").is_string()) return {it->at("String"), false};
    if (it->contains("Regex") && it->at("Regex").is_string()) return {it->at("Regex"), true};
  }
  f.fail("'pattern' must be {\"String\": ...} or {\"Regex\": ...}");
}

std::string base64_decode(const std::string& text, const Field& f) {
  namespace b64 = boost::beast::detail::base64;
  // decoded_size() rounds down; a length that is not a multiple of 4 decodes a partial group too.
  std::string out((text.size() + 3) / 4 * 3, '\0');
  const auto [written, read] = b64::decode(out.data(), text.data(), text.size());
  std::size_t rest = read;
  while (rest < text.size() && text[rest] == '=') ++rest;
  if (rest != text.size()) f.fail("precompiled_charsmap is not valid base64 (at character " + std::to_string(read) + ")");
  out.resize(written);
  return out;
}

PrependScheme prepend_scheme(const json& j, const Field& f) {
  const std::string s = f.get_string(j, "prepend_scheme", "");
  if (s.empty()) return f.get_bool(j, "add_prefix_space", true) ? PrependScheme::always : PrependScheme::never;
  if (s == "always") return PrependScheme::always;
  if (s == "first") return PrependScheme::first;
  if (s == "never") return PrependScheme::never;
  f.fail("unknown prepend_scheme '" + s + "' (always, first, never)");
}

SplitBehavior behavior_of(const json& j, const Field& f) {
  const std::string s = f.get_string(j, "behavior", "Isolated");
  if (s == "Removed") return SplitBehavior::removed;
  if (s == "Isolated") return SplitBehavior::isolated;
  if (s == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (s == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (s == "Contiguous") return SplitBehavior::contiguous;
  f.fail("unknown behavior '" + s + "'");
}

std::unique_ptr<Normalizer> parse_normalizer(const json& j, const Field& f) {
  const std::string type = type_of(j);
  if (type == "BertNormalizer") {
    BertNormalizerConfig c;
    c.clean_text = f.get_bool(j, "clean_text", true);
    c.handle_chinese_chars = f.get_bool(j, "handle_chinese_chars", true);
    c.lowercase = f.get_bool(j, "lowercase", true);
    c.strip_accents = f.get_bool(j, "strip_accents", c.lowercase);
    return make_bert_normalizer(c);
  }
  if (type == "Sequence") {
    const json& list = list_of(j, "normalizers", f);
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(parse_normalizer(list[i], f.sub(at(at(f.path, "normalizers"), i))));
    }
    return make_sequence_normalizer(std::move(steps));
  }
  if (type == "NFC") return make_unicode_normalizer(UnicodeForm::nfc);
  if (type == "NFD") return make_unicode_normalizer(UnicodeForm::nfd);
  if (type == "NFKC") return make_unicode_normalizer(UnicodeForm::nfkc);
  if (type == "NFKD") return make_unicode_normalizer(UnicodeForm::nfkd);
  if (type == "Lowercase") return make_lowercase_normalizer();
  if (type == "StripAccents") return make_strip_accents_normalizer();
  if (type == "Nmt") return make_nmt_normalizer();
  if (type == "Strip") {
    return make_strip_normalizer(f.get_bool(j, "strip_left", true), f.get_bool(j, "strip_right", true));
  }
  if (type == "Prepend") return make_prepend_normalizer(f.get_string(j, "prepend", ""));
  if (type == "Replace") {
    const auto [pattern, regex] = pattern_of(j, f);
    return make_replace_normalizer(pattern, regex, f.get_string(j, "content", ""), f.where());
  }
  if (type == "Precompiled") {
    auto it = j.find("precompiled_charsmap");
    if (it == j.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
      return make_sequence_normalizer({});  // no rules: the text is unchanged
    }
    if (!it->is_string()) f.fail("'precompiled_charsmap' must be a base64 string");
    return make_precompiled_normalizer(base64_decode(it->get<std::string>(), f), f.where());
  }
  f.fail("type '" + type +
         "' is not supported (BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, "
         "Nmt, Precompiled, Prepend, Replace, Sequence)");
}

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const json& j, const Field& f, ModelData& m) {
  const std::string type = type_of(j);
  if (type == "BertPreTokenizer") return make_bert_pre_tokenizer();
  if (type == "Whitespace") return make_whitespace_pre_tokenizer();
  if (type == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  if (type == "Punctuation") return make_punctuation_pre_tokenizer(behavior_of(j, f));
  if (type == "Digits") return make_digits_pre_tokenizer(f.get_bool(j, "individual_digits", false));
  if (type == "ByteLevel") {
    return make_byte_level_pre_tokenizer(f.get_bool(j, "add_prefix_space", true),
                                         f.get_bool(j, "use_regex", true));
  }
  if (type == "Metaspace") {
    const PrependScheme scheme = prepend_scheme(j, f);
    if (scheme == PrependScheme::first) m.needs_spans = true;
    return make_metaspace_pre_tokenizer(f.get_string(j, "replacement", "\xE2\x96\x81"), scheme,
                                        f.get_bool(j, "split", true));
  }
  if (type == "Split") {
    const auto [pattern, regex] = pattern_of(j, f);
    return make_split_pre_tokenizer(pattern, regex, behavior_of(j, f), f.get_bool(j, "invert", false),
                                    f.where());
  }
  if (type == "Sequence") {
    const json& list = list_of(j, "pretokenizers", f);
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(parse_pre_tokenizer(list[i], f.sub(at(at(f.path, "pretokenizers"), i)), m));
    }
    return make_sequence_pre_tokenizer(std::move(steps));
  }
  f.fail("type '" + type +
         "' is not supported (BertPreTokenizer, ByteLevel, Metaspace, Whitespace, WhitespaceSplit, "
         "Punctuation, Digits, Split, Sequence)");
}

std::unique_ptr<Decoder> parse_decoder(const json& j, const Field& f) {
  const std::string type = type_of(j);
  if (type == "WordPiece") {
    return make_wordpiece_decoder(f.get_string(j, "prefix", "##"), f.get_bool(j, "cleanup", true));
  }
  if (type == "ByteLevel") return make_byte_level_decoder();
  if (type == "Metaspace") {
    return make_metaspace_decoder(f.get_string(j, "replacement", "\xE2\x96\x81"), prepend_scheme(j, f));
  }
  if (type == "ByteFallback") return make_byte_fallback_decoder();
  if (type == "Fuse") return make_fuse_decoder();
  if (type == "Strip") {
    return make_strip_decoder(f.get_string(j, "content", " "), f.get_size(j, "start", 0),
                              f.get_size(j, "stop", 0));
  }
  if (type == "Replace") {
    const auto [pattern, regex] = pattern_of(j, f);
    return make_replace_decoder(pattern, regex, f.get_string(j, "content", ""), f.where());
  }
  if (type == "BPEDecoder") return make_bpe_decoder(f.get_string(j, "suffix", "</w>"));
  if (type == "Sequence") {
    const json& list = list_of(j, "decoders", f);
    std::vector<std::unique_ptr<Decoder>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(parse_decoder(list[i], f.sub(at(at(f.path, "decoders"), i))));
    }
    return make_sequence_decoder(std::move(steps));
  }
  f.fail("type '" + type +
         "' is not supported (WordPiece, ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, "
         "BPEDecoder, Sequence)");
}

std::vector<TemplatePiece> parse_template(const json& list, const json& specials, const Field& f) {
  std::vector<TemplatePiece> out;
  if (!list.is_array()) f.fail("must be a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& item = list[i];
    const Field fi = f.sub(at(f.path, i));
    TemplatePiece p;
    const bool seq = item.is_object() && item.contains("Sequence");
    const bool special = item.is_object() && item.contains("SpecialToken");
    if (!seq && !special) fi.fail("unknown item " + base::json_excerpt(item));
    const json& s = item.at(seq ? "Sequence" : "SpecialToken");
    const std::string id = fi.get_string(s, "id", "");
    p.type_id = s.contains("type_id") ? fi.get_id(s.at("type_id"), "type_id") : 0;
    if (seq) {
      if (id != "A" && id != "B") fi.fail("unknown sequence '" + id + "'");
      p.sequence = id == "A" ? 0 : 1;
    } else {
      if (!specials.is_object() || !specials.contains(id) || !specials.at(id).is_object()) {
        fi.fail("special token '" + id + "' is not in special_tokens");
      }
      for (const json& v : list_of(specials.at(id), "ids", fi)) p.ids.push_back(fi.get_id(v, "special token id"));
    }
    out.push_back(std::move(p));
  }
  return out;
}

void parse_post_processor(PostProcessor& post, const json& j, const Field& f) {
  const std::string type = type_of(j);
  if (type == "TemplateProcessing") {
    const json specials = j.contains("special_tokens") ? j.at("special_tokens") : json::object();
    post.has_template = true;
    if (!j.contains("single")) f.fail("'single' is missing");
    post.single = parse_template(j.at("single"), specials, f.sub(at(f.path, "single")));
    if (j.contains("pair") && !j.at("pair").is_null()) {
      post.pair = parse_template(j.at("pair"), specials, f.sub(at(f.path, "pair")));
      post.has_pair = true;
    }
    post.set_sequence_types();
  } else if (type == "BertProcessing" || type == "RobertaProcessing") {
    auto token_id = [&](const char* key) {
      auto it = j.find(key);
      if (it == j.end() || !it->is_array() || it->size() != 2) {
        f.fail(std::string("'") + key + "' must be [token, id]");
      }
      return f.get_id(it->at(1), std::string(key) + " id");
    };
    const int32_t cls = token_id("cls"), sep = token_id("sep");
    if (type == "BertProcessing") {
      post.set_bert(cls, sep);
    } else {
      post.set_roberta(cls, sep);
      post.trim_offsets = f.get_bool(j, "trim_offsets", true);
      post.add_prefix_space = f.get_bool(j, "add_prefix_space", true);
    }
  } else if (type == "ByteLevel") {
    post.trim_offsets = f.get_bool(j, "trim_offsets", true);
    post.add_prefix_space = f.get_bool(j, "add_prefix_space", true);
  } else if (type == "Sequence") {
    const json& list = list_of(j, "processors", f);
    for (std::size_t i = 0; i < list.size(); ++i) {
      parse_post_processor(post, list[i], f.sub(at(at(f.path, "processors"), i)));
    }
  } else {
    f.fail("type '" + type +
           "' is not supported (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, "
           "Sequence)");
  }
}

// The model section: WordPiece, BPE or Unigram (old files leave out "type").
std::unique_ptr<Model> parse_model(const json& model, const Field& f) {
  std::string type = type_of(model);
  if (type.empty()) {
    if (model.contains("merges"))
      type = "BPE";
    else if (model.contains("vocab") && model.at("vocab").is_array())
      type = "Unigram";
    else if (model.contains("continuing_subword_prefix") || model.contains("max_input_chars_per_word"))
      type = "WordPiece";
    else if (model.contains("vocab"))
      type = "WordLevel";
  }
  if (type == "WordPiece") {
    WordPieceConfig c;
    c.unk_token = f.get_string(model, "unk_token", "[UNK]");
    c.prefix = f.get_string(model, "continuing_subword_prefix", "##");
    c.max_input_chars_per_word = f.get_size(model, "max_input_chars_per_word", 100);
    return make_wordpiece(vocab_object(vocab_of(model, f), f.sub(at(f.path, "vocab"))), c, f.file);
  }
  if (type == "BPE") {
    BpeConfig c;
    if (model.contains("unk_token") && !model.at("unk_token").is_null()) {
      c.unk_token = f.get_string(model, "unk_token", "");
    }
    c.prefix = f.get_string(model, "continuing_subword_prefix", "");
    c.suffix = f.get_string(model, "end_of_word_suffix", "");
    c.fuse_unk = f.get_bool(model, "fuse_unk", false);
    c.byte_fallback = f.get_bool(model, "byte_fallback", false);
    c.ignore_merges = f.get_bool(model, "ignore_merges", false);
    if (model.contains("dropout") && !model.at("dropout").is_null() &&
        !(model.at("dropout").is_number() && model.at("dropout").get<double>() == 0.0)) {
      f.fail("'dropout' is set: BPE dropout is a training-time randomization; set it to null");
    }
    const json& merges = list_of(model, "merges", f);
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.reserve(merges.size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
      const json& m = merges[i];
      if (m.is_string()) {  // "a b"
        const std::string s = m.get<std::string>();
        const std::size_t sp = s.find(' ');
        if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
          f.sub(at(at(f.path, "merges"), i)).fail("'" + s + "' is not two tokens separated by a space");
        }
        pairs.emplace_back(s.substr(0, sp), s.substr(sp + 1));
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        pairs.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      } else {
        f.sub(at(at(f.path, "merges"), i)).fail("a merge must be \"a b\" or [\"a\", \"b\"]");
      }
    }
    return make_bpe(vocab_object(vocab_of(model, f), f.sub(at(f.path, "vocab"))), pairs, c, f.file);
  }
  if (type == "Unigram") {
    const json& vocab = list_of(model, "vocab", f);
    std::vector<std::pair<std::string, double>> pieces;
    pieces.reserve(vocab.size());
    for (std::size_t i = 0; i < vocab.size(); ++i) {
      const json& v = vocab[i];
      if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number()) {
        f.sub(at(at(f.path, "vocab"), i)).fail("a piece must be [\"text\", score]");
      }
      pieces.emplace_back(v[0].get<std::string>(), v[1].get<double>());
    }
    UnigramConfig c;
    if (model.contains("unk_id") && !model.at("unk_id").is_null()) {
      c.unk_id = f.get_id(model.at("unk_id"), "unk_id");
    }
    c.byte_fallback = f.get_bool(model, "byte_fallback", false);
    return make_unigram(std::move(pieces), c, f.file + ": model");
  }
  f.fail("type '" + type + "' is not supported (WordPiece, BPE, Unigram)");
}

}  // namespace

ModelData load_tokenizer_json(std::string_view text, const std::string& name) {
  ModelData m;
  m.source = name;
  const json j = base::parse_json(text, name);
  const Field root{name, ""};
  auto section = [&](const char* key) -> const json* {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  };
  try {
    if (!j.is_object()) root.fail("not a tokenizer.json (the top level is not an object)");
    if (!j.contains("model") || !j.at("model").is_object()) {
      root.fail("not a tokenizer.json (no 'model' object)");
    }
    m.model = parse_model(j.at("model"), root.sub("model"));
    m.id_to_token = m.model->id_to_token;
    if (const json* n = section("normalizer")) m.normalizer = parse_normalizer(*n, root.sub("normalizer"));
    if (const json* p = section("pre_tokenizer")) {
      m.pre_tokenizer = parse_pre_tokenizer(*p, root.sub("pre_tokenizer"), m);
    }
    if (const json* p = section("post_processor")) parse_post_processor(m.post, *p, root.sub("post_processor"));
    if (const json* d = section("decoder")) m.decoder = parse_decoder(*d, root.sub("decoder"));

    if (const json* added = section("added_tokens")) {
      if (!added->is_array()) root.fail("'added_tokens' must be a list");
      const std::size_t limit = m.id_to_token.size() + added->size();
      for (std::size_t i = 0; i < added->size(); ++i) {
        const Field fa = root.sub(at("added_tokens", i));
        AddedToken t = parse_added_token((*added)[i], false, fa);
        t.id = fa.get_id((*added)[i].at("id"), "id");
        m.add_token(std::move(t), limit);
      }
    }
    if (const json* t = section("truncation")) m.default_options.truncation = parse_truncation(*t, root.sub("truncation"));
    if (const json* p = section("padding")) {
      m.default_options.padding = parse_padding(*p, root.sub("padding"));
      const PaddingOptions& pad = *m.default_options.padding;
      if (pad.pad_token) m.pad_token = pad.pad_token;
      if (pad.pad_id) m.pad_token_id = static_cast<int32_t>(*pad.pad_id);
    }
    set_default_pad(m, {"[PAD]", "<pad>"});
  } catch (const json::exception& e) {
    root.fail(std::string("malformed tokenizer.json: ") + e.what());
  }
  return m;
}

}  // namespace bertc::tokenizer
