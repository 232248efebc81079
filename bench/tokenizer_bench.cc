// Tokenizer throughput (one core): tokens/s and bytes/s of bertc::Tokenizer on ordinary English
// text, on mixed-script text, and on a padded batch, with bert-base-uncased's vocabulary.
// The vocabulary is read from $BERTC_TOKENIZER (a tokenizer.json, vocab.txt or folder) or from
// ../shared/data/bert-base-uncased next to the repository.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bertc/error.h"
#include "bertc/tokenizer.h"

namespace {

namespace fs = std::filesystem;

fs::path data_dir() {
  if (const char* env = std::getenv("BERTC_TOKENIZER")) return env;
  return fs::path(__FILE__).parent_path().parent_path() / ".." / "shared" / "data" /
         "bert-base-uncased";
}

// nullopt (and the reason in `why`) when the files are missing.
std::optional<bertc::Tokenizer> load(const std::string& file, std::string& why) {
  fs::path p = data_dir();
  if (fs::is_directory(p)) p /= file;
  try {
    return bertc::Tokenizer::from_file(p);
  } catch (const bertc::Error& e) {
    why = e.what();
    return std::nullopt;
  }
}

const char* const kEnglish[] = {
    "The history of the city goes back more than two thousand years, to a small settlement on "
    "the northern bank of the river. Merchants arrived first, trading salt, wool and timber with "
    "the farmers of the valley, and by the twelfth century the town had a market charter, a stone "
    "bridge and a cathedral that took almost two hundred years to finish.",
    "When the railway reached the valley in 1847, everything changed. Factories were built along "
    "the canal, the population tripled in a single generation, and the old walls were pulled down "
    "to make room for wide avenues, parks and rows of brick houses for the workers' families.",
    "Today the city is best known for its university, its museums and its food. Visitors often "
    "spend a morning in the old quarter, where narrow streets open onto small squares, before "
    "taking the tram to the harbour to watch the ferries come and go in the afternoon light.",
    "Researchers at the university have studied how people choose where to live. They found that "
    "most families care less about the size of a house than about the time it takes to reach "
    "work, school and shops, and that a good bus service can matter as much as a new road.",
    "\"We didn't expect the results to be so clear,\" said one of the authors. \"People told us, "
    "again and again, that they would rather have a shorter commute than an extra bedroom.\" The "
    "study, published last year, has already been cited by planners in several other countries.",
    "In the evening the streets fill with students, tourists and office workers heading home. "
    "Cafés put tables out on the pavements, musicians play near the fountain, and the smell of "
    "bread from the bakeries drifts across the square until well after dark.",
};

std::string english_text() {
  std::string s;
  for (const char* p : kEnglish) {
    s += p;
    s += "\n\n";
  }
  return s;
}

void BM_EncodeEnglish(benchmark::State& state) {
  std::string why;
  auto tok = load("vocab.txt", why);
  if (!tok) {
    state.SkipWithError(why.c_str());
    return;
  }
  const std::string text = english_text();
  int64_t tokens = 0;
  for (auto _ : state) {
    bertc::Encoding e = tok->encode(text);
    tokens += static_cast<int64_t>(e.size());
    benchmark::DoNotOptimize(e.ids.data());
  }
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeEnglish);

// Sentence by sentence with bert-base-uncased's tokenizer.json (truncation and padding to 128).
void BM_EncodeBatchPadded(benchmark::State& state) {
  std::string why;
  auto tok = load("tokenizer.json", why);
  if (!tok) {
    state.SkipWithError(why.c_str());
    return;
  }
  std::vector<std::string> texts;
  for (int rep = 0; rep < 6; ++rep) {
    for (const char* p : kEnglish) texts.emplace_back(p);
  }
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

// Accents, CJK, Cyrillic, Arabic, emoji: the Unicode slow paths.
void BM_EncodeMultilingual(benchmark::State& state) {
  std::string why;
  auto tok = load("vocab.txt", why);
  if (!tok) {
    state.SkipWithError(why.c_str());
    return;
  }
  std::string text;
  for (int i = 0; i < 8; ++i) {
    text +=
        "Élève à l'école, naïve façade — Straße über Öl. Москва, Ёлка. 東京タワーに行きました。"
        "我爱北京天安门。 안녕하세요 세계! مرحبا بالعالم، Ελληνικά: Άλφα 😀👍🏽 “quotes” "
        "… ";
  }
  int64_t tokens = 0;
  for (auto _ : state) {
    bertc::Encoding e = tok->encode(text);
    tokens += static_cast<int64_t>(e.size());
    benchmark::DoNotOptimize(e.ids.data());
  }
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeMultilingual);

void BM_LoadTokenizerJson(benchmark::State& state) {
  std::string why;
  for (auto _ : state) {
    auto tok = load("tokenizer.json", why);
    if (!tok) {
      state.SkipWithError(why.c_str());
      return;
    }
    benchmark::DoNotOptimize(tok->vocab_size());
  }
}
BENCHMARK(BM_LoadTokenizerJson)->Unit(benchmark::kMillisecond);

void BM_LoadVocabTxt(benchmark::State& state) {
  std::string why;
  for (auto _ : state) {
    auto tok = load("vocab.txt", why);
    if (!tok) {
      state.SkipWithError(why.c_str());
      return;
    }
    benchmark::DoNotOptimize(tok->vocab_size());
  }
}
BENCHMARK(BM_LoadVocabTxt)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
