// bertc::Tokenizer — gives the same ids, type ids, offsets and decoded text as Hugging Face's
// `tokenizers` library (what transformers' fast tokenizers run), for the tokenizers BERT-family
// models ship: WordPiece (BERT, DistilBERT, MiniLM, MPNet, ELECTRA), byte-level BPE (RoBERTa,
// ModernBERT, GPT-2 style) and Unigram / SentencePiece (XLM-R, T5, ALBERT, DeBERTa-v3).
//
// Contract
// --------
// * Loading. `from_file` takes a `tokenizer.json` (the `tokenizers` format: its normalizer,
//   pre-tokenizer, model, post-processor and decoder sections become the same pipeline of
//   components), a `vocab.txt` (WordPiece, BertTokenizerFast's conversion; a
//   `tokenizer_config.json` beside it is read when present: do_lower_case, strip_accents,
//   tokenize_chinese_chars, model_max_length, the special tokens and added_tokens_decoder), a
//   `vocab.json` / `merges.txt` (byte-level BPE, RobertaTokenizerFast's conversion, with
//   tokenizer_config.json's add_prefix_space and special tokens) or a model folder (`from_folder`:
//   tokenizer.json, else vocab.txt, else vocab.json + merges.txt). Anything it cannot run exactly
//   — an unknown component type, merges naming tokens missing from the vocabulary, a model
//   without the unknown token it needs, a truncated SentencePiece charsmap, malformed JSON, a
//   missing file, a raw SentencePiece .model — throws bertc::Error naming the file and the field.
// * Text. Input is UTF-8; invalid UTF-8 (bad lead or continuation byte, overlong form, surrogate,
//   code point above U+10FFFF, truncated sequence) throws bertc::Error naming the byte offset.
// * Pipeline, per sequence, exactly as `tokenizers` does it:
//   1. added tokens ("[CLS]", "<mask>", "<extra_id_0>", ...) are split out of the raw text first
//      (leftmost-longest; honouring single_word / lstrip / rstrip; "normalized" added tokens are
//      matched after normalization) and map straight to their ids;
//   2. the normalizer: BertNormalizer, NFC / NFD / NFKC / NFKD, Lowercase, Strip, StripAccents,
//      Nmt, Replace (literal or Oniguruma regex), Prepend, SentencePiece's Precompiled charsmap,
//      or a Sequence of them;
//   3. the pre-tokenizer: BertPreTokenizer, ByteLevel (GPT-2's split and byte stand-ins),
//      Metaspace (prepend_scheme always / first / never), Whitespace, WhitespaceSplit,
//      Punctuation, Digits, Split, or a Sequence of them;
//   4. the model: WordPiece (greedy longest match), BPE (merges by rank; byte_fallback,
//      fuse_unk, ignore_merges) or Unigram (Viterbi over the pieces' log-probabilities,
//      byte_fallback);
//   5. post-processing: truncation (if enabled), then the template (TemplateProcessing,
//      BertProcessing, RobertaProcessing), then padding (if enabled); byte-level trim_offsets.
// * Truncation follows `tokenizers` exactly. max_length counts the special tokens; longest_first
//   on a pair keeps both whole when they fit, otherwise cuts only the longer one down to
//   max(shorter, room - shorter), and when both must be cut keeps floor(room / 2) of the shorter
//   and ceil(room / 2) of the longer (for equal lengths: floor for the first, ceil for the second),
//   where room = max_length - special tokens. only_first / only_second cut that sequence and throw
//   bertc::Error when it is too short. Overflowing tokens (stride) are not returned.
// * Padding appends (or, with direction left, prepends) pad tokens: id pad_id, token pad_token,
//   type id pad_type_id, attention mask 0. `longest` pads a batch to its longest encoding (a single
//   encode() to its own length), `fixed` pads to `length` (never truncates); either is then
//   rounded up to pad_to_multiple_of when that is set.
// * A tokenizer loaded from tokenizer.json starts with that file's truncation and padding
//   sections (bert-base-uncased's file sets longest_first at 128 and fixed padding to 128); one
//   loaded from other files starts with neither. Both can be changed with set_options().
// * decode(ids) is `tokenizers`' decode: each id's token (added tokens by their content, special
//   ones dropped with skip_special_tokens), then the decoder (WordPiece, ByteLevel, Metaspace,
//   ByteFallback, Fuse, Strip, Replace, BPEDecoder or a Sequence), or the tokens joined with
//   spaces when there is none. An id outside the vocabulary throws (`tokenizers` drops it).
// * Where Hugging Face's own implementations disagree, bertc follows `tokenizers` (Rust): no
//   final-sigma rule (the Python BertTokenizer and transformers.js apply it), its pair truncation
//   rule above (the Python BertTokenizer removes one token at a time, ties from the second), an
//   empty text pair is a pair ([CLS] A [SEP] [SEP]; transformers.js drops it), astral CJK
//   ideographs are padded (transformers.js misses them) and unassigned code points (Cn) are not
//   controls (the Python BertTokenizer drops them). The one exception: CJK Extension E starts at
//   U+2B820 as in BertTokenizer's _is_chinese_char (the Rust table has a typo, U+2B920). Unicode
//   data is utf8proc's (15.0).
// * A Tokenizer is immutable after set-up: const member functions may be called from many threads
//   at once (BPE and Unigram share a mutex-guarded word cache). encode_batch runs on the calling
//   thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bertc {

