// Each tokenizer component on its own (src/tokenizer/: normalizers, pre-tokenizers, models,
// decoders), against what Hugging Face's `tokenizers` gives for the same input (the pre-tokenizer
// and decoder cases were run through the npm `tokenizers` binding's own components), including
// the source spans it keeps for offsets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "../common/error_of.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/components.h"
#include "tokenizer/decoder.h"
#include "tokenizer/models.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"

namespace bertc::tokenizer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using bertc::testing::error_of;

// ---- normalizers ----

struct Normalized {
  std::string text;
  std::vector<std::pair<uint32_t, uint32_t>> spans;  // per output byte
};

Normalized run(const Normalizer& n, std::string_view in) {
  Normalized out;
  std::vector<SourceSpan> spans;
  NormalizeScratch scratch;
  n.normalize(in, out.text, &spans, scratch);
  EXPECT_EQ(spans.size(), out.text.size());
  for (const SourceSpan& s : spans) out.spans.emplace_back(s.begin, s.end);
  std::string plain;  // the same text without spans
  n.normalize(in, plain, nullptr, scratch);
  EXPECT_EQ(plain, out.text);
  return out;
}

using Spans = std::vector<std::pair<uint32_t, uint32_t>>;

TEST(Normalizers, LowercaseIsPerCharacterWithoutFinalSigma) {
  const Normalized n = run(*make_lowercase_normalizer(), "ÀΣ İ");
  EXPECT_EQ(n.text, "àσ i\xCC\x87");  // U+0130 -> i + combining dot above
  EXPECT_EQ(n.spans, (Spans{{0, 2}, {0, 2}, {2, 4}, {2, 4}, {4, 5}, {5, 7}, {5, 7}, {5, 7}}));
}

TEST(Normalizers, StripTrimsWhiteSpaceAtEitherEnd) {
  EXPECT_EQ(run(*make_strip_normalizer(true, true), " \u00a0a b\t ").text, "a b");
  EXPECT_EQ(run(*make_strip_normalizer(true, false), "  a ").text, "a ");
  const Normalized right = run(*make_strip_normalizer(false, true), " a  ");
  EXPECT_EQ(right.text, " a");
  EXPECT_EQ(right.spans, (Spans{{0, 1}, {1, 2}}));
}

TEST(Normalizers, UnicodeFormsAndStripAccents) {
  EXPECT_EQ(run(*make_unicode_normalizer(UnicodeForm::nfc), "e\u0301").text, "\u00e9");
  EXPECT_EQ(run(*make_unicode_normalizer(UnicodeForm::nfd), "\u00e9").text, "e\u0301");
  EXPECT_EQ(run(*make_unicode_normalizer(UnicodeForm::nfkc), "\ufb01\u2460x").text, "fi1x");
  EXPECT_EQ(run(*make_unicode_normalizer(UnicodeForm::nfkd), "\u00c5").text, "A\u030a");
  // A cluster's output spans the whole cluster.
  EXPECT_EQ(run(*make_unicode_normalizer(UnicodeForm::nfc), "ae\u0301").spans,
            (Spans{{0, 1}, {1, 4}, {1, 4}}));
  std::vector<std::unique_ptr<Normalizer>> steps;
  steps.push_back(make_unicode_normalizer(UnicodeForm::nfd));
  steps.push_back(make_strip_accents_normalizer());
  EXPECT_EQ(run(*make_sequence_normalizer(std::move(steps)), "Crème brûlée").text, "Creme brulee");
}

TEST(Normalizers, NmtDropsAndSpacesControls) {
  EXPECT_EQ(run(*make_nmt_normalizer(), "\x01" "a\tb\u200bc\u2581d\x7f").text, "a b c d");
}

