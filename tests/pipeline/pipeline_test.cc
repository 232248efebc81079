// bertc::Pipeline on the text fixtures (tests/fixtures/hf_text/): the tokenizer gives Hugging
// Face's ids, classify() and embed() give PyTorch's logits, probabilities and pooled embeddings
// at -O0 and -O3, a batch with padding gives each text's own result, a compiled bundle carries
// its tokenizer, and a model bertc cannot tokenize for says so.
#include "bertc/pipeline.h"

#include <gtest/gtest.h>

#include "../common/ascii_text_model.h"
#include "../common/error_of.h"
#include "../common/temp_path.h"
#include "../e2e/fixtures.h"
#include "bertc/error.h"
#include "text_fixtures.h"

namespace bertc {
namespace {

using nlohmann::json;
using testing::assemble_text_model;
using testing::error_of;
using testing::max_abs_diff;
using testing::reference_inputs;
using testing::text_reference;
namespace fs = std::filesystem;

// -O3 turns fast math on (approximate erf / exp / tanh in the optimized kernels).
double tolerance(int opt_level) { return opt_level >= 3 ? 1e-3 : 1e-4; }

std::vector<float> floats(const json& j) { return j.get<std::vector<float>>(); }

PipelineOptions at_level(int opt_level) {
  PipelineOptions o;
  o.compile.opt_level = opt_level;
  o.session.num_threads = 2;
  return o;
}

TEST(PipelineText, TokenizerGivesHuggingFaceIds) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  // vocab.txt and tokenizer.json folders; mpnet: all-mpnet-base-v2's (RobertaProcessing);
  // roberta_cls: vocab.json + merges.txt; roberta: byte-level BPE tokenizer.json; unigram: t5's
  for (const char* name : {"bert_cls", "minilm", "mpnet", "roberta_cls", "roberta", "unigram"}) {
    const json ref = text_reference(name);
    Pipeline p = Pipeline::load(assemble_text_model(name).string(), at_level(0));
    const auto inputs = reference_inputs(ref);
    TokenizerOptions unpadded = p.tokenizer().options();  // tokenizer.json pads to 128
    unpadded.padding.reset();
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Encoding e = p.tokenizer().encode(inputs[i].text, inputs[i].pair, unpadded);
      EXPECT_EQ(e.ids, ref["cases"][i]["ids"].get<std::vector<int64_t>>()) << name << " " << i;
      EXPECT_EQ(e.type_ids, ref["cases"][i]["type_ids"].get<std::vector<int64_t>>());
    }
  }
}

class PipelineLevels : public ::testing::TestWithParam<int> {};

TEST_P(PipelineLevels, ClassifyMatchesPyTorch) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const int level = GetParam();
  for (const char* name : {"bert_cls", "roberta_cls"}) {
    const json ref = text_reference(name);
    Pipeline p = Pipeline::load(assemble_text_model(name).string(), at_level(level));
    EXPECT_EQ(p.task(), Task::classification);
    EXPECT_EQ(p.labels(), ref["labels"].get<std::vector<std::string>>());
    const auto results = p.classify(reference_inputs(ref));
    ASSERT_EQ(results.size(), ref["cases"].size());
    for (size_t i = 0; i < results.size(); ++i) {
      const json& c = ref["cases"][i];
      EXPECT_LE(max_abs_diff(results[i].logits, floats(c["logits"])), tolerance(level))
          << name << " " << c["id"];
      EXPECT_LE(max_abs_diff(results[i].probabilities, floats(c["probabilities"])), tolerance(level))
          << name << " " << c["id"];
    }
  }
}

