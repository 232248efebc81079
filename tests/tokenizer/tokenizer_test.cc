// Unit tests of bertc::Tokenizer on small hand-made vocabularies: WordPiece, normalization,
// added tokens, truncation, padding, loading and every error path.
#include "bertc/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "../common/error_of.h"
#include "bertc/error.h"

namespace {

namespace fs = std::filesystem;
using bertc::testing::error_of;
using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::string_literals;

// A fresh folder under the system temp folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "bertc_tok_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  fs::path path_;
};

const std::vector<std::string> kVocab = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "un", "##aff", "##able", "hello",
    "world", ",",     "!",     ".",     "a",      "b",   "c",  "d",     "e",      "##a",
    "##b",   "##c",   "ca",    "##fe",  "cafe",   "é",   "x",  "中",    "文",     "##s",
};

std::string vocab_text(const std::vector<std::string>& v = kVocab) {
  std::string s;
  for (const std::string& t : v) s += t + "\n";
  return s;
}

json tokenizer_json(const std::vector<std::string>& v = kVocab) {
  json vocab = json::object();
  for (std::size_t i = 0; i < v.size(); ++i) vocab[v[i]] = i;
  json added = json::array();
  for (int id : {0, 1, 2, 3, 4}) {
    added.push_back({{"id", id},
                     {"content", v[id]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  return {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer",
       {{"type", "BertNormalizer"},
        {"clean_text", true},
        {"handle_chinese_chars", true},
        {"strip_accents", nullptr},
        {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", json::parse(R"([{"SpecialToken":{"id":"[CLS]","type_id":0}},
                                   {"Sequence":{"id":"A","type_id":0}},
                                   {"SpecialToken":{"id":"[SEP]","type_id":0}}])")},
        {"pair", json::parse(R"([{"SpecialToken":{"id":"[CLS]","type_id":0}},
                                 {"Sequence":{"id":"A","type_id":0}},
                                 {"SpecialToken":{"id":"[SEP]","type_id":0}},
                                 {"Sequence":{"id":"B","type_id":1}},
                                 {"SpecialToken":{"id":"[SEP]","type_id":1}}])")},
        {"special_tokens",
         {{"[CLS]", {{"id", "[CLS]"}, {"ids", {2}}, {"tokens", {"[CLS]"}}}},
          {"[SEP]", {{"id", "[SEP]"}, {"ids", {3}}, {"tokens", {"[SEP]"}}}}}}}},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", "[UNK]"},
        {"continuing_subword_prefix", "##"},
        {"max_input_chars_per_word", 100},
        {"vocab", vocab}}},
  };
}

bertc::Tokenizer from_json(const json& j) { return bertc::Tokenizer::from_json_string(j.dump()); }

// ---- WordPiece and normalization ----

TEST(Tokenizer, WordPieceGreedyLongestMatch) {
  const auto tok = from_json(tokenizer_json());
  EXPECT_THAT(tok.tokenize("unaffable"), ElementsAre("un", "##aff", "##able"));
  EXPECT_THAT(tok.tokenize("cafe cafes"), ElementsAre("cafe", "cafe", "##s"));
  EXPECT_THAT(tok.tokenize("abc"), ElementsAre("a", "##b", "##c"));
  // One unmatched piece makes the whole word unknown.
  EXPECT_THAT(tok.tokenize("abz hello"), ElementsAre("[UNK]", "hello"));
}

TEST(Tokenizer, EncodeAddsSpecialTokens) {
  const auto tok = from_json(tokenizer_json());
  const bertc::Encoding e = tok.encode("Hello, World!");
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "hello", ",", "world", "!", "[SEP]"));
  EXPECT_THAT(e.ids, ElementsAre(2, 9, 11, 10, 12, 3));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 0, 0, 0, 0, 0));
  EXPECT_THAT(e.attention_mask, ElementsAre(1, 1, 1, 1, 1, 1));
  const bertc::Encoding p = tok.encode("hello", "world");
  EXPECT_THAT(p.tokens, ElementsAre("[CLS]", "hello", "[SEP]", "world", "[SEP]"));
  EXPECT_THAT(p.type_ids, ElementsAre(0, 0, 0, 1, 1));
}

