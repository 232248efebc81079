#include "tokenizer/regex.h"

#include <oniguruma.h>

#include <mutex>

#include "bertc/error.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

Regex::Regex(const std::string& pattern, const std::string& where) {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
  OnigRegex re = nullptr;
  OnigErrorInfo info;
  const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
  const int rc = onig_new(&re, p, p + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8,
                          ONIG_SYNTAX_RUBY, &info);
  if (rc != ONIG_NORMAL) {
    OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(msg, rc, &info);
    throw Error(where + ": bad regex '" + pattern + "': " + reinterpret_cast<char*>(msg));
  }
  regex_ = re;
}

Regex::~Regex() { onig_free(static_cast<OnigRegex>(regex_)); }

void Regex::find_all(std::string_view text,
                     FunctionRef<void(std::size_t, std::size_t)> on_match) const {
  OnigRegion* region = onig_region_new();
  const auto* s = reinterpret_cast<const OnigUChar*>(text.data());
  const OnigUChar* end = s + text.size();
  std::size_t from = 0;
  while (from <= text.size()) {
    const int r = onig_search(static_cast<OnigRegex>(regex_), s, end, s + from, end, region,
                              ONIG_OPTION_NONE);
    if (r < 0) break;
    const auto b = static_cast<std::size_t>(region->beg[0]);
    const auto e = static_cast<std::size_t>(region->end[0]);
    if (e > b) {
      on_match(b, e);
      from = e;
    } else {  // an empty match: step over one character
      if (b >= text.size()) break;
      std::size_t len;
      decode_utf8(s + b, len);
      from = b + len;
    }
  }
  onig_region_free(region, 1);
}

}  // namespace bertc::tokenizer