TEST_P(PipelineLevels, EmbedMatchesPyTorch) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const int level = GetParam();
  // name, sentence_bert_config.json's max_seq_length
  for (const auto& [name, max_length] :
       {std::pair{"minilm", 256u}, std::pair{"mpnet", 384u}, std::pair{"roberta", 256u},
        std::pair{"unigram", 256u}}) {
    const json ref = text_reference(name);
    Pipeline p = Pipeline::load(assemble_text_model(name).string(), at_level(level));
    EXPECT_EQ(p.task(), Task::embedding);
    EXPECT_EQ(p.pooling(), ref["pooling"].get<std::vector<std::string>>());  // mean
    EXPECT_EQ(p.normalizes(), ref["normalize"].get<bool>());                 // modules.json: true
    EXPECT_EQ(p.max_length(), max_length);
    const auto results = p.embed(reference_inputs(ref));
    ASSERT_EQ(results.size(), ref["cases"].size());
    for (size_t i = 0; i < results.size(); ++i) {
      const json& c = ref["cases"][i];
      EXPECT_LE(max_abs_diff(results[i], floats(c["embedding"])), tolerance(level)) << name << " " << c["id"];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, PipelineLevels, ::testing::Values(0, 3), [](const auto& info) {
  std::string name = "O";  // (not "O" + ...: a GCC 12 -Wrestrict false positive)
  return name += std::to_string(info.param);
});

TEST(PipelineText, TokenBudgetBatchesGiveEachTextsOwnResult) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const json ref = text_reference("minilm");
  const auto inputs = reference_inputs(ref);
  PipelineOptions one = at_level(3);
  one.max_batch_tokens = 1;  // every text alone
  PipelineOptions three = at_level(3);
  three.max_batch_tokens = 40;
  std::vector<size_t> progress;
  three.progress = [&](size_t done, size_t total) {
    EXPECT_EQ(total, inputs.size());
    progress.push_back(done);
  };
  const fs::path dir = assemble_text_model("minilm");
  const auto alone = Pipeline::load(dir.string(), one).embed(inputs);
  const auto batched = Pipeline::load(dir.string(), three).embed(inputs);
  const auto all = Pipeline::load(dir.string(), at_level(3)).embed(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_LE(max_abs_diff(alone[i], batched[i]), 1e-5) << i;
    EXPECT_LE(max_abs_diff(alone[i], all[i]), 1e-5) << i;
  }
  ASSERT_GT(progress.size(), 1u);  // several batches, in order, ending with every text
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  EXPECT_EQ(progress.back(), inputs.size());
  EXPECT_TRUE(Pipeline::load(dir.string(), one).embed(std::vector<std::string>{}).empty());
}

TEST(PipelineText, TokenEmbeddingsAreWhatMeanPoolingAverages) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const json ref = text_reference("minilm");
  Pipeline p = Pipeline::load(assemble_text_model("minilm").string(), at_level(3));
  const auto encodings = p.encode(reference_inputs(ref));
  const auto tokens = p.token_embeddings(encodings);
  const auto pooled = p.embed(encodings, false);  // mean pooling, not normalized
  ASSERT_EQ(tokens.size(), encodings.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const auto hidden = static_cast<int64_t>(pooled[i].size());
    ASSERT_EQ(tokens[i].shape(), (Dims{static_cast<int64_t>(encodings[i].size()), hidden})) << i;
    std::vector<float> mean(pooled[i].size(), 0.0f);
    for (int64_t r = 0; r < tokens[i].dim(0); ++r) {
      for (int64_t h = 0; h < hidden; ++h) mean[h] += tokens[i].data<float>()[r * hidden + h] / tokens[i].dim(0);
    }
    EXPECT_LE(max_abs_diff(mean, pooled[i]), 1e-5) << i;
  }
}

// token_classify on the BertForTokenClassification and DebertaV2ForTokenClassification fixtures
// with the ASCII vocabulary: each entity is its token's softmax over the logits of the tensor
// path run on that text alone; the word strategies give whole words; the wrong task and a bad
// strategy name are errors.
class PipelineTokenClassify : public ::testing::TestWithParam<std::string> {};