TEST(Normalizers, PrependGivesThePrefixTheFirstCharactersSpan) {
  const Normalized n = run(*make_prepend_normalizer("\u2581"), "\u00e9a");
  EXPECT_EQ(n.text, "\u2581\u00e9a");
  EXPECT_EQ(n.spans, (Spans{{0, 2}, {0, 2}, {0, 2}, {0, 2}, {0, 2}, {2, 3}}));
  EXPECT_EQ(run(*make_prepend_normalizer("\u2581"), "").text, "");
}

TEST(Normalizers, ReplaceLiteralAndRegexTakeTheMatchsLastCharacter) {
  const Normalized lit = run(*make_replace_normalizer("``", false, "\"", "t"), "a``b");
  EXPECT_EQ(lit.text, "a\"b");
  EXPECT_EQ(lit.spans, (Spans{{0, 1}, {2, 3}, {3, 4}}));
  // XLM-R's: runs of spaces become one
  const Normalized re = run(*make_replace_normalizer(" {2,}", true, " ", "t"), "a   b c");
  EXPECT_EQ(re.text, "a b c");
  EXPECT_EQ(re.spans, (Spans{{0, 1}, {3, 4}, {4, 5}, {5, 6}, {6, 7}}));
  EXPECT_THAT(error_of([] { make_replace_normalizer("(", true, "", "tok.json: normalizer"); }),
              HasSubstr("tok.json: normalizer: Replace: bad regex '('"));
  EXPECT_THAT(error_of([] { make_replace_normalizer("", false, "", "tok.json: normalizer"); }),
              HasSubstr("the pattern is empty"));
}

TEST(Normalizers, SequenceCarriesSpansBackToTheInput) {
  std::vector<std::unique_ptr<Normalizer>> steps;
  steps.push_back(make_replace_normalizer("x", false, "yy", "t"));
  steps.push_back(make_lowercase_normalizer());
  const Normalized n = run(*make_sequence_normalizer(std::move(steps)), "Ax\u00c9");
  EXPECT_EQ(n.text, "ayy\u00e9");
  EXPECT_EQ(n.spans, (Spans{{0, 1}, {1, 2}, {1, 2}, {2, 4}, {2, 4}}));
}

// A charsmap with rules a -> "A", b -> "" and U+FF76 (halfwidth KA) -> U+30AB, written in
// darts-clone's double-array format by hand: from a node at position p with offset o, the child
// for byte c is at p ^ o ^ c, and a leaf's value unit is at (child ^ child's offset).
std::string tiny_charsmap() {
  std::vector<uint32_t> units(256, 0);
  auto unit = [](uint32_t label, uint32_t offset, bool leaf) {
    return (offset << 10) | (leaf ? 1u << 8 : 0u) | label;
  };
  units[0] = unit(0, 1, false);  // the root: children at 1 ^ c
  units[1 ^ 0x61] = unit(0x61, 2, true);
  units[(1 ^ 0x61) ^ 2] = 0;  // "A" at 0 in the pool
  units[1 ^ 0x62] = unit(0x62, 4, true);
  units[(1 ^ 0x62) ^ 4] = 2;  // "" at 2
  const std::size_t n1 = 1 ^ 0xEF, n2 = (n1 ^ 0x10) ^ 0xBD, n3 = (n2 ^ 0x20) ^ 0xB6;
  units[n1] = unit(0xEF, 0x10, false);
  units[n2] = unit(0xBD, 0x20, false);
  units[n3] = unit(0xB6, 0x40, true);
  units[n3 ^ 0x40] = 3;  // U+30AB at 3
  const std::string pool("A\0\0\xE3\x82\xAB\0", 7);
  std::string blob(4, '\0');
  const auto bytes = static_cast<uint32_t>(units.size() * 4);
  std::memcpy(blob.data(), &bytes, 4);
  blob.append(reinterpret_cast<const char*>(units.data()), bytes);
  return blob + pool;
}

