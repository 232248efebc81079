// The internals of bertc::Tokenizer: the immutable model (vocabulary, WordPiece parameters,
// normalizer, added tokens, template) and the encoding pipeline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bertc/tokenizer.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/vocab_map.h"

namespace bertc::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;  // matched in the normalized text rather than in the raw text
  bool special = true;
  std::string match;  // what is searched for: content, or its normalized form
};

// A set of added tokens with the first bytes they can start with (to skip text quickly).
struct AddedSet {
  std::vector<AddedToken> tokens;
  bool first_byte[256] = {};

  void add(AddedToken t) {
    if (!t.match.empty()) first_byte[static_cast<unsigned char>(t.match[0])] = true;
    tokens.push_back(std::move(t));
  }
  bool empty() const { return tokens.empty(); }
};

// One item of a post-processing template: a sequence (A or B) or special tokens.
struct TemplatePiece {
  int sequence = -1;  // 0 = A, 1 = B, -1 = special tokens
  std::vector<int32_t> ids;
  int64_t type_id = 0;
};

enum class PreTokenizerKind { bert, none };

struct ModelData {
  std::string source;  // the file it came from, for messages

  NormalizerConfig normalizer;
  PreTokenizerKind pre_tokenizer = PreTokenizerKind::bert;

  // WordPiece.
  VocabMap vocab;         // the model vocabulary
  VocabMap continuation;  // tokens that start with `prefix`, keyed without it
  std::string prefix = "##";
  std::size_t max_input_chars_per_word = 100;
  int32_t unk_id = -1;
  std::string unk_token = "[UNK]";

  // Every id's token (model vocabulary and added tokens).
  std::vector<std::string> id_to_token;

  // Added tokens: raw ones are split out of the text before normalization, normalized ones after.
  AddedSet raw_added;
  AddedSet normalized_added;
  VocabMap added_map;  // content -> id, for token_to_id

  // Post-processing.
  bool has_template = false;
  std::vector<TemplatePiece> single_template;
  std::vector<TemplatePiece> pair_template;
  bool has_pair_template = false;
  int64_t type_id_a = 0;
  int64_t type_id_b = 1;

  std::optional<std::string> pad_token;
  std::optional<int32_t> pad_token_id;
  std::optional<std::size_t> model_max_length;
  TokenizerOptions default_options;

  // Fills `continuation` from `vocab` / id_to_token; call after the vocabulary is complete.
  void build_continuation();
  // Checks the unknown token, sets unk_id; call after the vocabulary is complete.
  void resolve_unk();
  std::size_t num_special(bool pair) const;
  std::optional<int32_t> find_token(std::string_view token) const {
    const int32_t a = added_map.find(token);
    if (a >= 0) return a;
    const int32_t v = vocab.find(token);
    if (v >= 0) return v;
    return std::nullopt;
  }
};

// Reusable buffers of one encode call.
struct Scratch {
  std::string norm;
  std::vector<char32_t> pending;
  Alignment align;                // normalized bytes -> text (offsets only)
  std::vector<SourceSpan> spans;  // each id's normalized bytes (offsets only)
  std::vector<int32_t> ids_a;
  std::vector<int32_t> ids_b;
  std::vector<std::pair<std::size_t, std::size_t>> offsets_a;
  std::vector<std::pair<std::size_t, std::size_t>> offsets_b;
};

// Runs added-token splitting, normalization, pre-tokenization and WordPiece on one sequence of
// valid UTF-8 (the caller checks it) and appends its ids; with `offsets`, also each id's byte
// range [begin, end) in `text`, as `tokenizers` reports it.
void encode_sequence(const ModelData& m, std::string_view text, Scratch& scratch,
                     std::vector<int32_t>& ids,
                     std::vector<std::pair<std::size_t, std::size_t>>* offsets = nullptr);

// Loaders; `name` is used in error messages.
ModelData load_tokenizer_json(std::string_view json, const std::string& name);
ModelData load_vocab_txt(const std::string& vocab_text, const std::string& name,
                         const std::optional<std::string>& config_json,
                         const std::string& config_name);
// Reads model_max_length (and nothing else) from a tokenizer_config.json.
void apply_config_max_length(ModelData& m, const std::string& config_json,
                             const std::string& config_name);

}  // namespace bertc::tokenizer
