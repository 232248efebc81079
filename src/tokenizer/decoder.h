// The decoders of `tokenizers` (see components.h for the interface): WordPiece, Metaspace,
// ByteFallback, Fuse, Strip, Replace, BPEDecoder and Sequence (decoders.cc), ByteLevel
// (byte_level.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/pre_tokenizer.h"

namespace bertc::tokenizer {

class Decoder;

// Joins pieces that start with `prefix` to the previous token, puts a space before the others;
// with `cleanup`, transformers' clean-up of spaces before punctuation and contractions.
std::unique_ptr<Decoder> make_wordpiece_decoder(std::string prefix, bool cleanup);
// `replacement` becomes a space, except in the first token unless the scheme is `never`.
std::unique_ptr<Decoder> make_metaspace_decoder(std::string replacement, PrependScheme prepend);
// Runs of <0xXX> tokens become the text of their bytes (U+FFFD per byte if not valid UTF-8).
std::unique_ptr<Decoder> make_byte_fallback_decoder();
// All tokens become one.
std::unique_ptr<Decoder> make_fuse_decoder();
// Removes up to `start` leading and `stop` trailing copies of `content` from each token.
std::unique_ptr<Decoder> make_strip_decoder(std::string content, std::size_t start, std::size_t stop);
// Replaces `pattern` (literal or Oniguruma regex) by `content` in each token.
std::unique_ptr<Decoder> make_replace_decoder(const std::string& pattern, bool regex,
                                              std::string content, const std::string& where);
// `suffix` (e.g. "</w>") ends a word: it becomes a space, except in the last token.
std::unique_ptr<Decoder> make_bpe_decoder(std::string suffix);
std::unique_ptr<Decoder> make_sequence_decoder(std::vector<std::unique_ptr<Decoder>> steps);

}  // namespace bertc::tokenizer