// One encoded input: the model's input_ids, token_type_ids and attention_mask, plus the token
// strings (for display; with TokenizerOptions::return_tokens) and where each token came from
// (with return_offsets). Every vector that is filled has one entry per id.
struct Encoding {
  std::vector<int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<int64_t> type_ids;
  std::vector<int64_t> attention_mask;
  // Each token's byte range [begin, end) in its own text (a pair's second sequence: in the pair
  // text), as Hugging Face's `tokenizers` reports it: a word piece spans the original characters
  // its normalized bytes came from (an accent stripped or a letter lower-cased keeps its whole
  // character); (0, 0) for the tokens the template or padding adds.
  std::vector<std::pair<std::size_t, std::size_t>> offsets;
  // 1 for the tokens the template or padding adds, 0 for the text's own (an added token such as
  // "[MASK]" written in the text is 0, as in `tokenizers`).
  std::vector<uint8_t> special_tokens_mask;
  // Each token's word: the index of the pre-tokenized piece (or added token) of its own sequence
  // it came from, as `tokenizers`' word_ids; -1 for the tokens the template or padding adds.
  std::vector<int64_t> word_ids;
  // Each token's sequence: 0 (the text) or 1 (the pair); -1 for the template's and padding.
  std::vector<int64_t> sequence_ids;
  std::size_t size() const { return ids.size(); }
};

enum class TruncationStrategy { longest_first, only_first, only_second };
enum class Direction { right, left };
enum class PaddingStrategy { longest, fixed };

struct TruncationOptions {
  std::size_t max_length = 512;  // total length, special tokens included
  TruncationStrategy strategy = TruncationStrategy::longest_first;
  Direction direction = Direction::right;  // right: keep the beginning of each sequence
};

struct PaddingOptions {
  PaddingStrategy strategy = PaddingStrategy::longest;
  std::size_t length = 0;              // the target length of `fixed`
  std::size_t pad_to_multiple_of = 0;  // 0: off
  Direction direction = Direction::right;
  std::optional<int64_t> pad_id;  // unset: the tokenizer's pad token id (see pad_id())
  int64_t pad_type_id = 0;
  std::optional<std::string> pad_token;  // unset: the tokenizer's pad token
};

struct TokenizerOptions {
  std::optional<TruncationOptions> truncation;  // unset: never truncate
  std::optional<PaddingOptions> padding;        // unset: never pad
  bool add_special_tokens = true;               // false: no [CLS] / [SEP] (type ids stay 0 / 1)
  bool return_tokens = true;  // false: Encoding::tokens stays empty (ids only: no strings built)
  bool return_offsets = false;  // true: fill offsets, special_tokens_mask, word_ids, sequence_ids
};

// One input of a batch: a text, or a pair of texts.
struct EncodeInput {
  std::string_view text;
  std::optional<std::string_view> pair;

