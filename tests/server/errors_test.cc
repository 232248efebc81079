// bertc serve's error statuses, each with TEI's {"error", "error_type"} body: bad JSON, bad
// fields, limits, keys, readiness.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include "../pipeline/text_fixtures.h"
#include "http_client.h"

namespace bertc::testing {
namespace {

using nlohmann::json;

void expect_error(const HttpReply& r, int status, const std::string& type, const std::string& words = "") {
  EXPECT_EQ(r.status, status) << r.body;
  ASSERT_FALSE(r.body.empty());
  const json j = json::parse(r.body);
  EXPECT_EQ(j.value("error_type", ""), type) << r.body;
  if (!words.empty()) {
    EXPECT_NE(j.value("error", "").find(words), std::string::npos) << r.body;
  }
}

class ServeErrors : public ::testing::Test {
 protected:
  void SetUp() override {
      pipeline_ = std::make_unique<Pipeline>(Pipeline::load(embedder_folder()));
  }
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(ServeErrors, MalformedBodiesAre400) {
  TestServer ts(pipeline_.get());
  HttpClient client(ts.port);
  expect_error(client.post("/embed", "{\"inputs\": [\"a\""), 400, "malformed", "malformed JSON");
  expect_error(client.post("/embed", "[1, 2]"), 400, "malformed", "JSON object");
  expect_error(client.post("/embed", ""), 400, "malformed");
  // Nesting deeper than the limit is refused before it is built.
  expect_error(client.post("/embed", "{\"inputs\": " + std::string(10000, '[') + std::string(10000, ']') + "}"),
               400, "malformed", "nested deeper than 16");
  // Invalid UTF-8 inside a JSON string.
  expect_error(client.post("/embed", "{\"inputs\": \"caf\xC3\x28\"}"), 400, "malformed", "UTF-8");
  expect_error(client.post("/embed", R"({"inputs": []})"), 400, "empty", "cannot be empty");
  // A number too large for a double (found by fuzz_serve_request): malformed, not a 500.
  expect_error(client.post("/embed", R"({"inputs": "a", "x": 1e999999})"), 400, "malformed", "malformed JSON");
  expect_error(client.post("/rerank", R"({"query": "q", "texts": []})"), 400, "empty", "`texts`");
  // The connection survives all of it.
  EXPECT_EQ(client.post("/embed", R"({"inputs": "fine"})").status, 200);
}

TEST_F(ServeErrors, InvalidFieldsAre422) {
  TestServer ts(pipeline_.get());
  HttpClient client(ts.port);
  expect_error(client.post("/embed", R"({"input": "a"})"), 422, "validation", "`inputs` is missing");
  expect_error(client.post("/embed", R"({"inputs": 5})"), 422, "validation", "string or a list");
  expect_error(client.post("/embed", R"({"inputs": ["a", 7]})"), 422, "validation", "inputs[1]");
  expect_error(client.post("/embed", R"({"inputs": "a", "normalize": "yes"})"), 422, "validation", "normalize");
  expect_error(client.post("/v1/embeddings", R"({"input": "a", "encoding_format": "hex"})"), 422, "", "");
  const HttpReply r = client.post("/v1/embeddings", R"({"input": [[1, 2, 3]]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.json().value("type", ""), "validation");  // OpenAI's error shape on /v1
  EXPECT_EQ(r.json().value("code", 0), 422);
  // Too long without truncate: 422 naming the input and its length; with it, 200.
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "word ";
  expect_error(client.post("/embed", json{{"inputs", {"short", long_text}}}.dump()), 422, "validation",
               "`inputs[1]` must have less than");
  EXPECT_EQ(client.post("/embed", json{{"inputs", {"short", long_text}}, {"truncate", true}}.dump()).status, 200);
  // /decode: ids that are not token ids, or outside the vocabulary.
  expect_error(client.post("/decode", R"({"ids": [1, -2]})"), 422, "validation", "`ids[1]` must be a token id");
  expect_error(client.post("/decode", R"({"ids": [[1], "x"]})"), 422, "validation", "`ids[1]` must be a list");
  expect_error(client.post("/decode", R"({"ids": [[5, 99999999]]})"), 422, "validation",
               "`ids[0][1]`: token id 99999999 is outside the vocabulary");
  expect_error(client.post("/decode", R"({"ids": []})"), 400, "empty", "`ids` cannot be empty");
  expect_error(client.post("/decode", R"({"inputs": "a"})"), 422, "validation", "`ids` is missing");
}

TEST_F(ServeErrors, AutoTruncateCutsLongInputs) {
  TestServer ts(pipeline_.get(), ServeOptions{.auto_truncate = true});
  HttpClient client(ts.port);
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "word ";
  EXPECT_EQ(client.post("/embed", json{{"inputs", long_text}}.dump()).status, 200);
}

TEST_F(ServeErrors, TooManyInputsAndTooLargeBodiesAre413) {
  TestServer ts(pipeline_.get());
  HttpClient client(ts.port);
  const std::vector<std::string> many(10000, "a short text");
  expect_error(client.post("/embed", json{{"inputs", many}}.dump()), 413, "validation",
               "batch size 10000 > maximum allowed batch size 32");
  // A 10 MB body is refused while reading it, and the connection is closed.
  const std::string big = "{\"inputs\": \"" + std::string(10 << 20, 'a') + "\"}";
  expect_error(client.post("/embed", big), 413, "validation", "larger than the limit");
  HttpClient again(ts.port);
  EXPECT_EQ(again.get("/health").status, 200);
}

TEST_F(ServeErrors, TenThousandInputsRunWhenAllowed) {
  TestServer ts(pipeline_.get(), ServeOptions{.max_client_batch_size = 10000, .payload_limit = 8'000'000});
  HttpClient client(ts.port, std::chrono::seconds(120));
  std::vector<std::string> texts;
  for (int i = 0; i < 10000; ++i) texts.push_back("text number " + std::to_string(i) + (i % 7 ? " with more words" : ""));
  const HttpReply r = client.post("/embed", json{{"inputs", texts}}.dump());
  ASSERT_EQ(r.status, 200);
  const json j = r.json();
  ASSERT_EQ(j.size(), texts.size());
  for (int i : {0, 1, 4999, 9999}) {  // in input order
    const std::vector<std::vector<float>> one = pipeline_->embed(pipeline_->encode(std::vector<EncodeInput>{texts[i]}), true);
    EXPECT_LT(max_abs_diff(j[i].get<std::vector<float>>(), one[0]), 1e-5) << i;
  }
}

TEST_F(ServeErrors, ApiKeyIsRequiredExceptOnHealth) {
  TestServer ts(pipeline_.get(), ServeOptions{.api_key = "s3cret-key"});
  HttpClient client(ts.port);
  EXPECT_EQ(client.get("/health").status, 200);
  expect_error(client.post("/embed", R"({"inputs": "a"})"), 401, "unauthorized");
  expect_error(client.post("/embed", R"({"inputs": "a"})", {{"Authorization", "Bearer s3cret-kex"}}), 401, "unauthorized");
  expect_error(client.post("/embed", R"({"inputs": "a"})", {{"Authorization", "Bearer s3cret-key2"}}), 401, "unauthorized");
  expect_error(client.get("/metrics", {{"Authorization", "s3cret-key"}}), 401, "unauthorized");
  EXPECT_EQ(client.post("/embed", R"({"inputs": "a"})", {{"Authorization", "Bearer s3cret-key"}}).status, 200);
  EXPECT_EQ(client.get("/info", {{"Authorization", "bearer s3cret-key"}}).status, 200);
}

TEST_F(ServeErrors, NotReadyIs503AndUnknownRoutesAre404) {
  TestServer ts(nullptr);  // listening, model not loaded yet
  HttpClient client(ts.port);
  expect_error(client.get("/health"), 503, "unhealthy");
  expect_error(client.post("/embed", R"({"inputs": "a"})"), 503, "unhealthy", "loading");
  expect_error(client.get("/nope"), 404, "not_found");
  expect_error(client.get("/embed"), 405, "validation", "use POST");
  ts.server->set_ready(*pipeline_);
  EXPECT_EQ(client.get("/health").status, 200);
  // /metrics never echoes a client's path as a label.
  EXPECT_EQ(client.get("/metrics").body.find("/nope"), std::string::npos);
}

// curl sends "Expect: 100-continue" with bodies over 1 KB and waits for the interim answer.
TEST_F(ServeErrors, ExpectContinueIsAnswered) {
  TestServer ts(pipeline_.get());
  const int fd = connect_loopback(ts.port);
  ASSERT_GE(fd, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string body = R"({"inputs": "continue"})";
  const std::string head = "POST /embed HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ASSERT_GT(n, 0) << "no interim response";
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)).rfind("HTTP/1.1 100 Continue\r\n", 0), 0u);
  ASSERT_EQ(::send(fd, body.data(), body.size(), MSG_NOSIGNAL), static_cast<ssize_t>(body.size()));
  std::string reply;
  for (ssize_t k; (k = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(k));
  ::close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
}

TEST_F(ServeErrors, OverloadIs429AtOnce) {
  TestServer ts(pipeline_.get(), ServeOptions{.max_concurrent_requests = 1,
                                             .max_client_batch_size = 5000, .payload_limit = 10'000'000});
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  const std::string heavy = json{{"inputs", std::vector<std::string>(5000, long_text)}, {"truncate", true}}.dump();
  std::atomic<bool> heavy_done{false};
  int heavy_status = 0;
  std::thread t([&] {
    HttpClient c(ts.port, std::chrono::seconds(300));
    heavy_status = c.post("/embed", heavy).status;
    heavy_done = true;
  });
  // Wait (bounded) until the heavy request holds the slot.
  const auto start = std::chrono::steady_clock::now();
  while (ts.server->requests_in_flight() == 0 && !heavy_done &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  HttpClient client(ts.port);
  int overloaded = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!heavy_done && overloaded == 0 && std::chrono::steady_clock::now() < deadline) {
    const HttpReply r = client.post("/embed", R"({"inputs": "a"})");
    if (r.status == 429) {
      expect_error(r, 429, "overloaded");
      ++overloaded;
    }
  }
  t.join();
  EXPECT_EQ(heavy_status, 200);
  EXPECT_EQ(overloaded, 1) << "the one slot was never seen busy";
  HttpClient fresh(ts.port);  // the first one may have idled past the read timeout meanwhile
  const HttpReply after = fresh.post("/embed", R"({"inputs": "a"})");
  EXPECT_EQ(after.status, 200) << after.body;  // the slot is free again
}

}  // namespace
}  // namespace bertc::testing
