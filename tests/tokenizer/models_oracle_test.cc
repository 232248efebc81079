// Compares bertc's tokenizer with Hugging Face's Rust `tokenizers` on every real tokenizer in
// ../shared/data (byte-level BPE, Unigram with its Precompiled charsmap, WordPiece) over the
// corpus of hard cases: ids, type ids, byte offsets, special-tokens mask, word ids and decoded
// text (with and without special tokens). The expected_<name>.jsonl files were written by
// tools/tokenizer_oracle/models.mjs (npm `tokenizers`, the library's compiled Rust code).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bertc/tokenizer.h"
#include "oracle_files.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using bertc::testing::read_jsonl;
const fs::path& kFixtures = bertc::testing::kOracleFixtures;
const fs::path& kShared = bertc::testing::kSharedData;

// The edits models.mjs makes to a file before running it (the same here).
enum class Edit {
  none,
  prefix_space,  // ByteLevel add_prefix_space set (pre-tokenizer and post-processor)
  xlmr_layout,   // t5-small's pieces laid out as XLM-R's tokenizer.json is (see models.mjs)
};

struct Oracle {
  const char* name;    // expected_<name>.jsonl
  const char* folder;  // in ../shared/data
  Edit edit;
};

const Oracle kOracles[] = {
    {"roberta_base", "roberta-base", Edit::none},
    {"roberta_base_prefix", "roberta-base", Edit::prefix_space},
    {"t5_small", "t5-small", Edit::none},
    {"t5_xlmr_layout", "t5-small", Edit::xlmr_layout},
    {"bert_base_uncased", "bert-base-uncased", Edit::none},
    {"all_mpnet_base_v2", "all-mpnet-base-v2", Edit::none},
    {"bge_small_en_v1_5", "bge-small-en-v1.5", Edit::none},
};

void apply(Edit edit, json& j) {
  if (edit == Edit::prefix_space) {
    j["pre_tokenizer"]["add_prefix_space"] = true;
    j["post_processor"]["add_prefix_space"] = true;
  } else if (edit == Edit::xlmr_layout) {
    j["normalizer"] = {{"type", "Sequence"},
                       {"normalizers",
                        {j["normalizer"],
                         {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}}}}};
    const json metaspace = {{"type", "Metaspace"}, {"replacement", "\u2581"},
                            {"prepend_scheme", "always"}, {"split", true}};
    j["pre_tokenizer"] = metaspace;
    j["decoder"] = metaspace;
    j["added_tokens"].push_back({{"id", 32100}, {"content", "<s>"}, {"single_word", false}, {"lstrip", false},
                                 {"rstrip", false}, {"normalized", false}, {"special", true}});
    auto special = [](const char* id) { return json{{"SpecialToken", {{"id", id}, {"type_id", 0}}}}; };
    auto seq = [](const char* id) { return json{{"Sequence", {{"id", id}, {"type_id", 0}}}}; };
    j["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", {special("<s>"), seq("A"), special("</s>")}},
        {"pair", {special("<s>"), seq("A"), special("</s>"), special("</s>"), seq("B"), special("</s>")}},
        {"special_tokens",
         {{"<s>", {{"id", "<s>"}, {"ids", {32100}}, {"tokens", {"<s>"}}}},
          {"</s>", {{"id", "</s>"}, {"ids", {1}}, {"tokens", {"</s>"}}}}}}};
  }
}

// Where bertc knowingly differs from the Rust library (include/bertc/tokenizer.h): CJK
// Extension E's first ideographs, which WordPiece models pad with spaces and the library does not.
bool known_difference(const Oracle& o, const std::string& case_id) {
  const bool wordpiece = std::string(o.folder).find("roberta") == std::string::npos &&
                         std::string(o.folder) != "t5-small";
  return wordpiece && case_id == "cjk-ext-e";
}