  EncodeInput(std::string_view t) : text(t) {}    // NOLINT: implicit on purpose
  EncodeInput(const std::string& t) : text(t) {}  // NOLINT: implicit on purpose
  EncodeInput(const char* t) : text(t) {}         // NOLINT: implicit on purpose
  EncodeInput(std::string_view t, std::optional<std::string_view> p) : text(t), pair(p) {}
};

class Tokenizer {
 public:
  // A tokenizer.json, a vocab.txt (or any other vocabulary text file), a vocab.json or
  // merges.txt (with the other beside it) or a model folder.
  static Tokenizer from_file(const std::filesystem::path& path);
  // A model folder: tokenizer.json if present, else vocab.txt, else vocab.json + merges.txt
  // (each with tokenizer_config.json when present).
  static Tokenizer from_folder(const std::filesystem::path& dir);
  // A tokenizer.json document already in memory; `name` is used in error messages.
  static Tokenizer from_json_string(std::string_view json,
                                    std::string_view name = "tokenizer.json");
  // A model folder's tokenizer files held in memory, by file name (as from_folder reads them):
  // "tokenizer.json", else "vocab.txt", else "vocab.json" + "merges.txt", with
  // "tokenizer_config.json" when present. Other entries are ignored. `source` (e.g. the bundle they were embedded in) prefixes error messages.
  static Tokenizer from_files(const std::map<std::string, std::string>& files,
                              std::string_view source);

  Tokenizer(const Tokenizer&);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(const Tokenizer&);
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Encodes one text or one pair with options(), or with the given options.
  Encoding encode(std::string_view text, std::optional<std::string_view> pair = {}) const;
  Encoding encode(std::string_view text, std::optional<std::string_view> pair,
                  const TokenizerOptions& options) const;

  // Encodes many inputs; padding `longest` pads them all to the longest one.
  std::vector<Encoding> encode_batch(std::span<const EncodeInput> inputs) const;
  std::vector<Encoding> encode_batch(std::span<const EncodeInput> inputs,
                                     const TokenizerOptions& options) const;
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts) const;

  // The tokens of one text without special tokens, truncation or padding.
  std::vector<std::string> tokenize(std::string_view text) const;

  // The text of `ids`, as `tokenizers`' decode (see the contract above).
  std::string decode(std::span<const int64_t> ids, bool skip_special_tokens = false) const;
  // The text of token strings through the decoder (transformers' convert_tokens_to_string).
  std::string tokens_to_string(std::vector<std::string> tokens) const;
  // The model's marker of a piece that continues a word ("##" for WordPiece), or "".
  std::string_view continuing_subword_prefix() const;

  const TokenizerOptions& options() const { return options_; }
  void set_options(TokenizerOptions options);
  void set_truncation(std::optional<TruncationOptions> truncation);
  void set_padding(std::optional<PaddingOptions> padding);

  // The number of ids: the model vocabulary plus added tokens beyond it.
  std::size_t vocab_size() const;
  // The token of an id; throws bertc::Error for an id outside the vocabulary.
  std::string_view id_to_token(int64_t id) const;
  // The id of a token (model vocabulary or added token), if it has one.
  std::optional<int64_t> token_to_id(std::string_view token) const;

  // The padding id: the padding options' pad_id if set, else the pad token's id ("[PAD]" or the
  // configured pad_token); throws bertc::Error if the tokenizer has none.
  int64_t pad_id() const;
  int64_t unk_id() const;
  std::string_view unk_token() const;
  // model_max_length from tokenizer_config.json, when given (informational: use truncation).
  std::optional<std::size_t> model_max_length() const;
  // The number of special tokens the template adds to a single text (pair = false) or a pair.
  std::size_t num_special_tokens(bool pair) const;

 private:
  struct Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl);
  // The tokenizer files of a folder by name (see from_files); `dir` prefixes their names.
  static Tokenizer from_named_files(const std::map<std::string, std::string>& files,
                                    const std::string& dir);

  std::shared_ptr<const Impl> model_;
  TokenizerOptions options_;
};

}  // namespace bertc