TEST_P(PipelineTokenClassify, IsEachTokensSoftmax) {
  Pipeline p = Pipeline::load(testing::ascii_text_model(GetParam()).string(), at_level(0));
  ASSERT_EQ(p.task(), Task::token_classification);
  const size_t L = p.labels().size();
  ASSERT_GT(L, 2u);
  const std::vector<std::string> texts = {"hello world", "the deep learning text is a word",
                                          "Zebra 42 xyz", "a"};
  const auto entities = p.token_classify(texts, Aggregation::none);
  ASSERT_EQ(entities.size(), texts.size());
  size_t kept = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    TokenizerOptions o = p.tokenizer().options();
    o.padding.reset();
    o.return_offsets = true;
    const Encoding e = p.tokenizer().encode(texts[i], {}, o);
    const auto n = static_cast<int64_t>(e.size());
    std::vector<int64_t> ones(e.size(), 1);
    const std::map<std::string, Tensor> feeds = {
        {"input_ids", Tensor::from_vector<int64_t>(e.ids, {1, n})},
        {"attention_mask", Tensor::from_vector<int64_t>(ones, {1, n})},
        {"token_type_ids", Tensor::from_vector<int64_t>(e.type_ids, {1, n})}};
    const Tensor logits = p.session().run(feeds).at(0);  // [1, n, L]
    std::vector<Entity> want;
    for (size_t t = 0; t < e.size(); ++t) {
      if (e.special_tokens_mask[t]) continue;
      std::vector<float> z(logits.data<float>() + t * L, logits.data<float>() + (t + 1) * L);
      const float top = *std::max_element(z.begin(), z.end());
      double sum = 0;
      for (float v : z) sum += std::exp(v - top);
      const size_t k = static_cast<size_t>(std::max_element(z.begin(), z.end()) - z.begin());
      if (p.labels()[k] == "O") continue;
      Entity w;
      w.label = p.labels()[k];
      w.score = static_cast<float>(1.0 / sum);
      w.word = p.tokenizer().id_to_token(e.ids[t]);
      w.start = e.offsets[t].first;  // ASCII: bytes are characters
      w.end = e.offsets[t].second;
      w.index = t;
      want.push_back(w);
    }
    ASSERT_EQ(entities[i].size(), want.size()) << texts[i];
    for (size_t k = 0; k < want.size(); ++k) {
      const Entity& got = entities[i][k];
      EXPECT_EQ(got.label, want[k].label);
      EXPECT_NEAR(got.score, want[k].score, 1e-5);
      EXPECT_EQ(got.word, want[k].word);
      EXPECT_EQ(got.index, want[k].index);
      EXPECT_EQ(got.start, want[k].start);
      EXPECT_EQ(got.end, want[k].end);
    }
    kept += want.size();
  }
  EXPECT_GT(kept, 0u);  // the random weights do label some tokens
  for (Aggregation a : {Aggregation::first, Aggregation::average, Aggregation::max}) {
    const auto words = p.token_classify(texts, a);
    for (size_t i = 0; i < texts.size(); ++i) {
      for (const Entity& e : words[i]) {  // whole words: bounded by spaces or the text's ends
        EXPECT_TRUE(e.start == 0 || texts[i][e.start - 1] == ' ') << texts[i] << " " << e.word;
        EXPECT_TRUE(e.end == texts[i].size() || texts[i][e.end] == ' ')
            << texts[i] << " " << e.word;
        EXPECT_FALSE(e.index);
      }
    }
  }
  EXPECT_HAS(error_of([&] { p.embed(std::vector<std::string>{"x"}); }), "is a token classifier");
  EXPECT_HAS(error_of([] { aggregation_from_name("mean"); }), "none, simple, first, average, max");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PipelineTokenClassify, ::testing::Values("bert_tok", "deberta_tok"));

// rerank: the cross-encoder's sigmoid of each (query, document) pair, best first, as classify()
// scores the same pairs; top_k cuts; a model that is not a one-label classifier is refused.
TEST(PipelineText, RerankSortsTheCrossEncodersScores) {
  Pipeline p = Pipeline::load(testing::ascii_cross_encoder().string(), at_level(0));
  const std::string query = "deep learning";
  const std::vector<std::string> docs = {"hello world", "the deep learning text", "a", "word of the world",
                                         "text text text"};
  std::vector<EncodeInput> pairs;
  for (const std::string& d : docs) pairs.emplace_back(query, std::string_view(d));
  const auto scored = p.classify(pairs);
  const auto ranked = p.rerank(query, docs);
  ASSERT_EQ(ranked.size(), docs.size());
  std::vector<bool> seen(docs.size());
  for (size_t k = 0; k < ranked.size(); ++k) {
    EXPECT_NEAR(ranked[k].score, scored[ranked[k].index].probabilities[0], 1e-6);
    if (k) EXPECT_GE(ranked[k - 1].score, ranked[k].score);
    seen[ranked[k].index] = true;
  }
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](bool b) { return b; }));
  const auto top2 = p.rerank(query, docs, 2);
  ASSERT_EQ(top2.size(), 2u);
  EXPECT_EQ(top2[0].index, ranked[0].index);
  EXPECT_TRUE(p.rerank(query, {}).empty());
  Pipeline three_labels = Pipeline::load(testing::ascii_text_model("bert_cls").string(), at_level(0));
  EXPECT_HAS(error_of([&] { three_labels.rerank(query, docs); }), "one-label cross-encoder; this classifier has 3 labels");
  // Ties keep input order.
  const auto tied = rank_by_score(std::vector<float>{0.5f, 0.9f, 0.5f, 0.9f});
  EXPECT_EQ(tied[0].index, 1u);
  EXPECT_EQ(tied[1].index, 3u);
  EXPECT_EQ(tied[2].index, 0u);
  EXPECT_EQ(tied[3].index, 2u);
}

