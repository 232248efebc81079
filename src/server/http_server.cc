#include "bertc/server.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <atomic>
#include <utility>  // before Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <mutex>
#include <optional>
#include <thread>

#include "bertc/error.h"
#include "server/api_error.h"
#include "server/batcher.h"
#include "server/metrics.h"
#include "server/responses.h"
#include "server/service.h"

namespace bertc::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Compares in time that depends on the expected key's length only, not on where they differ.
bool constant_time_equal(std::string_view given, std::string_view expected) {
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = given.empty() ? 0 : static_cast<unsigned char>(given[i % given.size()]);
    diff |= g ^ static_cast<unsigned char>(expected[i]);
  }
  return diff == 0;
}

std::optional<Route> route_of(std::string_view path) {
  for (Route r : {Route::embed, Route::predict, Route::rerank, Route::tokenize, Route::decode,
                  Route::openai_embeddings}) {
    if (path == route_path(r)) return r;
  }
  return std::nullopt;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

struct ServerState {
  ServeOptions options;
  Metrics metrics;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> busy{0};       // requests read and not yet answered
  std::atomic<std::size_t> inference{0};  // inference requests holding a slot
  std::unique_ptr<Service> service;
  std::unique_ptr<Batcher> batcher;
  std::mutex log_mu;
  // Destroyed first (reverse order): pending handlers and their connections go before the rest.
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  std::optional<net::signal_set> signals;
  std::vector<std::thread> threads;

  explicit ServerState(ServeOptions opts) : options(std::move(opts)), ioc(static_cast<int>(std::max<std::size_t>(options.io_threads, 1))) {}

  void log(const std::string& line) {
    if (!options.log) return;
    std::lock_guard lock(log_mu);
    std::fprintf(options.log, "%s\n", line.c_str());
    std::fflush(options.log);
  }

  bool authorized(const http::request<http::string_body>& req) const {
    if (options.api_key.empty()) return true;
    const auto it = req.find(http::field::authorization);
    if (it == req.end()) return false;
    std::string_view value(it->value().data(), it->value().size());
    constexpr std::string_view bearer = "Bearer ";
    if (value.size() < bearer.size() || !beast::iequals(beast::string_view(value.data(), bearer.size()), "Bearer ")) return false;
    return constant_time_equal(value.substr(bearer.size()), options.api_key);
  }

  void do_accept();
  void begin_drain();
  void release_busy() {
    if (busy.fetch_sub(1) == 1 && draining.load()) finish();
  }
  void finish() {
    if (stopped.exchange(true)) return;
    log(R"({"event":"stopped"})");
    ioc.stop();
  }
};

namespace {

// Counts one request as busy (read, not answered) until destroyed.
class BusyToken {
 public:
  explicit BusyToken(ServerState& s) : s_(&s) { ++s.busy; }
  BusyToken(const BusyToken&) = delete;
  BusyToken& operator=(const BusyToken&) = delete;
  ~BusyToken() { s_->release_busy(); }

 private:
  ServerState* s_;
};

// One of max_concurrent_requests inference slots, held until the request is answered or its
// client leaves.
class InferenceSlot {
 public:
  // Takes a slot if fewer than `max` are taken (atomically: never more than max at once).
  static bool try_take(std::atomic<std::size_t>& n, std::size_t max) {
    std::size_t taken = n.load();
    do {
      if (taken >= max) return false;
    } while (!n.compare_exchange_weak(taken, taken + 1));
    return true;
  }
  // Owns a slot try_take() took.
  explicit InferenceSlot(std::atomic<std::size_t>& n) : n_(&n) {}
  InferenceSlot(const InferenceSlot&) = delete;
  InferenceSlot& operator=(const InferenceSlot&) = delete;
  ~InferenceSlot() { --*n_; }

 private:
  std::atomic<std::size_t>* n_;
};

// One request and its answer, for the log and the metrics.
struct Exchange {
  Clock::time_point start = Clock::now();
  std::string route;
  bool openai = false;
  int status = 0;
  std::size_t inputs = 0, tokens = 0;
  double queue_ms = 0, inference_ms = 0;
};

// One connection: read a request, answer it (now, or when its job is done), repeat while
// keep-alive. Every handler runs on the connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, ServerState& server) : stream_(std::move(socket)), srv_(server) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  // Reads the header, answers "Expect: 100-continue" (curl sends it with bodies over 1 KB and
  // waits a second for it), then reads the body; the read timeout covers the whole request.
  void read() {
    parser_.emplace();
    parser_->body_limit(srv_.options.payload_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(srv_.options.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read(ec);
      const auto expect = self->parser_->get().find(http::field::expect);
      if (expect == self->parser_->get().end() || !beast::iequals(expect->value(), "100-continue")) {
        return self->read_body();
      }
      auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(self->stream_, *go_on, [self, go_on](beast::error_code wec, std::size_t) {
        if (wec) return self->close();
        self->read_body();
      });
    });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    const bool http_error = ec && ec.category() == http::make_error_code(http::error::bad_target).category();
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || (ec && !http_error)) {
      close();  // the client left, went idle too long or the stream failed: nothing to answer
      return;
    }
    exchange_.emplace();
    busy_.emplace(srv_);
    version_ = parser_->get().version() ? parser_->get().version() : 11;
    if (ec) {
      keep_alive_ = false;  // the rest of the stream cannot be trusted
      exchange_->route = "-";
      if (ec == http::error::body_limit) {
        return answer_error(ApiError(413, "validation", "the body is larger than the limit of " +
                                                           std::to_string(srv_.options.payload_limit) + " bytes"));
      }
      return answer_error(malformed("bad HTTP request: " + ec.message()));
    }
    req_ = parser_->release();
    keep_alive_ = req_.keep_alive();
    handle();
  }

  void require(http::verb verb) const {
    if (req_.method() != verb) {
      throw ApiError(405, "validation", std::string(req_.method_string()) + " is not allowed on " +
                                            exchange_->route + " (use " + std::string(http::to_string(verb)) + ")");
    }
  }

  void handle() {
    const std::string_view target(req_.target().data(), req_.target().size());
    const std::string path(target.substr(0, target.find('?')));
    const std::optional<Route> route = route_of(path);
    const bool known = route || path == "/health" || path == "/metrics" || path == "/info";
    exchange_->route = known ? path : "other";  // a metrics label: never the client's text
    exchange_->openai = path.rfind("/v1/", 0) == 0;
    try {
      if (path == "/health") {
        require(http::verb::get);
        if (!srv_.ready.load() || srv_.draining.load()) {
          throw unhealthy(srv_.draining.load() ? "shutting down" : "loading the model");
        }
        return answer(Reply{200, "", "text/plain"});
      }
      if (!srv_.authorized(req_)) throw unauthorized("missing or wrong API key (Authorization: Bearer KEY)");
      if (path == "/metrics") {
        require(http::verb::get);
        const std::size_t queued = srv_.batcher ? srv_.batcher->queued_sequences() : 0;
        return answer(Reply{200, srv_.metrics.render(queued, srv_.inference.load()),
                            "text/plain; version=0.0.4; charset=utf-8"});
      }
      if (!known) throw ApiError(404, "not_found", "no such route (routes: /embed, /predict, /rerank, /tokenize, /decode, /v1/embeddings, /health, /info, /metrics)");
      require(route ? http::verb::post : http::verb::get);
      if (srv_.draining.load()) throw unhealthy("shutting down");
      if (!srv_.ready.load()) throw unhealthy("loading the model");
      if (!route) return answer(Reply{200, srv_.service->info()});
      if (!InferenceSlot::try_take(srv_.inference, srv_.options.max_concurrent_requests)) {
        throw overloaded("model is overloaded: " + std::to_string(srv_.options.max_concurrent_requests) +
                         " requests in flight");
      }
      slot_.emplace(srv_.inference);
      prepared_.emplace(srv_.service->prepare(*route, req_.body()));
      exchange_->inputs = prepared_->request.inputs.size();
      exchange_->tokens = prepared_->tokens;
      if (!prepared_->job) return answer(std::move(prepared_->reply));
      run_job();
    } catch (const ApiError& e) {
      answer_error(e);
    } catch (const std::exception& e) {
      answer_error(ApiError(500, "backend", e.what()));
    }
  }

  void run_job() {
    std::shared_ptr<Job> job = prepared_->job;
    job->on_done = [self = shared_from_this()] {
      net::post(self->stream_.get_executor(), [self] { self->job_done(); });
    };
    stream_.expires_never();  // inference has no deadline; a client that leaves is noticed below
    watch_for_disconnect();
    srv_.batcher->submit(std::move(job));
  }

  // While the job runs, a readable socket is either the client's next (pipelined) request or
  // its end of stream: the latter cancels the job.
  void watch_for_disconnect() {
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->prepared_ || !self->prepared_->job) return;
      char c;
      const ssize_t n = ::recv(self->stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0) return;  // a pipelined request: read once this one is answered
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return self->watch_for_disconnect();  // a readiness report with nothing behind it
      }
      self->prepared_->job->cancelled = true;
      self->prepared_.reset();
      self->exchange_->status = 499;  // nginx's "client closed request"
      self->end_exchange();
      self->close();
    });
  }

  void job_done() {
    if (!prepared_) return;  // the client left
    beast::error_code ignored;
    stream_.socket().cancel(ignored);  // the disconnect watch
    const Job& job = *prepared_->job;
    exchange_->queue_ms = job.queue_seconds * 1e3;
    exchange_->inference_ms = job.inference_seconds * 1e3;
    try {
      answer(srv_.service->finish(*prepared_));
    } catch (const ApiError& e) {
      answer_error(e);
    } catch (const std::exception& e) {
      answer_error(ApiError(500, "backend", e.what()));
    }
  }

  void answer_error(const ApiError& e) {
    answer(Reply{e.status, error_body(e, exchange_->openai)});
  }

  void answer(Reply reply) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), version_);
    res->set(http::field::server, "bertc/" BERTC_VERSION);
    res->set(http::field::content_type, reply.content_type);
    if (exchange_->tokens) {
      res->set("x-compute-tokens", std::to_string(exchange_->tokens));
      res->set("x-queue-time", std::to_string(static_cast<long>(exchange_->queue_ms)));
      res->set("x-inference-time", std::to_string(static_cast<long>(exchange_->inference_ms)));
      res->set("x-total-time", std::to_string(static_cast<long>(ms_since(exchange_->start))));
    }
    const bool keep = keep_alive_ && !srv_.draining.load();
    res->keep_alive(keep);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    exchange_->status = reply.status;
    slot_.reset();  // the answer is made: a client that reads it may send its next request at once
    stream_.expires_after(srv_.options.write_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
      self->prepared_.reset();
      self->end_exchange();
      if (ec) return self->close();
      if (!keep) return self->linger_close();
      self->read();
    });
  }

  // Logs and counts the exchange, frees its slot and busy count.
  void end_exchange() {
    if (!exchange_) return;
    const Exchange& x = *exchange_;
    srv_.metrics.request_done(x.route, x.status);
    if (srv_.options.log) {
      char line[512];
      std::snprintf(line, sizeof line,
                    R"({"route":"%s","status":%d,"inputs":%zu,"tokens":%zu,"queue_ms":%.3f,"inference_ms":%.3f,"total_ms":%.3f})",
                    x.route.c_str(),
                    x.status, x.inputs, x.tokens, x.queue_ms, x.inference_ms, ms_since(x.start));
      srv_.log(line);
    }
    exchange_.reset();
    slot_.reset();
    busy_.reset();
  }

  // Half-closes and discards what the client still sends (the rest of a refused body) for up to
  // a second, so that it reads the answer rather than a connection reset.
  void linger_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    discard();
  }
  void discard() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->discard();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  ServerState& srv_;
  beast::flat_buffer buffer_;
  std::array<char, 16384> scratch_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::optional<Exchange> exchange_;
  std::optional<Prepared> prepared_;
  std::optional<InferenceSlot> slot_;
  std::optional<BusyToken> busy_;  // last: released after the rest of the exchange
};

}  // namespace

