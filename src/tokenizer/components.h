// The components of a tokenizer, as Hugging Face's `tokenizers` composes them from a
// tokenizer.json: normalizer -> pre-tokenizer -> model -> post-processor, and a decoder for the
// way back. Each kind has its own file; loader.cc builds them from JSON.
//
// Offsets: while a sequence is encoded with offsets, every byte of text in flight carries the
// byte range of the original text it came from (a SourceSpan), as `tokenizers`' alignments do:
// a character a normalizer or pre-tokenizer turns into several keeps the whole source character
// on each of them. Without offsets the spans are not computed (null pointers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/function_ref.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/vocab_map.h"
#include "tokenizer/word_cache.h"

namespace bertc::tokenizer {

// ---- normalizers (normalizer_*.cc, precompiled_charsmap.cc) ----

// Scratch a normalizer may reuse between calls.
struct NormalizeScratch {
  std::vector<char32_t> chars;
  Alignment align;  // the spans of the characters in `chars`, reordered with them
};

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Appends the normalized form of valid UTF-8 `in` to `out`; with `spans`, appends one span per
  // byte appended, in `in`'s byte coordinates.
  virtual void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                         NormalizeScratch& scratch) const = 0;
};

// ---- pre-tokenizers (pre_tokenizers.cc, byte_level.cc) ----

// A piece of text in flight: its bytes, each byte's source span (null without offsets) and
// whether it starts at the beginning of the original text (Metaspace's prepend_scheme "first").
struct Piece {
  std::string_view text;
  const SourceSpan* spans = nullptr;
  bool at_start = false;

  // Bytes [begin, end); it starts the original text when its first byte comes from byte 0.
  Piece sub(std::size_t begin, std::size_t end) const {
    return {text.substr(begin, end - begin), spans ? spans + begin : nullptr,
            at_start && (spans ? spans[begin].begin == 0 : begin == 0)};
  }
};

// Buffers for the pieces a pre-tokenizer rewrites (one per nesting depth of a Sequence). A deque:
// adding a deeper buffer must not move the shallower ones, whose pieces are still in use.
struct PreTokenizeScratch {
  // A stretch [begin, end) of a piece, a match of the split pattern or not.
  struct Part {
    std::size_t begin, end;
    bool match;
  };
  struct Buffer {
    std::string text;
    std::vector<SourceSpan> spans;
    std::vector<std::pair<std::size_t, std::size_t>> ranges;  // a split's matches
    std::vector<Part> parts, kept;                             // a split's stretches
  };
  std::deque<Buffer> buffers;
  Buffer& at(std::size_t depth) {
    if (buffers.size() <= depth) buffers.resize(depth + 1);
    return buffers[depth];
  }
};

using EmitPiece = FunctionRef<void(const Piece&)>;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits (and may rewrite) `in`, calling emit for each non-empty piece in order. A rewritten
  // piece lives in scratch.at(depth) until emit returns.
  virtual void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
                     EmitPiece emit) const = 0;
  // How many buffers from `depth` on split() uses.
  virtual std::size_t buffers() const { return 1; }
};

// ---- models (wordpiece.cc, bpe.cc, unigram.cc) ----

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of one pre-tokenized word (valid UTF-8, not empty) to `ids`; with `spans`,
  // also each id's byte range in `word`. Models whose words are worth caching (BPE, Unigram)
  // answer repeated words from a WordCache.
  void tokenize(std::string_view word, std::vector<int32_t>& ids,
                std::vector<SourceSpan>* spans) const;

  // The prefix that marks a piece continuing a word ("##" for WordPiece), or "".
  virtual std::string_view continuing_subword_prefix() const { return {}; }

  VocabMap vocab;                        // token -> id
  std::vector<std::string> id_to_token;  // id -> token (the model's own vocabulary)
  int32_t unk_id = -1;                   // -1: none

 protected:
  explicit Model(bool cached) : cache_(cached ? std::make_unique<WordCache>() : nullptr) {}
  // tokenize() without the cache.
  virtual void tokenize_word(std::string_view word, std::vector<int32_t>& ids,
                             std::vector<SourceSpan>* spans) const = 0;

 private:
  std::unique_ptr<WordCache> cache_;
};

// ---- decoders (decoders.cc, byte_level.cc) ----

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Rewrites the tokens in place, as `tokenizers`' decode_chain; decode() joins the result.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

}  // namespace bertc::tokenizer
