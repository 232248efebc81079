// The response bodies of bertc serve's routes, field for field as text-embeddings-inference (TEI)
// and OpenAI's embeddings API write them. Floats are written in their shortest round-trip form.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "bertc/pipeline.h"
#include "server/api_error.h"
#include "server/requests.h"

namespace bertc::server {

// /embed: [[f, ...], ...], one vector per input, always a list of lists (as TEI).
std::string embed_response(const std::vector<std::vector<float>>& embeddings);

// /v1/embeddings: {"object": "list", "data": [{"object": "embedding", "embedding": [...] or
// base64 of little-endian float32, "index": i}], "model": ..., "usage": {"prompt_tokens",
// "total_tokens"}}.
std::string openai_response(const std::vector<std::vector<float>>& embeddings, bool base64,
                            const std::string& model, std::size_t prompt_tokens);

// /predict: per input [{"score", "label"}] for every label, best first (sigmoid or softmax
// probabilities, or the logits with raw_scores); a bare input gets a bare list.
std::string predict_response(const Request& request, const std::vector<Classification>& results,
                             const std::vector<std::string>& labels);

// /rerank: [{"index", ["text",] "score"}], best first; the score is the sigmoid of the one
// logit, or the logit with raw_scores.
std::string rerank_response(const Request& request, const std::vector<Classification>& results);

// /tokenize: per input [{"id", "text", "special", "start", "stop"}], as TEI: a text token's text
// is the input's bytes [start, stop) (byte offsets, so invalid UTF-8 where a character is cut is
// replaced); a special token has its token string and null offsets. `encodings` were made from
// `inputs` (with a request's prompt put before each text) with return_tokens and return_offsets.
std::string tokenize_response(std::span<const EncodeInput> inputs, const std::vector<Encoding>& encodings);

// /decode: a list with each input's decoded text, as TEI (a list even for one input).
std::string decode_response(const std::vector<std::string>& texts);

// {"error", "error_type"}, or on /v1 routes {"message", "code", "type"} (as TEI's OpenAI route).
std::string error_body(const ApiError& error, bool openai);

}  // namespace bertc::server
