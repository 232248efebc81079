// `bertc tokenize TOKENIZER --text "..." [--text-pair "..."] [--json] [--max-length N]`:
// prints the ids, tokens, token type ids, attention mask, byte offsets and word ids a model
// would get, and the text decoded back from the ids.
#include <utf8proc.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bertc/error.h"
#include "bertc/pipeline.h"
#include "bertc/tokenizer.h"
#include "commands.h"

namespace bertc::cli {

namespace {

struct TokenizeArgs {
  std::string tokenizer;
  std::string text;
  std::string text_pair;
  bool has_pair = false;
  bool json = false;
  std::size_t max_length = 0;  // 0: the tokenizer's own truncation
  bool no_padding = false;
  bool no_special = false;
};

// Terminal columns of a UTF-8 token (wide CJK characters take two).
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t i = 0;
  const auto len = static_cast<utf8proc_ssize_t>(s.size());
  while (i < len) {
    utf8proc_int32_t c;
    const utf8proc_ssize_t k = utf8proc_iterate(p + i, len - i, &c);
    if (k <= 0) break;
    n += static_cast<std::size_t>(std::max(0, utf8proc_charwidth(c)));
    i += k;
  }
  return n;
}

// A tokenizer file or folder, or the tokenizer embedded in a compiled bundle.
Tokenizer load_tokenizer(const std::string& path) {
  if (path.ends_with(".bertc") && std::filesystem::is_regular_file(path)) {
    return Pipeline::load(path).tokenizer();
  }
  return Tokenizer::from_file(path);
}

void run_tokenize(const TokenizeArgs& a) {
  Tokenizer tok = load_tokenizer(a.tokenizer);
  TokenizerOptions opts = tok.options();
  if (a.max_length > 0) {
    TruncationOptions t = opts.truncation.value_or(TruncationOptions{});
    t.max_length = a.max_length;
    opts.truncation = t;
    if (opts.padding && opts.padding->strategy == PaddingStrategy::fixed) {
      opts.padding->length = a.max_length;
    }
  }
  if (a.no_padding) opts.padding.reset();
  if (a.no_special) opts.add_special_tokens = false;
  opts.return_offsets = true;
  const Encoding e = tok.encode(
      a.text, a.has_pair ? std::optional<std::string_view>(a.text_pair) : std::nullopt, opts);

  std::vector<int64_t> real;  // the ids without padding, for decode
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e.attention_mask[i]) real.push_back(e.ids[i]);
  }
  const std::string decoded = tok.decode(real);
  if (a.json) {
    nlohmann::ordered_json words = nlohmann::ordered_json::array();
    for (int64_t w : e.word_ids) words.push_back(w < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(w));
    const nlohmann::ordered_json j = {{"ids", e.ids},
                                      {"tokens", e.tokens},
                                      {"type_ids", e.type_ids},
                                      {"attention_mask", e.attention_mask},
                                      {"offsets", e.offsets},
                                      {"word_ids", words},
                                      {"special_tokens_mask", e.special_tokens_mask},
                                      {"decoded", decoded}};
    std::printf("%s\n",
                j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    return;
  }
  std::size_t width = 5;
  for (const std::string& t : e.tokens) width = std::max(width, display_width(t));
  std::printf("%s: %zu tokens (vocabulary %zu)\n", a.tokenizer.c_str(), e.size(), tok.vocab_size());
  std::printf("%5s  %7s  %-*s  %4s  %4s  %11s  %4s\n", "#", "id", static_cast<int>(width), "token",
              "type", "mask", "bytes", "word");
  for (std::size_t i = 0; i < e.size(); ++i) {
    const std::string& t = e.tokens[i];
    const int pad = static_cast<int>(width - display_width(t));
    const std::string span = e.special_tokens_mask[i] ? "-" : std::to_string(e.offsets[i].first) + ".." +
                                                                  std::to_string(e.offsets[i].second);
    const std::string word = e.word_ids[i] < 0 ? "-" : std::to_string(e.word_ids[i]);
    std::printf("%5zu  %7lld  %s%*s  %4lld  %4lld  %11s  %4s\n", i, static_cast<long long>(e.ids[i]),
                t.c_str(), pad, "", static_cast<long long>(e.type_ids[i]),
                static_cast<long long>(e.attention_mask[i]), span.c_str(), word.c_str());
  }
  std::printf("decoded: %s\n", decoded.c_str());
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Tokenize text with a model's tokenizer (tokenizer.json, vocab.txt, vocab.json + merges.txt, "
      "a model folder or a bundle compiled from one) and print ids, tokens, token type ids, "
      "attention mask, byte offsets, word ids and the decoded text");
  cmd->add_option("tokenizer", args->tokenizer,
                  "tokenizer.json, vocab.txt, vocab.json, a model folder or a .bertc bundle")
      ->required();
  cmd->add_option("--text", args->text, "the text to tokenize (UTF-8)")->required();
  CLI::Option* pair = cmd->add_option("--text-pair", args->text_pair,
                                      "a second text (e.g. [CLS] text [SEP] pair [SEP])");
  cmd->add_flag("--json", args->json, "print one JSON object instead of a table");
  cmd->add_option("--max-length", args->max_length,
                  "truncate to N tokens, special tokens included (longest first); a fixed "
                  "padding length becomes N too")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-padding", args->no_padding, "ignore the tokenizer's padding settings");
  cmd->add_flag("--no-special-tokens", args->no_special, "do not add the template's special tokens");
  cmd->callback([args, pair] {
    args->has_pair = pair->count() > 0;
    run_tokenize(*args);
  });
}

}  // namespace bertc::cli
