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
std::string cross_encoder_folder() {
  const fs::path out = temp_path("text_cross_encoder");
  if (fs::exists(out / "model.safetensors")) return out.string();
  const fs::path src = classifier_folder();
  fs::create_directories(out);
  for (const auto& e : fs::directory_iterator(src)) {
    if (e.is_regular_file() && e.path().filename() != "model.safetensors" &&
        e.path().filename() != "config.json") {
      fs::copy_file(e.path(), out / e.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
  std::ifstream cin(src / "config.json");
  nlohmann::json config = nlohmann::json::parse(cin);
  config["id2label"] = {{"0", "LABEL_0"}};
  config["label2id"] = {{"LABEL_0", 0}};
  std::ofstream(out / "config.json") << config.dump(2);
  // safetensors: u64 header size, JSON header {name: {dtype, shape, data_offsets}}, data.
  std::ifstream in(src / "model.safetensors", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  const nlohmann::json header = nlohmann::json::parse(file.substr(8, n));
  const std::string data = file.substr(8 + n);
  nlohmann::json new_header = nlohmann::json::object();
  std::string new_data;
  for (const auto& [name, t] : header.items()) {
    if (name == "__metadata__") continue;
    std::vector<std::int64_t> shape = t.at("shape").get<std::vector<std::int64_t>>();
    const auto begin = t.at("data_offsets")[0].get<std::size_t>();
    auto end = t.at("data_offsets")[1].get<std::size_t>();
    if (name.rfind("classifier.", 0) == 0) {  // [labels, hidden] / [labels]: keep row 0
      const std::size_t row = (end - begin) / static_cast<std::size_t>(shape[0]);
      end = begin + row;
      shape[0] = 1;
    }
    new_header[name] = {{"dtype", t.at("dtype")},
                        {"shape", shape},
                        {"data_offsets", {new_data.size(), new_data.size() + (end - begin)}}};
    new_data += data.substr(begin, end - begin);
  }
  const std::string h = new_header.dump();
  const std::uint64_t hn = h.size();
  std::ofstream outf(out / "model.safetensors", std::ios::binary);
  outf.write(reinterpret_cast<const char*>(&hn), 8);
  outf << h << new_data;
  return out.string();
}

TestServer::TestServer(Pipeline* pipeline, ServeOptions options) {
  options.host = "127.0.0.1";
  options.port = 0;
  options.log = nullptr;
  server = std::make_unique<Server>(options);
  port = server->port();
  if (pipeline) server->set_ready(*pipeline);
}

}  // namespace bertc::testing
