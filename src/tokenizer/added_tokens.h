// Added tokens ("[CLS]", "<mask>", "<extra_id_0>", ...): split out of the text before the model
// sees it, leftmost-longest like `tokenizers`, honouring single_word / lstrip / rstrip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tokenizer/function_ref.h"
#include "tokenizer/model.h"

namespace bertc::tokenizer {

// Splits `s` on the tokens of `set`: on_text(piece) for the text between matches (a view into
// `s`), on_token(token, begin, end) for each match, with its byte range in `s` (the whitespace
// lstrip / rstrip took included).
void split_added(const AddedSet& set, std::string_view s, FunctionRef<void(std::string_view)> on_text,
                 FunctionRef<void(const AddedToken&, std::size_t, std::size_t)> on_token);

}  // namespace bertc::tokenizer
