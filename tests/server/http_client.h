// A blocking HTTP/1.1 client over loopback for the server tests (Boost.Beast), and the models
// they serve, made from the committed fixtures tests/fixtures/hf/{bert,bert_cls} (random weights,
// real architectures) with a synthetic WordPiece vocabulary of their size, so that the tests
// need nothing outside the repository: an embedder (mean pooling), a classifier, and a
// cross-encoder made from the classifier by keeping its first label.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bertc/pipeline.h"
#include "bertc/server.h"

namespace bertc::testing {

struct HttpReply {
  int status = 0;  // 0: no response (the connection failed or closed)
  std::string body;
  std::map<std::string, std::string> headers;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// One keep-alive connection; every call has a deadline of `timeout`.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpReply get(const std::string& target, const std::map<std::string, std::string>& headers = {});
  HttpReply post(const std::string& target, const std::string& body,
                 const std::map<std::string, std::string>& headers = {});
  // Writes raw bytes (a request of one's own making) and reads one response.
  HttpReply raw(const std::string& bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A raw socket connected to the port (for clients that misbehave on purpose).
int connect_loopback(std::uint16_t port);

// Model folders (built once per process).
std::string embedder_folder();
std::string classifier_folder();
std::string cross_encoder_folder();

// A Server on 127.0.0.1, port 0, silent, serving `pipeline`, with `edit` applied to its options.
struct TestServer {
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  explicit TestServer(Pipeline* pipeline, ServeOptions options = {});
};

}  // namespace bertc::testing
