// The command line on text: build/bertc run / compile / tokenize as a user calls them (a
// subprocess), on the text fixtures and on a RoBERTa folder whose tokenizer bertc lacks.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../common/ascii_text_model.h"
#include "../common/error_of.h"
#include "../common/run_cli.h"
#include "../e2e/fixtures.h"
#include "bertc/cpu.h"
#include "text_fixtures.h"

namespace bertc {
namespace {

using nlohmann::json;
using testing::assemble_text_model;
using testing::max_abs_diff;
using testing::text_reference;
using testing::bertc_cli;
using testing::CliResult;
using testing::read_all;
namespace fs = std::filesystem;

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

TEST(CliText, ClassifierJsonMatchesPyTorch) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const json ref = text_reference("bert_cls");
  const std::string dir = assemble_text_model("bert_cls").string();
  for (const char* level : {"0", "3"}) {
    std::vector<std::string> args = {"run", dir, "--json", "-O", level};
    std::vector<std::string> pairs = {"--text-pair"};
    for (const json& c : ref["cases"]) {
      if (c.contains("pair")) continue;
      args.push_back("--text");
      args.push_back(c["text"]);
    }
    const CliResult r = bertc_cli(args);
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto lines = json_lines(r.out);
    size_t k = 0;
    for (const json& c : ref["cases"]) {
      if (c.contains("pair")) continue;
      ASSERT_LT(k, lines.size());
      const json& got = lines[k++];
      EXPECT_EQ(got["text"], c["text"]);
      EXPECT_EQ(got["labels"], ref["labels"]);
      const double tol = level[0] == '0' ? 1e-4 : 1e-3;
      EXPECT_LE(max_abs_diff(got["logits"], c["logits"]), tol) << c["id"];
      EXPECT_LE(max_abs_diff(got["probabilities"], c["probabilities"]), tol) << c["id"];
    }
    EXPECT_EQ(k, lines.size());
  }
}

TEST(CliText, PairAndTable) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const json ref = text_reference("bert_cls");
  const json* pair = nullptr;
  for (const json& c : ref["cases"]) {
    if (c.contains("pair")) pair = &c;
  }
  ASSERT_NE(pair, nullptr);
  const std::string dir = assemble_text_model("bert_cls").string();
  CliResult r = bertc_cli(
      {"run", dir, "--text", (*pair)["text"], "--text-pair", (*pair)["pair"], "--json", "-O0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got["text_pair"], (*pair)["pair"]);
  EXPECT_LE(max_abs_diff(got["probabilities"], (*pair)["probabilities"]), 1e-4);

  r = bertc_cli({"run", dir, "--text", "I loved it"});  // the table: every label, best first
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.out, "\"I loved it\"\n");
  for (const json& label : ref["labels"]) EXPECT_HAS(r.out, "  " + label.get<std::string>());
  EXPECT_HAS(r.out, "(logit ");
}

TEST(CliText, EncoderFileInBatchesWithProgress) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const json ref = text_reference("minilm");
  const fs::path file = testing::temp_path("cli_texts.txt");
  std::vector<const json*> singles;
  {
    std::ofstream out(file, std::ios::binary);
    for (const json& c : ref["cases"]) {
      if (c.contains("pair")) continue;
      out << c["text"].get<std::string>() << "\r\n";  // CRLF lines are fine
      singles.push_back(&c);
    }
  }
  const std::string dir = assemble_text_model("minilm").string();
  const CliResult r = bertc_cli(
      {"run", dir, "--file", file.string(), "--json", "--max-batch-tokens", "40", "--progress", "-O3"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), singles.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["text"], (*singles[i])["text"]);
    EXPECT_LE(max_abs_diff(lines[i]["embedding"], (*singles[i])["embedding"]), 1e-3)
        << (*singles[i])["id"];
  }
  EXPECT_HAS(r.err, "4/6 texts");
  EXPECT_HAS(r.err, "6/6 texts");

  const CliResult table = bertc_cli({"run", dir, "--text", "Hello"});
  ASSERT_EQ(table.rc, 0) << table.err;
  EXPECT_HAS(table.out, "\"Hello\": 12 dims, mean pooling, L2-normalized\n");
}

