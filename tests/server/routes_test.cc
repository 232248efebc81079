// Every route of bertc serve against Pipeline's results on the same model, for an embedder, a
// classifier and a cross-encoder, over loopback.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <boost/beast/core/detail/base64.hpp>

#include "../pipeline/text_fixtures.h"
#include "http_client.h"

namespace bertc::testing {
namespace {

using nlohmann::json;

std::vector<float> floats(const json& j) { return j.get<std::vector<float>>(); }

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(ServeRoutes, EmbedderMatchesPipeline) {
  Pipeline pipeline = Pipeline::load(embedder_folder());
  TestServer ts(&pipeline);
  HttpClient client(ts.port);
  const std::vector<std::string> texts = {"Hello world", "A second, longer sentence to embed.", "x"};

  const std::vector<std::vector<float>> raw = pipeline.embed(pipeline.encode(
      std::vector<EncodeInput>(texts.begin(), texts.end())), false);
  const std::vector<std::vector<float>> unit = pipeline.embed(pipeline.encode(
      std::vector<EncodeInput>(texts.begin(), texts.end())), true);

  HttpReply r = client.post("/embed", json{{"inputs", texts}}.dump());  // normalize defaults to true
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json().size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_LT(max_abs_diff(floats(r.json()[i]), unit[i]), 1e-6) << i;
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  EXPECT_FALSE(r.headers["x-compute-tokens"].empty());

  r = client.post("/embed", json{{"inputs", texts[1]}, {"normalize", false}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json().size(), 1u);  // a bare string still gets a list of vectors
  EXPECT_LT(max_abs_diff(floats(r.json()[0]), raw[1]), 1e-6);

  // OpenAI's format: float and base64 (little-endian float32), with usage.
  r = client.post("/v1/embeddings", json{{"input", texts}, {"model", "my-model"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.json();
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["model"], "my-model");
  ASSERT_EQ(j["data"].size(), texts.size());
  size_t tokens = 0;
  for (const Encoding& e : pipeline.encode(std::vector<EncodeInput>(texts.begin(), texts.end()))) tokens += e.size();
  EXPECT_EQ(j["usage"]["prompt_tokens"], tokens);
  EXPECT_EQ(j["usage"]["total_tokens"], tokens);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(j["data"][i]["object"], "embedding");
    EXPECT_EQ(j["data"][i]["index"], i);
    EXPECT_LT(max_abs_diff(floats(j["data"][i]["embedding"]), unit[i]), 1e-6);
  }
  r = client.post("/v1/embeddings", json{{"input", texts[0]}, {"encoding_format", "base64"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string b64 = r.json()["data"][0]["embedding"];
  std::string bytes(boost::beast::detail::base64::decoded_size(b64.size()), '\0');
  bytes.resize(boost::beast::detail::base64::decode(bytes.data(), b64.data(), b64.size()).first);
  ASSERT_EQ(bytes.size(), unit[0].size() * sizeof(float));
  std::vector<float> decoded(unit[0].size());
  std::memcpy(decoded.data(), bytes.data(), bytes.size());
  EXPECT_EQ(decoded, unit[0]);  // base64 carries the exact floats

  // /tokenize: the tokenizer's ids and tokens, special tokens marked.
  r = client.post("/tokenize", json{{"inputs", {"Hello, world!", "x"}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  TokenizerOptions plain = pipeline.tokenizer().options();  // the file pads to 128: not /tokenize
  plain.padding.reset();
  plain.truncation.reset();
  const Encoding e = pipeline.tokenizer().encode("Hello, world!", std::nullopt, plain);
  ASSERT_EQ(r.json().size(), 2u);
  ASSERT_EQ(r.json()[0].size(), e.size());
  // As TEI: text tokens carry the input's bytes and their byte offsets, special ones null.
  const std::vector<std::tuple<std::string, int, int>> expected = {
      {"[CLS]", -1, -1}, {"Hello", 0, 5}, {",", 5, 6}, {"world", 7, 12}, {"!", 12, 13}, {"[SEP]", -1, -1}};
  const json tokenized = r.json();
  for (size_t t = 0; t < e.size(); ++t) {
    const json& tok = tokenized[0][t];
    EXPECT_EQ(tok["id"], e.ids[t]);
    EXPECT_EQ(tok["text"], std::get<0>(expected[t]));
    EXPECT_EQ(tok["special"], std::get<1>(expected[t]) < 0);
    if (std::get<1>(expected[t]) < 0) {
      EXPECT_TRUE(tok["start"].is_null() && tok["stop"].is_null());
    } else {
      EXPECT_EQ(tok["start"], std::get<1>(expected[t]));
      EXPECT_EQ(tok["stop"], std::get<2>(expected[t]));
    }
  }
  r = client.post("/tokenize", json{{"inputs", "Hello"}, {"add_special_tokens", false}}.dump());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()[0].size(), 1u);

  // /decode: ids back to text through the tokenizer's decoder, as TEI (a list of strings, special
  // tokens skipped unless asked for).
  r = client.post("/decode", json{{"ids", e.ids}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::array({pipeline.tokenizer().decode(e.ids, true)}));
  EXPECT_EQ(r.json()[0], "hello, world!");
  r = client.post("/decode", json{{"ids", {e.ids, std::vector<int64_t>{}}}, {"skip_special_tokens", false}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::array({pipeline.tokenizer().decode(e.ids), ""}));

  // /info and /health.
  r = client.get("/info");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["model_type"]["embedding"]["pooling"], "mean");
  EXPECT_EQ(r.json()["max_input_length"], pipeline.max_length());
  EXPECT_EQ(client.get("/health").status, 200);

  // Routes a model of this task does not serve: 424 naming what it is.
  r = client.post("/predict", json{{"inputs", "x"}}.dump());
  EXPECT_EQ(r.status, 424);
  EXPECT_NE(r.json()["error"].get<std::string>().find("embedding model"), std::string::npos);
  EXPECT_EQ(client.post("/rerank", json{{"query", "q"}, {"texts", {"a"}}}.dump()).status, 424);
}

// The embedder with prompts (config_sentence_transformers.json) and, with `exclude`, a
// Pooling that leaves the prompt's tokens out (include_prompt false, default prompt "query").
std::string prompted_embedder(bool exclude) {
  namespace fs = std::filesystem;
  const fs::path dir = temp_path(exclude ? "prompted_embedder_exclude" : "prompted_embedder");
  fs::remove_all(dir);
  fs::copy(embedder_folder(), dir, fs::copy_options::recursive);
  std::ofstream(dir / "config_sentence_transformers.json")
      << json{{"prompts", {{"query", "query: "}, {"passage", "passage: "}}},
              {"default_prompt_name", exclude ? json("query") : json(nullptr)}}.dump();
  if (exclude) {
    std::ifstream in(dir / "1_Pooling" / "config.json");
    json pooling = json::parse(in);
    in.close();
    pooling["include_prompt"] = false;
    std::ofstream(dir / "1_Pooling" / "config.json") << pooling.dump();
  }
  return dir.string();
}

TEST(ServeRoutes, PromptNameAsPipeline) {
  Pipeline pipeline = Pipeline::load(prompted_embedder(false));
  TestServer ts(&pipeline);
  HttpClient client(ts.port);
  const std::vector<EncodeInput> texts = {"Hello world", "x"};
  for (const char* name : {"query", "passage", ""}) {  // "": no prompt, as unset here
    const auto want = pipeline.embed(texts, std::string(name), true);
    HttpReply r = client.post("/embed", json{{"inputs", {"Hello world", "x"}}, {"prompt_name", name}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    for (size_t i = 0; i < texts.size(); ++i) EXPECT_LT(max_abs_diff(floats(r.json()[i]), want[i]), 1e-6) << name;
  }
  // /tokenize puts the prompt before the text; offsets count in the prompted text.
  HttpReply r = client.post("/tokenize", json{{"inputs", "Hello"}, {"prompt_name", "query"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  TokenizerOptions plain = pipeline.tokenizer().options();
  plain.padding.reset();
  const Encoding e = pipeline.tokenizer().encode("query: Hello", std::nullopt, plain);
  ASSERT_EQ(r.json()[0].size(), e.size());
  for (size_t t = 0; t < e.size(); ++t) EXPECT_EQ(r.json()[0][t]["id"], e.ids[t]) << t;

  r = client.post("/embed", json{{"inputs", "x"}, {"prompt_name", "document"}}.dump());
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("'document' is not one of the model's prompts (passage, query)"), std::string::npos) << r.body;
  r = client.post("/v1/embeddings", json{{"input", "x"}, {"prompt_name", "query"}}.dump());
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("applies to /embed and /tokenize, not /v1/embeddings"), std::string::npos) << r.body;
}

TEST(ServeRoutes, PromptNameWithPromptLeftOutOfThePooling) {
  Pipeline pipeline = Pipeline::load(prompted_embedder(true));
  TestServer ts(&pipeline);
  HttpClient client(ts.port);
  const std::vector<EncodeInput> texts = {"Hello world"};
  const auto want = pipeline.embed(texts, std::string("query"), true);  // pools without "query: "
  HttpReply r = client.post("/embed", json{{"inputs", "Hello world"}, {"prompt_name", "query"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_LT(max_abs_diff(floats(r.json()[0]), want[0]), 1e-6);
  r = client.post("/embed", json{{"inputs", "Hello world"}, {"prompt_name", "passage"}}.dump());
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("include_prompt false"), std::string::npos) << r.body;
}

TEST(ServeRoutes, ClassifierMatchesPipeline) {
  Pipeline pipeline = Pipeline::load(classifier_folder());
  TestServer ts(&pipeline);
  HttpClient client(ts.port);
  const std::vector<EncodeInput> inputs = {EncodeInput("I loved it"),
                                           EncodeInput("The plot", std::string_view("was thin")),
                                           EncodeInput("Meh.")};
  const std::vector<Classification> expected = pipeline.classify(inputs);
  const std::vector<std::string>& labels = pipeline.labels();

  auto check = [&](const json& predictions, const Classification& c, bool raw) {
    const std::vector<float>& scores = raw ? c.logits : c.probabilities;
    ASSERT_EQ(predictions.size(), labels.size());
    float previous = INFINITY;
    for (const json& p : predictions) {
      const size_t k = std::find(labels.begin(), labels.end(), p["label"].get<std::string>()) - labels.begin();
      ASSERT_LT(k, labels.size());
      EXPECT_NEAR(p["score"].get<float>(), scores[k], 1e-6);
      EXPECT_LE(p["score"].get<float>(), previous);  // best first
      previous = p["score"].get<float>();
    }
  };
  HttpReply r = client.post("/predict", json{{"inputs", "I loved it"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  check(r.json(), expected[0], false);  // a bare input: a bare list of predictions
  r = client.post("/predict", json{{"inputs", {"The plot", "was thin"}}, {"raw_scores", true}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  check(r.json(), expected[1], true);  // [text, pair]
  r = client.post("/predict", json{{"inputs", {{"I loved it"}, {"The plot", "was thin"}, {"Meh."}}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json().size(), 3u);
  for (size_t i = 0; i < 3; ++i) check(r.json()[i], expected[i], false);

  r = client.get("/info");
  EXPECT_EQ(r.json()["model_type"]["classifier"]["id2label"]["0"], labels[0]);
  r = client.post("/embed", json{{"inputs", "x"}}.dump());
  EXPECT_EQ(r.status, 424);
  r = client.post("/rerank", json{{"query", "q"}, {"texts", {"a"}}}.dump());
  EXPECT_EQ(r.status, 424);  // three labels: not a cross-encoder
  EXPECT_NE(r.json()["error"].get<std::string>().find("has 3"), std::string::npos);
}

TEST(ServeRoutes, CrossEncoderRerankMatchesPipeline) {
  Pipeline pipeline = Pipeline::load(cross_encoder_folder());
  ASSERT_EQ(pipeline.labels().size(), 1u);
  TestServer ts(&pipeline);
  HttpClient client(ts.port);
  const std::string query = "What is deep learning?";
  const std::vector<std::string> texts = {"Deep learning is a kind of machine learning.",
                                          "The weather is nice.", "Neural networks with many layers.",
                                          "Bananas"};
  std::vector<EncodeInput> pairs;
  for (const std::string& t : texts) pairs.emplace_back(query, std::string_view(t));
  const std::vector<Classification> expected = pipeline.classify(pairs);

  for (bool raw : {false, true}) {
    HttpReply r = client.post("/rerank", json{{"query", query}, {"texts", texts}, {"raw_scores", raw},
                                              {"return_text", true}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json().size(), texts.size());
    float previous = INFINITY;
    std::vector<bool> seen(texts.size());
    for (const json& rank : r.json()) {
      const size_t i = rank["index"];
      ASSERT_LT(i, texts.size());
      seen[i] = true;
      const float logit = expected[i].logits[0];
      EXPECT_NEAR(rank["score"].get<float>(), raw ? logit : sigmoid(logit), 1e-6);
      EXPECT_EQ(rank["text"], texts[i]);
      EXPECT_LE(rank["score"].get<float>(), previous);
      previous = rank["score"];
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), true), static_cast<long>(texts.size()));
  }
  HttpReply r = client.post("/rerank", json{{"query", query}, {"texts", texts}}.dump());
  EXPECT_FALSE(r.json()[0].contains("text"));
  r = client.get("/info");
  EXPECT_TRUE(r.json()["model_type"].contains("reranker"));
}

}  // namespace
}  // namespace bertc::testing