// Prompts of config_sentence_transformers.json: a named prompt is the text put before each
// input; the default applies when none is named ("" for none); include_prompt false leaves the
// prompt's tokens ([CLS] and the prompt's, as sentence-transformers counts them) out of the mean.
TEST(PipelineText, PromptsGoBeforeEachText) {
  const fs::path dir = testing::temp_path("prompted_embedder");
  fs::remove_all(dir);
  fs::copy(testing::ascii_text_model("bert"), dir, fs::copy_options::recursive);
  fs::copy(fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures" / "text_models" / "mean_pooling", dir,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  auto write = [&](const json& j) { std::ofstream(dir / "config_sentence_transformers.json") << j.dump(); };
  write({{"prompts", {{"query", "query: "}, {"passage", "passage: "}}}, {"default_prompt_name", nullptr}});
  Pipeline p = Pipeline::load(dir.string(), at_level(0));
  EXPECT_EQ(p.prompts().size(), 2u);
  const std::vector<EncodeInput> in = {EncodeInput("hello world"), EncodeInput("a text")};
  const std::vector<EncodeInput> spelled = {EncodeInput("query: hello world"), EncodeInput("query: a text")};
  const auto named = p.embed(in, std::string("query"));
  const auto by_hand = p.embed(spelled, std::string(""));
  for (size_t i = 0; i < in.size(); ++i) EXPECT_LE(max_abs_diff(named[i], by_hand[i]), 1e-6);
  EXPECT_GT(max_abs_diff(p.embed(in)[0], named[0]), 1e-3);  // no default: no prompt
  EXPECT_HAS(error_of([&] { p.embed(in, std::string("doc")); }), "no prompt named 'doc' (its prompts: passage, query)");

  write({{"prompts", {{"query", "query: "}}}, {"default_prompt_name", "query"}});
  Pipeline with_default = Pipeline::load(dir.string(), at_level(0));
  EXPECT_LE(max_abs_diff(with_default.embed(in)[0], named[0]), 1e-6);
  EXPECT_LE(max_abs_diff(with_default.embed(with_default.encode(in))[1], named[1]), 1e-6);  // two steps too

  json pooling = json::parse(std::ifstream(dir / "1_Pooling" / "config.json"));
  pooling["include_prompt"] = false;
  std::ofstream(dir / "1_Pooling" / "config.json") << pooling.dump();
  Pipeline unpooled = Pipeline::load(dir.string(), at_level(0));
  const auto tokens = unpooled.token_embeddings(unpooled.encode(std::vector<EncodeInput>{in[0]}));
  const size_t skip = unpooled.tokenizer().encode("query: ").size() - 1;  // [CLS] q ##u ##e ##r ##y :
  const int64_t h = tokens[0].dim(1);
  std::vector<float> mean(static_cast<size_t>(h), 0.0f);
  for (int64_t r = static_cast<int64_t>(skip); r < tokens[0].dim(0); ++r) {
    for (int64_t k = 0; k < h; ++k) mean[k] += tokens[0].data<float>()[r * h + k] / (tokens[0].dim(0) - skip);
  }
  EXPECT_LE(max_abs_diff(unpooled.embed(std::vector<EncodeInput>{in[0]})[0], mean), 1e-5);

  write({{"prompts", {{"query", "query: "}}}, {"default_prompt_name", "passage"}});
  EXPECT_HAS(error_of([&] { Pipeline::load(dir.string(), at_level(0)); }), "default_prompt_name 'passage' is not one of its prompts");
  write({{"prompts", {{"query", 3}}}});
  EXPECT_HAS(error_of([&] { Pipeline::load(dir.string(), at_level(0)); }), "prompts['query'] must be a string");
}

TEST(PipelineText, NormalizeOptionOnAClsEncoder) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  // The MiniLM-shaped model without its sentence-transformers files: [CLS] pooling, as is.
  const fs::path dir = testing::temp_path("text_minilm_bare");
  fs::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json"}) {
    fs::copy_file(assemble_text_model("minilm") / f, dir / f, fs::copy_options::overwrite_existing);
  }
  Pipeline plain = Pipeline::load(dir.string(), at_level(0));
  EXPECT_EQ(plain.pooling(), std::vector<std::string>{"cls"});
  EXPECT_FALSE(plain.normalizes());
  PipelineOptions o = at_level(0);
  o.normalize = true;
  Pipeline normalized = Pipeline::load(dir.string(), o);
  const std::vector<float> a = plain.embed(std::vector<std::string>{"a short text"})[0];
  const std::vector<float> b = normalized.embed(std::vector<std::string>{"a short text"})[0];
  double norm = 0;
  for (float v : a) norm += static_cast<double>(v) * v;
  norm = std::sqrt(norm);
  ASSERT_EQ(a.size(), 12u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i] / norm, 1e-6);
}

