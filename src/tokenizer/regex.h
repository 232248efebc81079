// Regex: an Oniguruma pattern (the regex engine `tokenizers` itself uses), for the Replace
// normalizer and the Split pre-tokenizer. Immutable after construction; find_all may run on many
// threads at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tokenizer/function_ref.h"

namespace bertc::tokenizer {

class Regex {
 public:
  // Throws bertc::Error naming `where` when the pattern does not compile.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls on_match(begin, end) for each non-overlapping, non-empty match in valid UTF-8 `text`,
  // left to right (an empty match steps over one character).
  void find_all(std::string_view text, FunctionRef<void(std::size_t, std::size_t)> on_match) const;

 private:
  void* regex_ = nullptr;  // OnigRegex
};

}  // namespace bertc::tokenizer