TEST(CliText, CompiledBundleCarriesTheTokenizer) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const json ref = text_reference("bert_cls");
  const json& c = ref["cases"][0];
  const std::string bundle = testing::temp_path("cli_bert_cls.bertc");
  const std::string dir = assemble_text_model("bert_cls").string();
  CliResult r = bertc_cli({"compile", dir, "-o", bundle, "-O0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  r = bertc_cli({"run", bundle, "--text", c["text"], "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_LE(max_abs_diff(json::parse(r.out)["logits"], c["logits"]), 1e-4);

  for (const std::string& tokenizer : {dir, bundle}) {
    r = bertc_cli({"tokenize", tokenizer, "--text", c["text"], "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const json t = json::parse(r.out);
    EXPECT_EQ(t["ids"], c["ids"]);
    EXPECT_EQ(t["type_ids"], c["type_ids"]);
    EXPECT_EQ(t["attention_mask"], std::vector<int>(c["ids"].size(), 1));
    EXPECT_EQ(t["tokens"][0], "[CLS]");
  }
}

TEST(CliText, RobertaRunsFromTextAndTensors) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const fs::path dir = testing::assemble_text_model("roberta_cls");
  const json ref = testing::text_reference("roberta_cls");
  const json& c = ref["cases"][0];
  CliResult r = bertc_cli({"run", dir.string(), "--json", "-O0", "--text", c["text"].get<std::string>()});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  r = bertc_cli({"tokenize", dir.string(), "--json", "--text", c["text"].get<std::string>()});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["ids"], c["ids"]);

  const fs::path src = testing::fixtures_dir() / "hf" / "roberta";
  const fs::path in = src / "reference" / "inputs";
  const fs::path tensors = testing::temp_path("cli_roberta_tensors");
  fs::create_directories(tensors);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(src / f, tensors / f, fs::copy_options::overwrite_existing);
  }
  const std::string out = testing::temp_path("cli_roberta_out");
  r = bertc_cli({"run", tensors.string(), "--input", "input_ids=" + (in / "input_ids.npy").string(),
                 "--input", "attention_mask=" + (in / "attention_mask.npy").string(),
                 "--output-dir", out, "-O0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto want = testing::read_npy_dir(src / "reference" / "outputs");
  EXPECT_LE(
      testing::max_abs_diff(read_npy(out + "/last_hidden_state.npy"), want.at("last_hidden_state")),
      1e-4);
}

// A token classifier: entities as JSON with transformers' keys, per strategy; pairs refused.
TEST(CliText, TokenClassifierEntities) {
  const std::string dir = testing::ascii_text_model("bert_tok").string();
  const std::string text = "hello world the deep learning text";
  CliResult r = bertc_cli({"run", dir, "--json", "--text", text});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["text"], text);
  for (const json& e : lines[0]["entities"]) {
    for (const char* key : {"entity", "score", "index", "word", "start", "end"}) EXPECT_TRUE(e.contains(key)) << key;
    EXPECT_NE(e["entity"], "O");
  }
  r = bertc_cli({"run", dir, "--json", "--aggregation", "simple", "--text", text});
  ASSERT_EQ(r.rc, 0) << r.err;
  lines = json_lines(r.out);
  for (const json& e : lines[0]["entities"]) {
    for (const char* key : {"entity_group", "score", "word", "start", "end"}) EXPECT_TRUE(e.contains(key)) << key;
    EXPECT_FALSE(e.contains("index"));
    const std::string span = text.substr(e["start"].get<size_t>(), e["end"].get<size_t>() - e["start"].get<size_t>());
    EXPECT_EQ(e["word"], span);  // lower-case ASCII words: the group's word is its text
  }
  r = bertc_cli({"run", dir, "--text", "a", "--text-pair", "b"});
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(r.err.find("does not apply to a token classifier"), std::string::npos) << r.err;
  r = bertc_cli({"run", dir, "--aggregation", "mean", "--text", "a"});
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(r.err.find("aggregation"), std::string::npos) << r.err;
}

TEST(CliText, RerankPrintsDocumentsBestFirst) {
  const std::string dir = testing::ascii_cross_encoder().string();
  const CliResult r = bertc_cli({"rerank", dir, "--query", "deep learning", "--doc", "hello world", "--doc",
                                 "the deep learning text", "--doc", "a", "--json", "--top-k", "2"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_GE(lines[0]["score"].get<double>(), lines[1]["score"].get<double>());
  const std::vector<std::string> docs = {"hello world", "the deep learning text", "a"};
  for (const json& l : lines) EXPECT_EQ(l["text"], docs.at(l["index"].get<size_t>()));
  const CliResult none = bertc_cli({"rerank", dir, "--query", "q"});
  EXPECT_NE(none.rc, 0);
  EXPECT_NE(none.err.find("no documents"), std::string::npos) << none.err;
}

TEST(CliText, UsageErrors) {
  const std::string dir = (testing::fixtures_dir() / "hf" / "bert_cls").string();
  CliResult r = bertc_cli({"run", dir});
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.err, "nothing to run");
  r = bertc_cli({"run", dir, "--text", "a", "--input", "input_ids=x.npy"});
  EXPECT_HAS(r.err, "not both");
  r = bertc_cli({"run", dir, "--text", "a", "--text", "b", "--text-pair", "c"});
  EXPECT_HAS(r.err, "--text-pair given 1 times for 2 texts");
  r = bertc_cli({"run", dir, "--text", "a"});  // the fixture folder has no tokenizer files
  EXPECT_HAS(r.err, "no tokenizer files (tokenizer.json, vocab.txt or vocab.json + merges.txt)");
}

// The int8 accuracy gate from the command line: compile --calibration fails without writing the
// bundle when the drop passes --max-drop (default 1%; here: outlier channels left unhandled), writes it with
// its report otherwise; inspect shows the report and each layer's precision; verify --against
// compares two bundles.
TEST(CliInt8, AccuracyGate) {
  const std::string dir = testing::ascii_text_model("bert_outliers").string();
  const std::string texts = testing::temp_path("gate_texts.txt");
  {
    std::ofstream out(texts);
    for (int i = 0; i < 60; ++i) out << "hello world the text " << i % 7 << " is a deep learning word of " << i << "\n";
  }
  const std::string plain = testing::temp_path("gate_plain.bertc"), smooth = testing::temp_path("gate_smooth.bertc");
  fs::remove(plain);
  CliResult r = bertc_cli({"compile", dir, "-o", plain, "--precision", "int8", "--no-smooth", "--calibration", texts});
  EXPECT_NE(r.rc, 0);
  EXPECT_HAS(r.err, "int8 accuracy gate failed");
  EXPECT_HAS(r.err, "cosine similarity: mean");
  EXPECT_FALSE(fs::exists(plain));
  r = bertc_cli({"compile", dir, "-o", smooth, "--precision", "int8", "--calibration", texts});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.err, "passed");
  r = bertc_cli({"inspect", smooth, "--summary"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.out, "encoder.layer.0.attention.self.query/MatMul_qkv  int8 smoothed");
  EXPECT_HAS(r.out, "accuracy against the reference on 60 texts (embedding)");
  r = bertc_cli({"bench", smooth, "--seq", "8", "--runs", "1", "--warmup", "0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.out, "int8 runs on the " + (int8_kernel().empty() ? std::string("reference") : int8_kernel()) + " kernel");
  const std::string fp32 = testing::temp_path("gate_fp32.bertc");
  ASSERT_EQ(bertc_cli({"compile", dir, "-o", fp32}).rc, 0);
  r = bertc_cli({"verify", smooth, "--against", fp32, "--texts", texts, "--max-drop", "0.0005"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.out, "cosine similarity: mean");
  EXPECT_NE(bertc_cli({"verify", smooth, "--against", fp32}).rc, 0);  // no --texts
}

// A QDQ-quantized ONNX model compiles with its MatMuls on int8 (in an fp32 compile: the model
// says they are int8), `inspect` says so, and `verify` matches ONNX Runtime's outputs at -O1.
// --precision bf16 where it runs (avx512_bf16, or BERTC_ISA=ref as ctest's
// pipeline_bf16_reference runs this): the gate passes, inspect lists the bf16 layers and the
// report, bench names the kernel. Elsewhere: refused, naming what the CPU lacks, no bundle.
TEST(CliBf16, CompileGateInspectAndBench) {
  const std::string dir = testing::ascii_text_model("bert_outliers").string();
  const std::string texts = testing::temp_path("bf16_texts.txt"), bundle = testing::temp_path("gate_bf16.bertc");
  {
    std::ofstream out(texts);
    for (int i = 0; i < 20; ++i) out << "hello world the text " << i % 7 << " is a deep learning word of " << i << "\n";
  }
  fs::remove(bundle);
  CliResult r = bertc_cli({"compile", dir, "-o", bundle, "--precision", "bf16", "--calibration", texts});
  if (bf16_kernel().empty() && active_isa() != "ref") {
    EXPECT_NE(r.rc, 0);
    EXPECT_HAS(r.err, "avx512_bf16");
    EXPECT_HAS(r.err, "--precision fp32");
    EXPECT_FALSE(fs::exists(bundle));
    return;
  }
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.err, "comparing bf16 with fp32");
  EXPECT_HAS(r.err, "passed");
  r = bertc_cli({"inspect", bundle, "--summary"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.out, "encoder.layer.0.attention.self.query/MatMul_qkv  bf16");
  EXPECT_HAS(r.out, " bf16, 0 fp32");
  r = bertc_cli({"bench", bundle, "--seq", "8", "--runs", "1", "--warmup", "0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.out, bf16_kernel().empty() ? "bf16 on the reference kernel" : "bf16 on the avx512_bf16 kernel");
}

TEST(CliInt8, QdqOnnxModel) {
  const fs::path dir = testing::fixtures_dir() / "quantized" / "bert_qdq";
  const std::string bundle = testing::temp_path("qdq.bertc"), exact = testing::temp_path("qdq_o1.bertc");
  ASSERT_EQ(bertc_cli({"compile", (dir / "model.onnx").string(), "-o", bundle}).rc, 0);
  CliResult r = bertc_cli({"inspect", bundle, "--summary"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.out, "/encoder/layer.0/intermediate/dense/MatMul       int8");
  EXPECT_HAS(r.out, "/pooler/dense/Gemm                               fp32");
  ASSERT_EQ(bertc_cli({"compile", (dir / "model.onnx").string(), "-O1", "-o", exact}).rc, 0);
  r = bertc_cli({"verify", exact, "--inputs", (dir / "inputs").string(), "--expected", (dir / "outputs").string(),
                 "--tolerance", "1e-4"});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
}

}  // namespace
}  // namespace bertc