void ServerState::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<Connection>(std::move(socket), *this)->start();
    do_accept();
  });
}

void ServerState::begin_drain() {
  if (draining.exchange(true)) return;
  log(R"({"event":"draining"})");
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
  });
  if (busy.load() == 0) finish();
}

}  // namespace bertc::server

namespace bertc {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using server::Batcher;
using server::ServerState;
using server::Service;

Server::Server(ServeOptions options) : impl_(std::make_unique<ServerState>(std::move(options))) {
  ServerState& s = *impl_;
  const std::string where = s.options.host + ":" + std::to_string(s.options.port);
  try {
    tcp::resolver resolver(s.ioc);
    const tcp::endpoint endpoint =
        resolver.resolve(s.options.host, std::to_string(s.options.port), tcp::resolver::passive)->endpoint();
    s.acceptor.open(endpoint.protocol());
    s.acceptor.set_option(net::socket_base::reuse_address(true));
    s.acceptor.bind(endpoint);
    s.acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw Error("bertc serve: cannot listen on " + where + ": " + e.code().message());
  }
  const tcp::endpoint bound = s.acceptor.local_endpoint();
  s.log(R"({"event":"listening","host":")" + bound.address().to_string() + R"(","port":)" +
        std::to_string(bound.port()) + "}");
  s.do_accept();
  for (std::size_t i = 0; i < std::max<std::size_t>(s.options.io_threads, 1); ++i) {
    s.threads.emplace_back([&s] { s.ioc.run(); });
  }
}

Server::~Server() {
  request_stop();
  wait();
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::set_ready(Pipeline& pipeline) {
  ServerState& s = *impl_;
  s.service = std::make_unique<Service>(pipeline, s.options);
  s.batcher = std::make_unique<Batcher>(pipeline, s.options.max_batch_tokens, s.options.max_batch_requests, s.metrics);
  s.ready = true;
  s.log(R"({"event":"ready"})");
}

void Server::request_stop() { impl_->begin_drain(); }

void Server::stop_on_signals() {
  ServerState& s = *impl_;
  s.signals.emplace(s.ioc, SIGINT, SIGTERM);
  s.signals->async_wait([&s](beast::error_code ec, int) {
    if (!ec) s.begin_drain();
  });
}

void Server::wait() {
  for (std::thread& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  if (impl_->batcher) impl_->batcher->stop();
}

std::size_t Server::requests_in_flight() const { return impl_->busy.load(); }

}  // namespace bertc
