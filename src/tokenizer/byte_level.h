// Byte-level BPE's pieces (GPT-2's, as RoBERTa and ModernBERT use them): the ByteLevel
// pre-tokenizer and its decoder (the offset trimming is post-processing: encode.cc).
#pragma once

#include <memory>

namespace bertc::tokenizer {

class PreTokenizer;
class Decoder;

// ByteLevel: with add_prefix_space, a space before a text that does not start with one; with
// use_regex, GPT-2's split ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+);
// then each byte becomes its printable stand-in character (space -> 'Ġ', newline -> 'Ċ', ...).
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);

// ByteLevel decoder: stand-in characters back to bytes, invalid UTF-8 replaced by U+FFFD.
std::unique_ptr<Decoder> make_byte_level_decoder();

}  // namespace bertc::tokenizer