TEST(Normalizers, PrecompiledCharsmapRulesAndAlignment) {
  const auto n = make_precompiled_normalizer(tiny_charsmap(), "t");
  const Normalized out = run(*n, "xa\xEF\xBD\xB6" "bd");
  EXPECT_EQ(out.text, "xA\xE3\x82\xAB" "d");
  // `tokenizers`' positional alignment: b's removal attaches to the character before it.
  EXPECT_EQ(out.spans, (Spans{{0, 1}, {1, 2}, {2, 5}, {2, 5}, {2, 5}, {6, 7}}));
  // A removal at the very start has nothing to attach to: the alignment shifts, as in tokenizers.
  const Normalized shifted = run(*n, "bx");
  EXPECT_EQ(shifted.text, "x");
  EXPECT_EQ(shifted.spans, (Spans{{0, 1}}));
}

TEST(Normalizers, TruncatedOrCorruptCharsmapsAreErrors) {
  EXPECT_THAT(error_of([] { make_precompiled_normalizer("ab", "tok.json: normalizer"); }),
              HasSubstr("tok.json: normalizer: precompiled_charsmap is truncated (2 bytes"));
  std::string blob = tiny_charsmap();
  EXPECT_THAT(error_of([&] { make_precompiled_normalizer(blob.substr(0, 100), "n"); }),
              HasSubstr("precompiled_charsmap is truncated or corrupt: its trie size is 1024 bytes"));
  blob.back() = '\xff';
  EXPECT_THAT(error_of([&] { make_precompiled_normalizer(blob, "n"); }),
              HasSubstr("replacement strings are not valid UTF-8"));
}

// ---- pre-tokenizers ----

std::vector<std::string> pieces(const PreTokenizer& p, std::string_view text, bool at_start = true) {
  std::vector<std::string> out;
  PreTokenizeScratch scratch;
  p.split(Piece{text, nullptr, at_start}, scratch, 0, [&](const Piece& w) { out.emplace_back(w.text); });
  return out;
}

TEST(PreTokenizers, WhitespaceAndWhitespaceSplit) {
  EXPECT_THAT(pieces(*make_whitespace_pre_tokenizer(), "Hey friend!  How are_you?!? é1"),
              ElementsAre("Hey", "friend", "!", "How", "are_you", "?!?", "é1"));
  EXPECT_THAT(pieces(*make_whitespace_split_pre_tokenizer(), " a\u3000b!  c "),
              ElementsAre("a", "b!", "c"));
}

TEST(PreTokenizers, PunctuationAndDigitsBehaviors) {
  EXPECT_THAT(pieces(*make_punctuation_pre_tokenizer(SplitBehavior::isolated), "a,b!!"),
              ElementsAre("a", ",", "b", "!", "!"));
  EXPECT_THAT(pieces(*make_punctuation_pre_tokenizer(SplitBehavior::merged_with_previous), "a,b!!"),
              ElementsAre("a,", "b!", "!"));
  EXPECT_THAT(pieces(*make_punctuation_pre_tokenizer(SplitBehavior::contiguous), "a,b!!"),
              ElementsAre("a", ",", "b", "!!"));
  EXPECT_THAT(pieces(*make_digits_pre_tokenizer(true), "Call 911!"), ElementsAre("Call ", "9", "1", "1", "!"));
  EXPECT_THAT(pieces(*make_digits_pre_tokenizer(false), "Call 911!"), ElementsAre("Call ", "911", "!"));
}