TEST(PipelineText, BundleCarriesItsTokenizer) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  const json ref = text_reference("bert_cls");
  const fs::path dir = assemble_text_model("bert_cls", "_bundle");
  const std::string bundle = testing::temp_path("text_bert_cls.bertc");
  Model model = compile(dir.string(), {.opt_level = 3});
  EXPECT_EQ(model.info.tokenizer_files.count("vocab.txt"), 1u);
  save(model, bundle);
  fs::remove_all(dir);  // the bundle alone must be enough
  Pipeline p = Pipeline::load(bundle);
  EXPECT_EQ(p.labels(), ref["labels"].get<std::vector<std::string>>());
  const auto results = p.classify(reference_inputs(ref));
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_LE(max_abs_diff(results[i].probabilities, floats(ref["cases"][i]["probabilities"])),
              1e-3);
  }
}

TEST(PipelineText, WrongTaskIsAnError) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  Pipeline clf = Pipeline::load(assemble_text_model("bert_cls").string(), at_level(0));
  EXPECT_HAS(error_of([&] { clf.embed(std::vector<std::string>{"x"}); }), "is a classifier");
  Pipeline enc = Pipeline::load(assemble_text_model("minilm").string(), at_level(0));
  EXPECT_HAS(error_of([&] { enc.classify(std::vector<std::string>{"x"}); }), "is an encoder");
}

TEST(PipelineText, ATokenizerThatFailsToLoadFailsTheCompile) {
  const fs::path dir = testing::temp_path("pipeline_bad_tokenizer");
  fs::create_directories(dir);
  const fs::path src = testing::fixtures_dir() / "hf" / "bert";
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(src / f, dir / f, fs::copy_options::overwrite_existing);
  }
  std::ofstream(dir / "tokenizer.json") << R"({"normalizer": {"type": "Unicode"},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0}}})";
  // Refused when the folder is compiled, not embedded to fail at the first text.
  EXPECT_HAS(error_of([&] { Pipeline::load(dir.string(), at_level(0)); }),
             "pipeline_bad_tokenizer:tokenizer.json: normalizer: type 'Unicode' is not supported");
  // A byte-level BPE whose merges name a token the vocabulary lacks.
  fs::remove(dir / "tokenizer.json");
  std::ofstream(dir / "vocab.json") << R"({"<s>": 0, "<pad>": 1, "</s>": 2, "a": 3, "b": 4})";
  std::ofstream(dir / "merges.txt") << "#version: 0.2\na b\n";
  EXPECT_HAS(error_of([&] { Pipeline::load(dir.string(), at_level(0)); }),
             "merges.txt: model.merges[0] (\"a b\"): the merged token 'ab' is not in the vocabulary");
}

TEST(PipelineText, OnnxBundleHasNoTokenizer) {
  const auto onnx = testing::fixtures_dir() / "bert_cls_opset14" / "model.onnx";
  Pipeline p(compile(onnx.string(), {.opt_level = 0}), "bert_cls_opset14");
  EXPECT_EQ(p.task(), Task::classification);  // from its logits output
  EXPECT_EQ(p.labels(), (std::vector<std::string>{"LABEL_0", "LABEL_1", "LABEL_2"}));
  EXPECT_HAS(error_of([&] { p.classify(std::vector<std::string>{"x"}); }),
             "bert_cls_opset14: has no tokenizer");
}

}  // namespace
}  // namespace bertc
