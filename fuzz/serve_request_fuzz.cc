// Feeds the bytes to bertc serve's request parsing: byte 0 picks the route, the rest is the
// body given to server::parse_request (JSON depth limit, field checks), which must return a
// request or throw server::ApiError with a 4xx status. The same bytes also go through the HTTP
// request parser with the server's header and body limits, which must accept or refuse them.
#include <boost/beast/http.hpp>

#include "server/api_error.h"
#include "server/requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bertc::server;
  if (size == 0) return 0;
  const Route route = static_cast<Route>(data[0] % 6);
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const Request r = parse_request(route, body, RequestLimits{});
    const std::size_t n = route == Route::decode ? r.ids.size() : r.inputs.size();
    if (n == 0 || n > RequestLimits{}.max_client_batch_size) __builtin_trap();
  } catch (const ApiError& e) {
    if (e.status < 400 || e.status > 499) __builtin_trap();
  }
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(2'000'000);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  return 0;
}