TEST(Tokenizer, EmptyAndWhitespaceOnlyText) {
  const auto tok = from_json(tokenizer_json());
  EXPECT_THAT(tok.encode("").tokens, ElementsAre("[CLS]", "[SEP]"));
  EXPECT_THAT(tok.encode(" \t\n\u00a0\u3000").tokens, ElementsAre("[CLS]", "[SEP]"));
  EXPECT_THAT(tok.encode("", "").tokens, ElementsAre("[CLS]", "[SEP]", "[SEP]"));
  EXPECT_THAT(tok.encode("", "").type_ids, ElementsAre(0, 0, 1));
}

TEST(Tokenizer, NormalizationLowercaseAccentsCjkControls) {
  const auto tok = from_json(tokenizer_json());
  EXPECT_THAT(tok.tokenize("CAFÉ Café cafe\u0301"), ElementsAre("cafe", "cafe", "cafe"));
  EXPECT_THAT(tok.tokenize("x中文x"), ElementsAre("x", "中", "文", "x"));
  // NUL, U+FFFD, controls and format characters vanish; whitespace separates.
  EXPECT_THAT(tok.tokenize("ca\u200bfe\x01 he\xef\xbf\xbdllo\x00\x7f"s),
              ElementsAre("cafe", "hello"));
}

TEST(Tokenizer, PunctuationButNotSymbols) {
  const auto tok = from_json(tokenizer_json());
  // '!' and ',' are punctuation (split); '€' (Sc) is not, so "a€b" stays one unknown word.
  EXPECT_THAT(tok.tokenize("a!b,c a\u20acb"), ElementsAre("a", "!", "b", ",", "c", "[UNK]"));
  // ASCII symbols such as '$' count as punctuation: split, then unknown on their own.
  EXPECT_THAT(tok.tokenize("a$b"), ElementsAre("a", "[UNK]", "b"));
}

TEST(Tokenizer, KeepsAccentsAndCaseWhenAsked) {
  json j = tokenizer_json();
  j["normalizer"]["lowercase"] = false;
  j["normalizer"]["strip_accents"] = nullptr;  // follows lowercase: off
  auto tok = from_json(j);
  EXPECT_THAT(tok.tokenize("é Hello hello"), ElementsAre("é", "[UNK]", "hello"));
  j["normalizer"]["lowercase"] = true;
  j["normalizer"]["strip_accents"] = false;
  tok = from_json(j);
  EXPECT_THAT(tok.tokenize("É"), ElementsAre("é"));
  j["normalizer"]["strip_accents"] = true;
  tok = from_json(j);
  EXPECT_THAT(tok.tokenize("É"), ElementsAre("e"));
}

TEST(Tokenizer, LongWordsBecomeUnknown) {
  json j = tokenizer_json();
  j["model"]["max_input_chars_per_word"] = 4;
  const auto tok = from_json(j);
  EXPECT_THAT(tok.tokenize("abca abcab"), ElementsAre("a", "##b", "##c", "##a", "[UNK]"));
  // Characters are counted after normalization, in code points.
  EXPECT_THAT(tok.tokenize("a\u0301b\u0301c\u0301a\u0301 \u00e9\u00e9\u00e9\u00e9\u00e9"),
              ElementsAre("a", "##b", "##c", "##a", "[UNK]"));
}

TEST(Tokenizer, AddedTokensAreMatchedInRawText) {
  const auto tok = from_json(tokenizer_json());
  EXPECT_THAT(tok.tokenize("hello[MASK]world [mask]"),
              ElementsAre("hello", "[MASK]", "world", "[UNK]", "[UNK]", "[UNK]"));
}

TEST(Tokenizer, AddedTokenFlags) {
  json j = tokenizer_json({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "<x>", "hi"});
  // "<x>" is in the vocabulary (id 7); "HI" is new (id 9) and is matched after normalization.
  j["added_tokens"].push_back({{"id", 7},
                               {"content", "<x>"},
                               {"lstrip", true},
                               {"rstrip", true},
                               {"single_word", false},
                               {"normalized", false},
                               {"special", false}});
  j["added_tokens"].push_back({{"id", 9},
                               {"content", "HI"},
                               {"lstrip", false},
                               {"rstrip", false},
                               {"single_word", true},
                               {"normalized", true},
                               {"special", false}});
  const auto tok = from_json(j);
  EXPECT_THAT(tok.tokenize("a  <x>  b"), ElementsAre("a", "<x>", "b"));
  // A normalized added token is matched after lower-casing; single_word refuses "ahi".
  EXPECT_THAT(tok.tokenize("Hi a hi ahi"), ElementsAre("HI", "a", "HI", "[UNK]"));
  EXPECT_EQ(tok.token_to_id("HI"), 9);
  EXPECT_EQ(tok.vocab_size(), 10u);
}

