#include "http_client.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include "../common/ascii_text_model.h"
#include "../common/temp_path.h"

namespace bertc::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  std::uint16_t port;

  HttpReply exchange(http::request<http::string_body>& req) {
    HttpReply reply;
    beast::error_code ec;
    if (!stream.socket().is_open()) {
      stream.expires_after(timeout);
      stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
      if (ec) return reply;
    }
    req.set(http::field::host, "127.0.0.1");
    req.prepare_payload();
    stream.expires_after(timeout);
    http::write(stream, req, ec);
    // A server may answer (413) and close before the whole body is written: read it anyway.
    return read_reply();
  }

  HttpReply read_reply() {
    HttpReply reply;
    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 30);
    stream.expires_after(timeout);
    http::read(stream, buffer, parser, ec);
    if (ec) {
      stream.socket().close(ec);
      return reply;
    }
    const auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    for (const auto& f : res) reply.headers[std::string(f.name_string())] = std::string(f.value());
    if (!res.keep_alive()) stream.socket().close(ec);
    return reply;
  }
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  impl_->port = port;
}
HttpClient::~HttpClient() = default;

HttpReply HttpClient::get(const std::string& target, const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req(http::verb::get, target, 11);
  for (const auto& [k, v] : headers) req.set(k, v);
  return impl_->exchange(req);
}

HttpReply HttpClient::post(const std::string& target, const std::string& body,
                           const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req(http::verb::post, target, 11);
  req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  return impl_->exchange(req);
}

HttpReply HttpClient::raw(const std::string& bytes) {
  beast::error_code ec;
  if (!impl_->stream.socket().is_open()) {
    impl_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), impl_->port), ec);
    if (ec) return {};
  }
  impl_->stream.expires_after(impl_->timeout);
  net::write(impl_->stream, net::buffer(bytes), ec);
  if (ec) return {};
  return impl_->read_reply();
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {

namespace fs = std::filesystem;

const fs::path kTextModels = fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures" / "text_models";

}  // namespace

// The BertModel fixture with sentence-transformers' mean pooling.
std::string embedder_folder() {
  const fs::path dir = ascii_text_model("bert");
  fs::copy(kTextModels / "mean_pooling", dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  return dir.string();
}

std::string classifier_folder() { return ascii_text_model("bert_cls").string(); }

// The classifier with only its first label's row of the head: a one-logit cross-encoder.
std::string cross_encoder_folder() { return ascii_cross_encoder().string(); }

TestServer::TestServer(Pipeline* pipeline, ServeOptions options) {
  options.host = "127.0.0.1";
  options.port = 0;
  options.log = nullptr;
  server = std::make_unique<Server>(options);
  port = server->port();
  if (pipeline) server->set_ready(*pipeline);
}

}  // namespace bertc::testing
