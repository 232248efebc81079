// The pre-tokenizers of `tokenizers` (see components.h for the interface): BertPreTokenizer,
// Whitespace, WhitespaceSplit, Punctuation, Digits, Split, Metaspace and Sequence
// (pre_tokenizers.cc), and ByteLevel (byte_level.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace bertc::tokenizer {

class PreTokenizer;

// What happens to the matches of a Split or Punctuation pattern (SplitDelimiterBehavior).
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

// Split on whitespace and make each punctuation character a word of its own.
std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer();
// The regex \w+|[^\w\s]+ (Unicode \w: letters, marks, decimal digits, connector punctuation).
std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer();
// Split on White_Space characters, which are dropped.
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer();
// Split around each punctuation character (ASCII punctuation or category P*).
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior);
// Split digits (0-9 and category Nd) from the rest: each on its own, or runs of them.
std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(bool individual_digits);
// Split on a literal string or an Oniguruma regex; `invert` splits on what does not match.
std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const std::string& pattern, bool regex,
                                                       SplitBehavior behavior, bool invert,
                                                       const std::string& where);
enum class PrependScheme { always, first, never };
// Spaces become `replacement`, which is put before the text per `prepend`; with `split`, each
// replacement starts a new piece.
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(std::string replacement,
                                                           PrependScheme prepend, bool split);
std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(
    std::vector<std::unique_ptr<PreTokenizer>> steps);

}  // namespace bertc::tokenizer