// ---- truncation ----

bertc::Tokenizer letters_tokenizer() {
  std::vector<std::string> v = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (char c = 'a'; c <= 'z'; ++c) v.emplace_back(1, c);
  return from_json(tokenizer_json(v));
}

std::string words(std::size_t n, char first) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += std::string(1, static_cast<char>(first + i)) + " ";
  return s;
}

// The table of `tokenizers`' own truncation test (max_length 7, no special tokens).
TEST(Tokenizer, TruncationLongestFirstMatchesTokenizers) {
  const auto tok = letters_tokenizer();
  bertc::TokenizerOptions o;
  o.add_special_tokens = false;
  o.truncation = bertc::TruncationOptions{7};
  struct Row {
    std::size_t a, b, want_a, want_b;
  };
  const Row rows[] = {{0, 0, 0, 0}, {0, 2, 0, 2}, {0, 4, 0, 4}, {0, 8, 0, 7},
                      {2, 0, 2, 0}, {2, 2, 2, 2}, {2, 4, 2, 4}, {2, 8, 2, 5},
                      {4, 0, 4, 0}, {4, 2, 4, 2}, {4, 4, 3, 4}, {4, 8, 3, 4},
                      {8, 0, 7, 0}, {8, 2, 5, 2}, {8, 4, 4, 3}, {8, 8, 3, 4}};
  for (const Row& r : rows) {
    const bertc::Encoding e = tok.encode(words(r.a, 'a'), words(r.b, 'm'), o);
    std::size_t got_a = 0;
    for (int64_t t : e.type_ids) got_a += t == 0;
    EXPECT_EQ(got_a, r.want_a) << r.a << "+" << r.b;
    EXPECT_EQ(e.size() - got_a, r.want_b) << r.a << "+" << r.b;
  }
}

TEST(Tokenizer, TruncationCountsSpecialTokensAndDirections) {
  auto tok = letters_tokenizer();
  bertc::TruncationOptions t;
  t.max_length = 5;
  tok.set_truncation(t);
  EXPECT_THAT(tok.encode("a b c d e f").tokens, ElementsAre("[CLS]", "a", "b", "c", "[SEP]"));
  t.direction = bertc::Direction::left;
  tok.set_truncation(t);
  EXPECT_THAT(tok.encode("a b c d e f").tokens, ElementsAre("[CLS]", "d", "e", "f", "[SEP]"));
  t = {};
  t.max_length = 7;
  t.strategy = bertc::TruncationStrategy::only_second;
  tok.set_truncation(t);
  EXPECT_THAT(tok.encode("a b", "c d e f").tokens,
              ElementsAre("[CLS]", "a", "b", "[SEP]", "c", "d", "[SEP]"));
  EXPECT_THAT(error_of([&] { tok.encode("a b c d", "e f"); }), HasSubstr("second sequence"));
  t.strategy = bertc::TruncationStrategy::only_first;
  tok.set_truncation(t);
  EXPECT_THAT(tok.encode("a b c d", "e f").tokens,
              ElementsAre("[CLS]", "a", "b", "[SEP]", "e", "f", "[SEP]"));
  t.max_length = 2;
  tok.set_truncation(t);
  EXPECT_THAT(error_of([&] { tok.encode("a", "b"); }), HasSubstr("smaller than the 3 special"));
}

// ---- padding and batches ----

TEST(Tokenizer, TokenStringsOnlyWhenAsked) {
  auto tok = letters_tokenizer();
  bertc::TokenizerOptions opts = tok.options();
  opts.padding = bertc::PaddingOptions{};
  const std::vector<bertc::EncodeInput> texts = {"a b c", "a"};
  const std::vector<bertc::Encoding> full = tok.encode_batch(texts, opts);
  opts.return_tokens = false;
  const std::vector<bertc::Encoding> ids_only = tok.encode_batch(texts, opts);
  ASSERT_EQ(ids_only.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(ids_only[i].tokens.empty());
    EXPECT_EQ(ids_only[i].ids, full[i].ids);
    EXPECT_EQ(ids_only[i].type_ids, full[i].type_ids);
    EXPECT_EQ(ids_only[i].attention_mask, full[i].attention_mask);
  }
  EXPECT_THAT(full[1].tokens, ElementsAre("[CLS]", "a", "[SEP]", "[PAD]", "[PAD]"));
}

