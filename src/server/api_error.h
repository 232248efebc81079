// The errors bertc serve answers with: an HTTP status and text-embeddings-inference's error_type,
// sent as {"error": ..., "error_type": ...} (OpenAI's {"message", "code", "type"} on /v1 routes).
#pragma once

#include <stdexcept>
#include <string>

namespace bertc::server {

struct ApiError : std::runtime_error {
  int status;
  std::string type;
  ApiError(int status_code, std::string error_type, const std::string& message)
      : std::runtime_error(message), status(status_code), type(std::move(error_type)) {}
};

// The statuses of TEI's error types, and two of bertc's own (malformed: the body is not JSON;
// unauthorized: a missing or wrong API key).
inline ApiError malformed(const std::string& m) { return {400, "malformed", m}; }
inline ApiError empty_input(const std::string& m) { return {400, "empty", m}; }
inline ApiError unauthorized(const std::string& m) { return {401, "unauthorized", m}; }
inline ApiError too_many_inputs(const std::string& m) { return {413, "validation", m}; }
inline ApiError validation(const std::string& m) { return {422, "validation", m}; }
inline ApiError tokenizer_error(const std::string& m) { return {422, "tokenizer", m}; }
inline ApiError wrong_model(const std::string& m) { return {424, "backend", m}; }
inline ApiError overloaded(const std::string& m) { return {429, "overloaded", m}; }
inline ApiError unhealthy(const std::string& m) { return {503, "unhealthy", m}; }

}  // namespace bertc::server
