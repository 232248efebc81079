// Byte-level BPE's pieces (GPT-2's, as RoBERTa and ModernBERT use them): the ByteLevel
// pre-tokenizer, its decoder and its offset trimming.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace bertc::tokenizer {

class PreTokenizer;
class Decoder;

// ByteLevel: with add_prefix_space, a space before a text that does not start with one; with
// use_regex, GPT-2's split ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+);
// then each byte becomes its printable stand-in character (space -> 'Ġ', newline -> 'Ċ', ...).
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);

// Calls on_piece(begin, end) for each match of GPT-2's pattern in valid UTF-8 `s`.
template <class F>
void gpt2_split(std::string_view s, F&& on_piece);

// ByteLevel decoder: stand-in characters back to bytes, invalid UTF-8 replaced by U+FFFD.
std::unique_ptr<Decoder> make_byte_level_decoder();

// The number of leading / trailing characters of a byte-level token that are a space ('Ġ') or
// White_Space: what trim_offsets removes from its offsets.
std::size_t leading_spaces(std::string_view token);
std::size_t trailing_spaces(std::string_view token);

}  // namespace bertc::tokenizer

#include "tokenizer/byte_level_split.h"