TEST(Tokenizer, PaddingLongestFixedAndMultiple) {
  auto tok = letters_tokenizer();
  bertc::PaddingOptions p;
  tok.set_padding(p);
  const std::vector<bertc::Encoding> b = tok.encode_batch(std::vector<std::string>{"a b c", "a"});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_THAT(b[1].tokens, ElementsAre("[CLS]", "a", "[SEP]", "[PAD]", "[PAD]"));
  EXPECT_THAT(b[1].ids, ElementsAre(2, 5, 3, 0, 0));
  EXPECT_THAT(b[1].attention_mask, ElementsAre(1, 1, 1, 0, 0));
  EXPECT_THAT(b[1].type_ids, ElementsAre(0, 0, 0, 0, 0));
  EXPECT_EQ(b[0].size(), 5u);

  p.pad_to_multiple_of = 4;
  tok.set_padding(p);
  EXPECT_EQ(tok.encode("a b c").size(), 8u);

  p = {};
  p.strategy = bertc::PaddingStrategy::fixed;
  p.length = 6;
  p.direction = bertc::Direction::left;
  p.pad_id = 4;
  p.pad_type_id = 1;
  tok.set_padding(p);
  const bertc::Encoding e = tok.encode("a");
  EXPECT_THAT(e.ids, ElementsAre(4, 4, 4, 2, 5, 3));
  EXPECT_THAT(e.type_ids, ElementsAre(1, 1, 1, 0, 0, 0));
  EXPECT_THAT(e.attention_mask, ElementsAre(0, 0, 0, 1, 1, 1));
  EXPECT_EQ(tok.pad_id(), 4);
  // Fixed padding never truncates.
  EXPECT_EQ(tok.encode("a b c d e f g h").size(), 10u);
}

TEST(Tokenizer, BatchOfPairsWithOptions) {
  const auto tok = letters_tokenizer();
  bertc::TokenizerOptions o;
  o.padding = bertc::PaddingOptions{};
  o.truncation = bertc::TruncationOptions{6};
  const std::vector<bertc::EncodeInput> in = {{"a b c d", "e f g"}, {"a", std::nullopt}, "b c"};
  const auto out = tok.encode_batch(in, o);
  ASSERT_EQ(out.size(), 3u);
  // Both cut: the longer (first) keeps ceil(3 / 2), the shorter floor(3 / 2).
  EXPECT_THAT(out[0].tokens, ElementsAre("[CLS]", "a", "b", "[SEP]", "e", "[SEP]"));
  EXPECT_THAT(out[1].tokens, ElementsAre("[CLS]", "a", "[SEP]", "[PAD]", "[PAD]", "[PAD]"));
  EXPECT_THAT(out[2].attention_mask, ElementsAre(1, 1, 1, 1, 0, 0));
}

TEST(Tokenizer, WithoutSpecialTokens) {
  const auto tok = letters_tokenizer();
  bertc::TokenizerOptions o;
  o.add_special_tokens = false;
  const bertc::Encoding e = tok.encode("a b", "c", o);
  EXPECT_THAT(e.tokens, ElementsAre("a", "b", "c"));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 0, 1));
}

// Random code points from every plane, and random bytes: either a clean bertc::Error (invalid
// UTF-8) or a well-formed encoding, never a crash.
TEST(Tokenizer, RandomInputsAreHandled) {
  const auto tok = from_json(tokenizer_json());
  std::mt19937 rng(1234);
  const char32_t interesting[] = {
      0,       9,       10,       13,     32,     0x7F,   0x85,   0xA0,   0x301,  0x345,
      0x130,   0x3A3,   0x200B,   0x2028, 0x3000, 0x4E2D, 0xAC00, 0xFFFD, 0xFEFF, 0x1F600,
      0x20000, 0xE0001, 0x10FFFF, '[',    'M',    'A',    'S',    'K',    ']',    'a'};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      char32_t c;
      if (rng() % 2) {
        c = interesting[rng() % std::size(interesting)];
      } else {
        do c = rng() % 0x110000;
        while (c >= 0xD800 && c <= 0xDFFF);
      }
      if (c < 0x80) {
        text.push_back(static_cast<char>(c));
      } else if (c < 0x800) {
        text += {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
      } else if (c < 0x10000) {
        text += {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                 static_cast<char>(0x80 | (c & 0x3F))};
      } else {
        text += {static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
                 static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
      }
    }
    const bertc::Encoding e = tok.encode(text, text);
    ASSERT_EQ(e.tokens.size(), e.size());
    ASSERT_EQ(e.type_ids.size(), e.size());
    ASSERT_EQ(e.attention_mask.size(), e.size());
    for (std::size_t i = 0; i < e.size(); ++i) ASSERT_EQ(e.tokens[i], tok.id_to_token(e.ids[i]));

    std::string bytes(rng() % 16, '\0');
    for (char& b : bytes) b = static_cast<char>(rng());
    try {
      (void)tok.encode(bytes);
    } catch (const bertc::Error& err) {
      EXPECT_THAT(err.what(), HasSubstr("invalid UTF-8 at byte offset"));
    }
  }
}