std::vector<int64_t> words_of(const json& w) {
  std::vector<int64_t> out;
  for (const json& v : w) out.push_back(v.is_null() ? -1 : v.get<int64_t>());
  return out;
}

class ModelsOracleTest : public ::testing::TestWithParam<Oracle> {};

TEST_P(ModelsOracleTest, MatchesRustTokenizers) {
  const Oracle& o = GetParam();
  const fs::path file = kShared / o.folder / "tokenizer.json";
  if (!fs::is_regular_file(file)) {
    GTEST_SKIP() << file.string() << " not found; the oracle comparison needs ../shared/data";
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str());
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  apply(o.edit, j);
  const bertc::Tokenizer tok = bertc::Tokenizer::from_json_string(j.dump(), file.string());
  bertc::TokenizerOptions opts;
  opts.return_offsets = true;

  const std::vector<json> corpus = read_jsonl(kFixtures / "corpus.jsonl");
  const std::vector<json> expected = read_jsonl(kFixtures / (std::string("expected_") + o.name + ".jsonl"));
  ASSERT_EQ(corpus.size(), expected.size()) << "rerun tools/tokenizer_oracle/models.mjs";
  std::size_t inputs = 0, matched = 0, skipped = 0, reported = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const json& c = corpus[i];
    ASSERT_EQ(c["id"], expected[i]["id"]) << "corpus and expected files are out of step";
    for (std::size_t k = 0; k < c["inputs"].size(); ++k) {
      if (known_difference(o, c["id"])) {
        ++skipped;
        continue;
      }
      ++inputs;
      const json& input = c["inputs"][k];
      const std::string text = input["text"], pair = input.value("pair", "");
      const bertc::Encoding e = tok.encode(
          text, input.contains("pair") ? std::optional<std::string_view>(pair) : std::nullopt, opts);
      const json& w = expected[i]["results"][k];
      std::vector<std::pair<std::size_t, std::size_t>> offsets;
      for (const json& off : w["offsets"]) offsets.emplace_back(off[0], off[1]);
      std::string what;
      if (e.ids != w["ids"].get<std::vector<int64_t>>()) what += " ids";
      if (e.type_ids != w["type_ids"].get<std::vector<int64_t>>()) what += " type_ids";
      if (e.offsets != offsets) what += " offsets";
      if (e.special_tokens_mask != w["special"].get<std::vector<uint8_t>>()) what += " special";
      if (e.word_ids != words_of(w["word_ids"])) what += " word_ids";
      const std::string decoded = tok.decode(e.ids), decoded_skip = tok.decode(e.ids, true);
      if (decoded != w["decode"].get<std::string>()) what += " decode";
      if (decoded_skip != w["decode_skip"].get<std::string>()) what += " decode_skip";
      if (what.empty()) {
        ++matched;
      } else if (reported++ < 8) {
        ADD_FAILURE() << "[" << o.name << "] case " << c["id"] << " input " << k << " differs in" << what
                      << ": " << input.dump() << "\n  expected ids " << w["ids"].dump() << "\n  got      "
                      << json(e.ids).dump() << "\n  expected offsets " << w["offsets"].dump()
                      << "\n  got      " << json(e.offsets).dump() << "\n  expected words "
                      << w["word_ids"].dump() << "\n  got      " << json(e.word_ids).dump()
                      << "\n  expected decode " << w["decode"].dump() << " / " << w["decode_skip"].dump()
                      << "\n  got      " << json(decoded).dump() << " / " << json(decoded_skip).dump();
      }
    }
  }
  std::printf("tokenizers oracle [%s]: %zu/%zu inputs match (ids, type ids, offsets, special mask, "
              "word ids, decode; %zu known differences)\n",
              o.name, matched, inputs, skipped);
  EXPECT_EQ(matched, inputs);
}

INSTANTIATE_TEST_SUITE_P(Shared, ModelsOracleTest, ::testing::ValuesIn(kOracles),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
