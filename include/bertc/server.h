// bertc::Server — bertc serve's HTTP server: text-embeddings-inference's routes over Boost.Beast (HTTP/1.1,
// keep-alive), asynchronous on a few I/O threads so that thousands of idle or slow connections
// cost a socket and a buffer each, not a thread. Requests are parsed and tokenized on the I/O
// threads and run by one Batcher; see docs/DESIGN.md "Serving" for the whole path.
//
// Contract
// --------
// * The constructor binds and listens (throws bertc::Error naming the address when it cannot)
//   and starts the I/O threads. Until set_ready(), /health and the inference routes answer 503.
// * Every response is JSON, errors {"error", "error_type"} with TEI's statuses (src/server/api_error.h);
//   one JSON line per request goes to options.log.
// * request_stop() (or SIGTERM / SIGINT after stop_on_signals()) drains: /health turns 503, the
//   listener closes, requests read after that get 503 and "Connection: close", and every request
//   accepted before it is answered; then wait() returns.
// * A client that disconnects while its request waits or runs frees its slot: the request's
//   remaining sequences are dropped, its batch-mates are unaffected.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "bertc/pipeline.h"

namespace bertc {

namespace server {
struct ServerState;  // src/server/http_server.cc
}

// The settings of a Server (bertc serve's flags).
struct ServeOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (Server::port() says which)
  std::size_t io_threads = 2;  // accept, parse, tokenize, write
  std::size_t max_batch_tokens = 4096;
  std::size_t max_batch_requests = 0;  // requests one batch may mix (0: any; 1: no cross-request batching)
  std::size_t max_concurrent_requests = 512;  // more in flight: 429
  std::size_t max_client_batch_size = 32;  // inputs per request; more: 413
  int max_json_depth = 16;                 // nesting of the request JSON; deeper: 400
  bool auto_truncate = false;  // truncate long inputs even when the request does not ask
  std::string api_key{};       // non-empty: every route but /health needs "Bearer <key>"
  std::string model_id{};      // /info and /v1/embeddings' "model"
  std::size_t payload_limit = 2'000'000;  // body bytes; larger: 413
  std::chrono::milliseconds read_timeout{30'000};   // to read one request (and keep-alive idle)
  std::chrono::milliseconds write_timeout{30'000};  // to write one response
  std::FILE* log = stdout;  // one JSON line per event and request; nullptr: silent
};

class Server {
 public:
  explicit Server(ServeOptions options);
  ~Server();  // request_stop() and wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  // Serves `pipeline` (which must outlive the Server) from now on.
  void set_ready(Pipeline& pipeline);
  // Starts draining; thread-safe.
  void request_stop();
  // SIGTERM and SIGINT call request_stop().
  void stop_on_signals();
  // Blocks until drained and every thread has ended.
  void wait();
  // Requests read and not yet answered.
  std::size_t requests_in_flight() const;

 private:
  std::unique_ptr<server::ServerState> impl_;
};

}  // namespace bertc