// ---- loading ----

TEST(Tokenizer, VocabTxtWithAndWithoutConfig) {
  TempDir dir;
  dir.write("vocab.txt", vocab_text());
  auto tok = bertc::Tokenizer::from_folder(dir.path());
  EXPECT_EQ(tok.vocab_size(), kVocab.size());
  EXPECT_THAT(tok.encode("Hello").tokens, ElementsAre("[CLS]", "hello", "[SEP]"));
  EXPECT_FALSE(tok.options().truncation.has_value());
  EXPECT_FALSE(tok.options().padding.has_value());
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.token_to_id("##aff"), 7);
  EXPECT_EQ(tok.id_to_token(8), "##able");
  EXPECT_EQ(tok.token_to_id("nope"), std::nullopt);

  dir.write("tokenizer_config.json",
            R"({"do_lower_case": false, "model_max_length": 64, "cls_token": "[MASK]",
                "sep_token": {"content": "[SEP]", "__type": "AddedToken"}})");
  tok = bertc::Tokenizer::from_file(dir.path() / "vocab.txt");
  EXPECT_THAT(tok.encode("Hello hello").tokens, ElementsAre("[MASK]", "[UNK]", "hello", "[SEP]"));
  EXPECT_EQ(tok.model_max_length(), 64u);
}

TEST(Tokenizer, VocabTxtCrLfAndDuplicates) {
  TempDir dir;
  const auto p = dir.write("vocab.txt", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nab\r\nab\r\n");
  const auto tok = bertc::Tokenizer::from_file(p);
  EXPECT_EQ(tok.vocab_size(), 6u);
  EXPECT_EQ(tok.token_to_id("ab"), 5);  // the later line wins, as in Hugging Face
  EXPECT_EQ(tok.id_to_token(4), "ab");
}

TEST(Tokenizer, FolderPrefersTokenizerJson) {
  TempDir dir;
  dir.write("vocab.txt", vocab_text({"[PAD]", "[UNK]", "[CLS]", "[SEP]"}));
  json j = tokenizer_json();
  j["truncation"] = {{"max_length", 4}, {"strategy", "LongestFirst"}, {"stride", 0}};
  j["padding"] = {{"strategy", {{"Fixed", 6}}},
                  {"direction", "Right"},
                  {"pad_to_multiple_of", nullptr},
                  {"pad_id", 0},
                  {"pad_type_id", 0},
                  {"pad_token", "[PAD]"}};
  dir.write("tokenizer.json", j.dump());
  const auto tok = bertc::Tokenizer::from_folder(dir.path());
  EXPECT_EQ(tok.vocab_size(), kVocab.size());
  EXPECT_THAT(tok.encode("a b c d").tokens,
              ElementsAre("[CLS]", "a", "b", "[SEP]", "[PAD]", "[PAD]"));
}

TEST(Tokenizer, BertProcessingAndSequenceNormalizer) {
  json j = tokenizer_json();
  j["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 3}}, {"cls", {"[CLS]", 2}}};
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {j["normalizer"]}}};
  const auto tok = from_json(j);
  EXPECT_THAT(tok.encode("A", "B").tokens, ElementsAre("[CLS]", "a", "[SEP]", "b", "[SEP]"));
  EXPECT_THAT(tok.encode("A", "B").type_ids, ElementsAre(0, 0, 0, 1, 1));
}

