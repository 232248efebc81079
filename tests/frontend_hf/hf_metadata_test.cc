// What a compiled Hugging Face folder carries for text pipelines: its tokenizer files, the
// sentence-transformers pooling / Normalize / max_seq_length, and errors for what bertc cannot run.
#include <gtest/gtest.h>

#include "../common/error_of.h"
#include "bertc/compile.h"
#include "bertc/tokenizer.h"
#include "hf_test_util.h"

namespace bertc {
namespace {

using testing::copy_hf_fixture;
using testing::write_json;
using testing::write_text;
namespace fs = std::filesystem;

ModelInfo info_of(const fs::path& dir) { return compile(dir.string(), {.opt_level = 0}).info; }

nlohmann::json modules(std::initializer_list<std::pair<const char*, const char*>> items) {
  nlohmann::json j = nlohmann::json::array();
  int i = 0;
  for (const auto& [path, type] : items) {
    j.push_back({{"idx", i},
                 {"name", std::to_string(i)},
                 {"path", path},
                 {"type", std::string("sentence_transformers.models.") + type}});
    ++i;
  }
  return j;
}

TEST(HfMetadata, EmbedsTheTokenizerFiles) {
  const fs::path dir = copy_hf_fixture("bert", "tok_files");
  write_text(dir / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
  write_text(dir / "tokenizer_config.json", R"({"do_lower_case": true})");
  auto md = info_of(dir);
  EXPECT_EQ(md.tokenizer_files.at("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
  EXPECT_EQ(md.tokenizer_files.at("tokenizer_config.json"), R"({"do_lower_case": true})");
  EXPECT_EQ(md.tokenizer_error, "");

  const std::string tokenizer_json =
      R"({"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0}}})";
  write_text(dir / "tokenizer.json", tokenizer_json);  // preferred over vocab.txt, as from_folder does
  md = info_of(dir);
  EXPECT_EQ(md.tokenizer_files.at("tokenizer.json"), tokenizer_json);
  EXPECT_EQ(md.tokenizer_files.count("vocab.txt"), 0u);
}

TEST(HfMetadata, ByteLevelBpeFilesAreEmbedded) {
  const fs::path dir = copy_hf_fixture("roberta", "bpe");
  write_text(dir / "vocab.json", R"({"<s>": 0, "<pad>": 1, "</s>": 2, "h": 3, "i": 4, "hi": 5})");
  write_text(dir / "merges.txt", "#version: 0.2\nh i\n");
  const auto md = info_of(dir);
  EXPECT_EQ(md.tokenizer_error, "");
  EXPECT_EQ(md.tokenizer_files.count("vocab.json"), 1u);
  EXPECT_EQ(md.tokenizer_files.count("merges.txt"), 1u);
  const Tokenizer tok = Tokenizer::from_files(md.tokenizer_files, "bundle");
  EXPECT_EQ(tok.encode("hi").ids, (std::vector<int64_t>{0, 5, 2}));
}

TEST(HfMetadata, ABrokenBpeTokenizerJsonFailsTheCompile) {
  const fs::path dir = copy_hf_fixture("roberta", "bpe_json");
  write_text(dir / "tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})");
  const std::string e = testing::error_of([&] { info_of(dir); });
  EXPECT_NE(e.find("tokenizer.json: model.merges[0] (\"a b\"): 'b' is not in the vocabulary"),
            std::string::npos)
      << e;
}

TEST(HfMetadata, SentencePieceIsRecordedAsATokenizerError) {
  const fs::path dir = copy_hf_fixture("roberta", "spm");
  write_text(dir / "sentencepiece.bpe.model", "x");
  EXPECT_NE(info_of(dir).tokenizer_error.find("raw SentencePiece .model files are not read"),
            std::string::npos);
}

TEST(HfMetadata, SentenceTransformersPoolingAndNormalize) {
  const fs::path dir = copy_hf_fixture("bert", "st");
  write_json(
      dir / "modules.json",
      modules({{"", "Transformer"}, {"1_Pooling", "Pooling"}, {"2_Normalize", "Normalize"}}));
  write_json(dir / "1_Pooling" / "config.json", {{"word_embedding_dimension", 48},
                                                 {"pooling_mode_cls_token", false},
                                                 {"pooling_mode_mean_tokens", true},
                                                 {"pooling_mode_max_tokens", true}});
  write_json(dir / "sentence_bert_config.json", {{"max_seq_length", 256}});
  const auto md = info_of(dir);
  // sentence-transformers' concatenation order
  EXPECT_EQ(md.pooling, (std::vector<std::string>{"max", "mean"}));
  EXPECT_TRUE(md.normalize);
  EXPECT_EQ(md.max_length, 256);
  EXPECT_EQ(md.embedding_error, "");
}

TEST(HfMetadata, UnsupportedModulesAreRecorded) {
  const fs::path dir = copy_hf_fixture("bert", "st_layer_norm");
  write_json(dir / "modules.json",
             modules({{"", "Transformer"}, {"1_Pooling", "Pooling"}, {"2_LayerNorm", "LayerNorm"}}));
  write_json(dir / "1_Pooling" / "config.json", {{"pooling_mode_weightedmean_tokens", true}});
  const auto md = info_of(dir);
  EXPECT_NE(md.embedding_error.find("module 'sentence_transformers.models.LayerNorm' (2_LayerNorm) is "
                                    "not supported; bertc runs Transformer, Pooling, Dense and Normalize"),
            std::string::npos)
      << md.embedding_error;

  write_json(dir / "modules.json", modules({{"", "Transformer"}, {"1_Pooling", "Pooling"}}));
  EXPECT_EQ(info_of(dir).embedding_error, "");  // weightedmean and lasttoken pool too
  EXPECT_EQ(info_of(dir).pooling, (std::vector<std::string>{"weightedmean"}));
}

TEST(HfMetadata, OldSentenceTransformersLayout) {
  // The HF model in 0_Transformer/, modules.json and pooling at the top.
  const fs::path top = testing::temp_path("hf_st_old");
  fs::remove_all(top);
  fs::create_directories(top);
  fs::rename(copy_hf_fixture("bert", "st_old_model"), top / "0_Transformer");
  write_text(top / "0_Transformer" / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
  write_json(top / "modules.json",
             modules({{"0_Transformer", "Transformer"}, {"1_Pooling", "Pooling"}}));
  write_json(top / "1_Pooling" / "config.json", {{"pooling_mode_cls_token", true}});
  const auto md = info_of(top);
  EXPECT_EQ(md.pooling, std::vector<std::string>{"cls"});
  EXPECT_EQ(md.tokenizer_files.count("vocab.txt"), 1u);
}

}  // namespace
}  // namespace bertc
