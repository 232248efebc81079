// XLM-R's 250k-token embedding table (768 MB at hidden 768) must stay in the bundle's file
// mapping, never copied: the RoBERTa fixture with a 200,000-token table (38 MB) is compiled by
// the bertc command, then loading the bundle and running a batch whose ids reach the table's end
// adds far less anonymous memory than the table (its pages are the file's, shared and evictable).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "../common/run_cli.h"
#include "bertc/session.h"
#include "hf_test_util.h"

namespace bertc {
namespace {

using testing::copy_hf_fixture;
namespace fs = std::filesystem;

// This process's anonymous resident memory (/proc/self/status RssAnon), in KiB.
long rss_anon_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  }
  return -1;
}

TEST(LargeVocabulary, EmbeddingTableStaysMapped) {
  const int64_t vocab = 200000, hidden = 48;
  const fs::path dir = copy_hf_fixture("roberta", "large_vocab");
  auto tensors = testing::read_safetensors(dir / "model.safetensors");
  Tensor table = Tensor::empty(DType::kF32, {vocab, hidden});
  for (int64_t i = 0; i < vocab * hidden; ++i) table.data<float>()[i] = static_cast<float>(std::sin(0.001 * i));
  tensors["embeddings.word_embeddings.weight"] = std::move(table);
  testing::write_safetensors(dir / "model.safetensors", tensors);
  nlohmann::json config = testing::read_json(dir / "config.json");
  config["vocab_size"] = vocab;
  testing::write_json(dir / "config.json", config);
  const std::string bundle = testing::temp_path("large_vocab.bertc");
  const testing::CliResult compiled = testing::bertc_cli({"compile", dir.string(), "-o", bundle});
  ASSERT_EQ(compiled.rc, 0) << compiled.err;

  const long before = rss_anon_kib();
  ASSERT_GT(before, 0);
  Session session = Session::load(bundle, {.num_threads = 1});
  std::vector<int64_t> ids = {0, 5, vocab - 1, vocab / 2, 7, 2}, mask(ids.size(), 1);
  const auto n = static_cast<int64_t>(ids.size());
  const auto outputs = session.run({{"input_ids", Tensor::from_vector<int64_t>(ids, {1, n})},
                                    {"attention_mask", Tensor::from_vector<int64_t>(mask, {1, n})}});
  ASSERT_FALSE(outputs.empty());
  const long added = rss_anon_kib() - before;
  const long table_kib = static_cast<long>(vocab * hidden * 4 / 1024);  // 37,500 KiB
  EXPECT_LT(added, table_kib / 4) << "anonymous memory grew by " << added << " KiB: the table was copied";
  RecordProperty("anonymous_kib_added", static_cast<int>(added));
}

}  // namespace
}  // namespace bertc