// MPNet's tokenizer: WordPiece with RobertaProcessing, <s> A </s> </s> B </s>, every type id 0
// (the oracle test checks the real all-mpnet-base-v2 file against the Rust library).
TEST(Tokenizer, RobertaProcessingPairsWithTypeIdsZero) {
  json j = tokenizer_json();
  j["post_processor"] = {{"type", "RobertaProcessing"}, {"sep", {"[SEP]", 3}}, {"cls", {"[CLS]", 2}},
                         {"trim_offsets", true}, {"add_prefix_space", false}};
  const auto tok = from_json(j);
  EXPECT_THAT(tok.encode("A").tokens, ElementsAre("[CLS]", "a", "[SEP]"));
  EXPECT_THAT(tok.encode("A", "B").tokens, ElementsAre("[CLS]", "a", "[SEP]", "[SEP]", "b", "[SEP]"));
  EXPECT_THAT(tok.encode("A", "B").type_ids, ElementsAre(0, 0, 0, 0, 0, 0));
}

// ---- errors ----

TEST(TokenizerErrors, InvalidUtf8NamesTheByteOffset) {
  const auto tok = letters_tokenizer();
  EXPECT_THAT(error_of([&] { tok.encode("abc\xff"); }),
              HasSubstr("text: invalid UTF-8 at byte offset 3"));
  EXPECT_THAT(error_of([&] { tok.encode("ab\xe4\xb8"); }), HasSubstr("byte offset 2"));
  EXPECT_THAT(error_of([&] { tok.encode("\xc0\xaf"); }), HasSubstr("byte offset 0"));  // overlong
  EXPECT_THAT(error_of([&] { tok.encode("a\xed\xa0\x80"); }),
              HasSubstr("byte offset 1"));  // surrogate
  EXPECT_THAT(error_of([&] { tok.encode("\xf4\x90\x80\x80"); }), HasSubstr("byte offset 0"));
  EXPECT_THAT(error_of([&] { tok.encode("a\x80"); }), HasSubstr("byte offset 1"));
  EXPECT_THAT(error_of([&] { tok.encode("ok", "bad\xfe"); }),
              HasSubstr("text pair: invalid UTF-8"));
}

TEST(TokenizerErrors, MissingFilesAndFolders) {
  EXPECT_THAT(error_of([] { bertc::Tokenizer::from_file("/nonexistent/bertc/vocab.txt"); }),
              HasSubstr("/nonexistent/bertc/vocab.txt"));
  EXPECT_THAT(error_of([] { bertc::Tokenizer::from_folder("/nonexistent/bertc"); }),
              HasSubstr("no such folder"));
  TempDir dir;
  EXPECT_THAT(error_of([&] { bertc::Tokenizer::from_folder(dir.path()); }),
              HasSubstr("no tokenizer.json, vocab.txt or vocab.json + merges.txt"));
  dir.write("merges.txt", "#version: 0.2\n");
  EXPECT_THAT(error_of([&] { bertc::Tokenizer::from_folder(dir.path()); }),
              HasSubstr("merges.txt: a byte-level BPE tokenizer needs vocab.json beside it"));
}

TEST(TokenizerErrors, UnknownComponentTypesNameTheField) {
  json j = tokenizer_json();
  j["model"] = {{"type", "WordLevel"}, {"vocab", json::object()}};
  EXPECT_THAT(error_of([&] { from_json(j); }),
              HasSubstr("tokenizer.json: model: type 'WordLevel' is not supported (WordPiece, BPE, Unigram)"));
  j = tokenizer_json();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "Whitespace"}}, {{"type", "CharDelimiterSplit"}}}}};
  EXPECT_THAT(error_of([&] { from_json(j); }),
              HasSubstr("pre_tokenizer.pretokenizers[1]: type 'CharDelimiterSplit' is not supported"));
  j = tokenizer_json();
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFKC"}}, {{"type", "Foo"}}}}};
  EXPECT_THAT(error_of([&] { from_json(j); }),
              HasSubstr("normalizer.normalizers[1]: type 'Foo' is not supported"));
  j = tokenizer_json();
  j["post_processor"] = {{"type", "Baz"}};
  EXPECT_THAT(error_of([&] { from_json(j); }), HasSubstr("post_processor: type 'Baz' is not supported"));
  j["post_processor"] = {{"type", "RobertaProcessing"}};  // without its cls / sep
  EXPECT_THAT(error_of([&] { from_json(j); }), HasSubstr("post_processor: 'cls' must be [token, id]"));
  j = tokenizer_json();
  j["decoder"] = {{"type", "CTC"}};
  EXPECT_THAT(error_of([&] { from_json(j); }), HasSubstr("decoder: type 'CTC' is not supported"));
  j = tokenizer_json();
  j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"Regex", "(unclosed"}}}, {"content", ""}};
  EXPECT_THAT(error_of([&] { from_json(j); }), HasSubstr("normalizer: Replace: bad regex '(unclosed'"));
  j = tokenizer_json();
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "!!!"}};
  EXPECT_THAT(error_of([&] { from_json(j); }),
              HasSubstr("normalizer: precompiled_charsmap is not valid base64"));
  j["normalizer"]["precompiled_charsmap"] = "YWI";  // "ab", unpadded: a truncated charsmap
  EXPECT_THAT(error_of([&] { from_json(j); }),
              HasSubstr("normalizer: precompiled_charsmap is truncated (2 bytes"));
  TempDir dir;
  dir.write("spiece.model", "x");
  EXPECT_THAT(error_of([&] { bertc::Tokenizer::from_folder(dir.path()); }),
              HasSubstr("spiece.model: raw SentencePiece .model files are not read"));
}

