// Tokenizer throughput (one core): tokens/s and bytes/s of bertc::Tokenizer on English text and on
// mixed-script text (the sets tools/tokenizer_oracle/speed.mjs times transformers.js on), for each
// kind of tokenizer — WordPiece (bert-base-uncased), byte-level BPE (roberta-base) and Unigram
// (t5-small) — with their real tokenizer.json files from ../shared/data next to the repository (or
// $BERTC_SHARED_DATA); plus a padded batch and loading.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bertc/error.h"
#include "bertc/tokenizer.h"

namespace {

namespace fs = std::filesystem;

fs::path data_dir() {
  if (const char* env = std::getenv("BERTC_SHARED_DATA")) return env;
  return fs::path(__FILE__).parent_path().parent_path() / ".." / "shared" / "data";
}

// nullopt (and the reason in `why`) when the files are missing.
std::optional<bertc::Tokenizer> load(const std::string& file, std::string& why) {
  try {
    bertc::Tokenizer tok = bertc::Tokenizer::from_file(data_dir() / file);
    tok.set_truncation(std::nullopt);
    tok.set_padding(std::nullopt);
    return tok;
  } catch (const bertc::Error& e) {
    why = e.what();
    return std::nullopt;
  }
}

// English: every non-empty line of the repository's README.md and docs/DESIGN.md (about 10,000
// distinct words), each encoded on its own, as a server sees texts.
std::vector<std::string> english_lines() {
  std::vector<std::string> lines;
  const fs::path repo = fs::path(__FILE__).parent_path().parent_path();
  for (const char* doc : {"README.md", "docs/DESIGN.md"}) {
    std::ifstream in(repo / doc);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  return lines;
}

// Mixed scripts: the texts (and pair texts) of tests/fixtures/tokenizer/corpus.jsonl that hold a
// non-ASCII character, repeated in order to at least 200 KB (the set
// tools/tokenizer_oracle/speed.mjs times transformers.js on).
std::vector<std::string> multilingual_texts() {
  std::vector<std::string> base;
  std::ifstream in(fs::path(__FILE__).parent_path().parent_path() / "tests" / "fixtures" /
                   "tokenizer" / "corpus.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json c = nlohmann::json::parse(line);
    for (const auto& input : c["inputs"]) {
      for (const char* key : {"text", "pair"}) {
        if (!input.contains(key)) continue;
        const std::string t = input[key];
        if (std::any_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
          base.push_back(t);
        }
      }
    }
  }
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  for (std::size_t i = 0; !base.empty() && bytes < 200000; ++i) {
    texts.push_back(base[i % base.size()]);
    bytes += texts.back().size();
  }
  return texts;
}

// One encode() of each text per iteration.
void encode_texts(benchmark::State& state, const std::string& file,
                  const std::vector<std::string>& texts) {
  std::string why;
  auto tok = load(file, why);
  if (!tok) {
    state.SkipWithError(why.c_str());
    return;
  }
  int64_t tokens = 0, bytes = 0;
  for (auto _ : state) {
    for (const std::string& text : texts) {
      bertc::Encoding e = tok->encode(text);
      tokens += static_cast<int64_t>(e.size());
      bytes += static_cast<int64_t>(text.size());
      benchmark::DoNotOptimize(e.ids.data());
    }
  }
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(bytes);
}

void BM_EncodeEnglish(benchmark::State& state, const char* file) {
  encode_texts(state, file, english_lines());
}
void BM_EncodeMultilingual(benchmark::State& state, const char* file) {
  encode_texts(state, file, multilingual_texts());
}
BENCHMARK_CAPTURE(BM_EncodeEnglish, wordpiece, "bert-base-uncased/tokenizer.json");
BENCHMARK_CAPTURE(BM_EncodeEnglish, wordpiece_vocab_txt, "bert-base-uncased/vocab.txt");
BENCHMARK_CAPTURE(BM_EncodeEnglish, bpe, "roberta-base/tokenizer.json");
BENCHMARK_CAPTURE(BM_EncodeEnglish, unigram, "t5-small/tokenizer.json");
BENCHMARK_CAPTURE(BM_EncodeMultilingual, wordpiece, "bert-base-uncased/tokenizer.json");
BENCHMARK_CAPTURE(BM_EncodeMultilingual, bpe, "roberta-base/tokenizer.json");
BENCHMARK_CAPTURE(BM_EncodeMultilingual, unigram, "t5-small/tokenizer.json");

// Sentence by sentence with bert-base-uncased's tokenizer.json (truncation and padding to 128).
void BM_EncodeBatchPadded(benchmark::State& state) {
  std::string why;
  auto tok = load("bert-base-uncased/tokenizer.json", why);
  if (!tok) {
    state.SkipWithError(why.c_str());
    return;
  }
  bertc::TruncationOptions t;
  t.max_length = 128;
  tok->set_truncation(t);
  bertc::PaddingOptions p;
  p.strategy = bertc::PaddingStrategy::fixed;
  p.length = 128;
  tok->set_padding(p);
  const std::vector<std::string> texts = english_lines();
  int64_t tokens = 0, real = 0;
  for (auto _ : state) {
    std::vector<bertc::Encoding> out = tok->encode_batch(texts);
    for (const bertc::Encoding& e : out) {
      tokens += static_cast<int64_t>(e.size());
      for (int64_t m : e.attention_mask) real += m;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(real), benchmark::Counter::kIsRate);
  state.counters["padded_tokens_per_s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeBatchPadded);

void BM_Load(benchmark::State& state, const char* file) {
  std::string why;
  for (auto _ : state) {
    auto tok = load(file, why);
    if (!tok) {
      state.SkipWithError(why.c_str());
      return;
    }
    benchmark::DoNotOptimize(tok->vocab_size());
  }
}
BENCHMARK_CAPTURE(BM_Load, wordpiece_tokenizer_json, "bert-base-uncased/tokenizer.json")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Load, wordpiece_vocab_txt, "bert-base-uncased/vocab.txt")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Load, bpe, "roberta-base/tokenizer.json")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Load, unigram, "t5-small/tokenizer.json")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