TEST(PreTokenizers, SplitBehaviorsAndInvert) {
  auto split = [](SplitBehavior b, bool invert) {
    return make_split_pre_tokenizer("-", false, b, invert, "t");
  };
  EXPECT_THAT(pieces(*split(SplitBehavior::removed, false), "a-b--c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(pieces(*split(SplitBehavior::isolated, false), "a-b--c"),
              ElementsAre("a", "-", "b", "-", "-", "c"));
  EXPECT_THAT(pieces(*split(SplitBehavior::merged_with_next, false), "a-b--c"),
              ElementsAre("a", "-b", "-", "-c"));
  EXPECT_THAT(pieces(*split(SplitBehavior::contiguous, false), "a-b--c"),
              ElementsAre("a", "-", "b", "--", "c"));
  EXPECT_THAT(pieces(*split(SplitBehavior::removed, true), "a-b--c"), ElementsAre("-", "-", "-"));
  const auto re = make_split_pre_tokenizer("\\p{N}{1,3}", true, SplitBehavior::isolated, false, "t");
  EXPECT_THAT(pieces(*re, "x12345y"), ElementsAre("x", "123", "45", "y"));
}

TEST(PreTokenizers, MetaspacePrependSchemes) {
  const std::string m = "\u2581";
  auto meta = [&](PrependScheme s, bool split) { return make_metaspace_pre_tokenizer(m, s, split); };
  EXPECT_THAT(pieces(*meta(PrependScheme::always, true), "Hey  you"),
              ElementsAre(m + "Hey", m, m + "you"));
  EXPECT_THAT(pieces(*meta(PrependScheme::always, false), "Hey you"), ElementsAre(m + "Hey" + m + "you"));
  EXPECT_THAT(pieces(*meta(PrependScheme::never, true), "Hey you"), ElementsAre("Hey", m + "you"));
  EXPECT_THAT(pieces(*meta(PrependScheme::first, true), "Hey", true), ElementsAre(m + "Hey"));
  EXPECT_THAT(pieces(*meta(PrependScheme::first, true), "Hey", false), ElementsAre("Hey"));
  EXPECT_THAT(pieces(*meta(PrependScheme::always, true), " x"), ElementsAre(m + "x"));  // no double
}

TEST(PreTokenizers, ByteLevelFollowsGpt2sPattern) {
  const auto bl = make_byte_level_pre_tokenizer(false, true);
  const std::string G = "\xC4\xA0";  // 'Ġ', the stand-in of ' '
  EXPECT_THAT(pieces(*bl, "I'm here's 'LL"), ElementsAre("I", "'m", G + "here", "'s", G + "'", "LL"));
  EXPECT_THAT(pieces(*bl, "a  b"), ElementsAre("a", G, G + "b"));
  EXPECT_THAT(pieces(*bl, "x\n\ny "), ElementsAre("x", "\xC4\x8A", "\xC4\x8A", "y", G));
  EXPECT_THAT(pieces(*bl, "abc123 4.5!?"), ElementsAre("abc", "123", G + "4", ".", "5", "!?"));
  EXPECT_THAT(pieces(*bl, "\u00e9t\u00e9"), ElementsAre("\xC3\x83\xC2\xA9t\xC3\x83\xC2\xA9"));
  EXPECT_THAT(pieces(*make_byte_level_pre_tokenizer(true, true), "hi"), ElementsAre(G + "hi"));
  EXPECT_THAT(pieces(*make_byte_level_pre_tokenizer(true, false), "a b"), ElementsAre(G + "a" + G + "b"));
}

TEST(PreTokenizers, SequenceSplitsEachPieceAgain) {
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  steps.push_back(make_whitespace_split_pre_tokenizer());
  steps.push_back(make_digits_pre_tokenizer(true));
  steps.push_back(make_byte_level_pre_tokenizer(false, false));
  EXPECT_THAT(pieces(*make_sequence_pre_tokenizer(std::move(steps)), "ab12 c"),
              ElementsAre("ab", "1", "2", "c"));
  // Two splitting steps, the second running inside the first's loop over its pieces.
  std::vector<std::unique_ptr<PreTokenizer>> nested;
  nested.push_back(make_punctuation_pre_tokenizer(SplitBehavior::isolated));
  nested.push_back(make_digits_pre_tokenizer(true));
  EXPECT_THAT(pieces(*make_sequence_pre_tokenizer(std::move(nested)), "a12,b3!c"),
              ElementsAre("a", "1", "2", ",", "b", "3", "!", "c"));
}

// ---- models ----

Vocabulary vocab_of(const std::vector<std::string>& tokens) {
  Vocabulary v;
  for (std::size_t i = 0; i < tokens.size(); ++i) v.add(tokens[i], static_cast<int32_t>(i));
  return v;
}

std::vector<std::string> tokens(const Model& m, std::string_view word) {
  std::vector<int32_t> ids;
  std::vector<SourceSpan> spans;
  m.tokenize(word, ids, &spans);
  EXPECT_EQ(spans.size(), ids.size());
  std::vector<std::string> out;
  for (int32_t id : ids) out.push_back(m.id_to_token[static_cast<std::size_t>(id)]);
  return out;
}

TEST(Models, BpeMergesByRankLeftmostFirst) {
  const auto bpe = make_bpe(vocab_of({"a", "b", "c", "ab", "bc", "abc", "cab"}),
                            {{"b", "c"}, {"a", "b"}, {"a", "bc"}}, BpeConfig{}, "t");
  EXPECT_THAT(tokens(*bpe, "abc"), ElementsAre("abc"));       // b c first, then a bc
  EXPECT_THAT(tokens(*bpe, "abab"), ElementsAre("ab", "ab"));
  EXPECT_THAT(tokens(*bpe, "xab"), ElementsAre("ab"));        // no unk token: x is dropped
  EXPECT_THAT(tokens(*bpe, "abc"), ElementsAre("abc"));       // from the cache
}

TEST(Models, BpePrefixSuffixUnkAndByteFallback) {
  BpeConfig c;
  c.prefix = "##";
  c.suffix = "</w>";
  c.unk_token = "<unk>";
  c.fuse_unk = true;
  const auto bpe = make_bpe(vocab_of({"<unk>", "a", "##b", "##c</w>", "a##b", "ab"}), {{"a", "##b"}}, c, "t");
  EXPECT_THAT(tokens(*bpe, "abc"), ElementsAre("ab", "##c</w>"));
  // x, y and the last b ("##b</w>", with the suffix) are unknown, fused into one
  EXPECT_THAT(tokens(*bpe, "axyb"), ElementsAre("a", "<unk>"));
  BpeConfig f;
  f.byte_fallback = true;
  f.unk_token = "<unk>";
  const auto fb = make_bpe(vocab_of({"<unk>", "a", "<0xC3>", "<0xA9>"}), {}, f, "t");
  EXPECT_THAT(tokens(*fb, "a\u00e9z"), ElementsAre("a", "<0xC3>", "<0xA9>", "<unk>"));
  BpeConfig whole;
  whole.ignore_merges = true;
  const auto im = make_bpe(vocab_of({"a", "b", "ab", "abab"}), {{"a", "b"}}, whole, "t");
  EXPECT_THAT(tokens(*im, "abab"), ElementsAre("abab"));
}

TEST(Models, BpeLoadErrorsNameTheMerge) {
  EXPECT_THAT(error_of([] { make_bpe(vocab_of({"a"}), {{"a", "b"}}, BpeConfig{}, "m.txt"); }),
              HasSubstr("m.txt: model.merges[0] (\"a b\"): 'b' is not in the vocabulary"));
  BpeConfig c;
  c.unk_token = "[UNK]";
  EXPECT_THAT(error_of([&] { make_bpe(vocab_of({"a"}), {}, c, "t"); }),
              HasSubstr("model.unk_token '[UNK]' is not in the vocabulary"));
}

TEST(Models, UnigramViterbiUnknownAndByteFallback) {
  UnigramConfig c;
  c.unk_id = 0;
  const auto uni = make_unigram({{"<unk>", 0.0}, {"a", -1.0}, {"b", -1.0}, {"ab", -1.5}, {"abc", -5.0},
                                 {"c", -2.0}},
                                c, "t");
  EXPECT_THAT(tokens(*uni, "abc"), ElementsAre("ab", "c"));  // -3.5 beats abc's -5
  EXPECT_THAT(tokens(*uni, "xyab"), ElementsAre("<unk>", "ab"));  // x y fused into one unknown
  UnigramConfig f;
  f.unk_id = 0;
  f.byte_fallback = true;
  const auto fb = make_unigram({{"<unk>", 0.0}, {"a", -1.0}, {"<0x78>", -3.0}}, f, "t");
  EXPECT_THAT(tokens(*fb, "axy"), ElementsAre("a", "<unk>"));  // no <0x79>: unknown
  EXPECT_THAT(tokens(*fb, "ax"), ElementsAre("a", "<0x78>"));
  const auto no_unk = make_unigram({{"a", -1.0}}, UnigramConfig{}, "t");
  std::vector<int32_t> ids;
  EXPECT_THAT(error_of([&] { no_unk->tokenize("b", ids, nullptr); }),
              HasSubstr("the Unigram model has no unk_id, and no piece covers 'b'"));
  UnigramConfig bad;
  bad.unk_id = 7;
  EXPECT_THAT(error_of([&] { make_unigram({{"a", -1.0}}, bad, "t"); }),
              HasSubstr("model.unk_id 7 is outside the vocabulary"));
}

TEST(Models, WordPieceNeedsItsUnknownToken) {
  WordPieceConfig c;
  EXPECT_THAT(error_of([&] { make_wordpiece(vocab_of({"a"}), c, "vocab.txt"); }),
              HasSubstr("vocab.txt: the unknown token '[UNK]' is not in the vocabulary"));
}

// ---- decoders ----

std::string decode(const Decoder& d, std::vector<std::string> tokens) {
  d.decode_chain(tokens);
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

TEST(Decoders, EachDecoderAsTokenizersDoes) {
  // the clean-up runs on each token with its space, so " '" + " t" stay apart
  EXPECT_EQ(decode(*make_wordpiece_decoder("##", true), {"hello", "##s", ",", "don", "'", "t", "."}),
            "hellos, don ' t.");
  // "âĢ" stands for bytes E2 80, a cut character: one U+FFFD
  EXPECT_EQ(decode(*make_byte_level_decoder(), {"\xC4\xA0hi", "\xC3\xA2\xC4\xA2", "<mask>"}),
            " hi\xEF\xBF\xBD<mask>");
  EXPECT_EQ(decode(*make_metaspace_decoder("\u2581", PrependScheme::always), {"\u2581Hey", "\u2581you"}),
            "Hey you");
  EXPECT_EQ(decode(*make_metaspace_decoder("\u2581", PrependScheme::never), {"\u2581Hey"}), " Hey");
  EXPECT_EQ(decode(*make_byte_fallback_decoder(), {"a", "<0xC3>", "<0xA9>", "b", "<0x21>"}), "a\u00e9b!");
  // a run that is not UTF-8: one U+FFFD per byte
  EXPECT_EQ(decode(*make_byte_fallback_decoder(), {"<0xC3>", "<0xA9>", "<0xC3>"}),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(decode(*make_strip_decoder(" ", 1, 0), {"  a", " b"}), " ab");
  EXPECT_EQ(decode(*make_replace_decoder("\u2581", false, " ", "t"), {"\u2581a\u2581b"}), " a b");
  EXPECT_EQ(decode(*make_bpe_decoder("</w>"), {"hel", "lo</w>", "you</w>"}), "hello you");
  std::vector<std::unique_ptr<Decoder>> llama;
  llama.push_back(make_replace_decoder("\u2581", false, " ", "t"));
  llama.push_back(make_byte_fallback_decoder());
  llama.push_back(make_fuse_decoder());
  llama.push_back(make_strip_decoder(" ", 1, 0));
  EXPECT_EQ(decode(*make_sequence_decoder(std::move(llama)), {"\u2581Hi", "<0x21>"}), "Hi!");
}

}  // namespace
}  // namespace bertc::tokenizer
