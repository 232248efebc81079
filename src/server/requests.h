// The request bodies of bertc serve's routes, as text-embeddings-inference (TEI) reads them, and
// OpenAI's embeddings request. Parsing is pure (no model): it checks the JSON and the shape of
// each field and throws server::ApiError naming the field at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bertc::server {

enum class Route { embed, predict, rerank, tokenize, openai_embeddings, decode };
// The route's path: "/embed", ..., "/v1/embeddings".
const char* route_path(Route route);

struct TextInput {
  std::string text;
  std::optional<std::string> pair;  // predict's [text, pair]; rerank's (query, text) is (text, pair)
};

struct Request {
  Route route = Route::embed;
  std::vector<TextInput> inputs;
  std::vector<std::vector<int64_t>> ids;  // decode: the token ids of each input
  bool batch = true;  // false: one input given bare (a string, or one pair): answered bare
  bool truncate = false;
  bool normalize = true;           // embed
  bool raw_scores = false;         // predict, rerank
  bool return_text = false;        // rerank
  bool add_special_tokens = true;  // tokenize
  bool skip_special_tokens = true;  // decode
  bool base64 = false;             // openai: encoding_format "base64"
  std::optional<std::string> prompt_name;  // embed, tokenize: a sentence-transformers prompt
  std::string model;               // openai: echoed back
};

struct RequestLimits {
  std::size_t max_client_batch_size = 32;  // more inputs: 413
  int max_json_depth = 16;                 // deeper nesting: 400
};

// The request of `route` in `body`. Errors: 400 malformed JSON (base::parse_json: invalid
// UTF-8, nesting deeper than max_json_depth, a number beyond a double) or not an object, 400 no inputs,
// 413 more than max_client_batch_size inputs, 422 a field of the wrong type or value.
// /decode's inputs are `ids` (one list of token ids, or a list of them) and fill `ids`, not `inputs`.
Request parse_request(Route route, std::string_view body, const RequestLimits& limits);

}  // namespace bertc::server