TEST(TokenizerErrors, MalformedJson) {
  EXPECT_THAT(error_of([] { bertc::Tokenizer::from_json_string("{\"model\": ", "t.json"); }),
              HasSubstr("t.json: malformed JSON"));
  EXPECT_THAT(error_of([] { bertc::Tokenizer::from_json_string("[1, 2]", "t.json"); }),
              HasSubstr("not a tokenizer.json"));
  json j = tokenizer_json();
  j["model"]["vocab"] = "oops";
  EXPECT_THAT(error_of([&] { from_json(j); }),
              HasSubstr("model.vocab: the vocabulary must be an object of token: id"));
  j = tokenizer_json();
  j["post_processor"]["single"] = 3;
  EXPECT_THAT(error_of([&] { from_json(j); }), HasSubstr("post_processor.single: must be a list"));
  TempDir dir;
  dir.write("vocab.txt", vocab_text());
  dir.write("tokenizer_config.json", "{bad json");
  EXPECT_THAT(error_of([&] { bertc::Tokenizer::from_folder(dir.path()); }),
              HasSubstr("tokenizer_config.json: malformed JSON"));
}

TEST(TokenizerErrors, VocabularyProblems) {
  json j = tokenizer_json();
  j["model"]["unk_token"] = "<unk>";
  EXPECT_THAT(error_of([&] { from_json(j); }),
              HasSubstr("unknown token '<unk>' is not in the vocabulary"));
  TempDir dir;
  auto p = dir.write("vocab.txt", "[UNK]\n[CLS]\nab\xff\n");
  EXPECT_THAT(error_of([&] { bertc::Tokenizer::from_file(p); }),
              HasSubstr("line 3: invalid UTF-8"));
  p = dir.write("vocab.txt", "[UNK]\n[CLS]\n");
  EXPECT_THAT(error_of([&] { bertc::Tokenizer::from_file(p); }),
              HasSubstr("'[SEP]' is not in the vocabulary"));
  const auto tok = letters_tokenizer();
  EXPECT_THAT(error_of([&] { (void)tok.id_to_token(1000); }),
              HasSubstr("token id 1000 is outside the vocabulary"));
  EXPECT_THAT(error_of([&] { (void)tok.id_to_token(-1); }), HasSubstr("outside the vocabulary"));
}

TEST(TokenizerErrors, PaddingWithoutPadToken) {
  json j = tokenizer_json({"[UNK]", "[CLS]", "[SEP]", "a", "b"});
  j["added_tokens"] = json::array();
  j["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 2}}, {"cls", {"[CLS]", 1}}};
  j["model"]["vocab"] = {{"[UNK]", 0}, {"[CLS]", 1}, {"[SEP]", 2}, {"a", 3}};
  auto tok = from_json(j);
  bertc::PaddingOptions p;
  p.strategy = bertc::PaddingStrategy::fixed;
  p.length = 8;
  tok.set_padding(p);
  EXPECT_THAT(error_of([&] { tok.encode("a"); }), HasSubstr("has none"));
  EXPECT_THAT(error_of([&] { (void)tok.pad_id(); }), HasSubstr("no padding token"));
}

}  // namespace
