// What bertc serve does with a request, apart from HTTP: the inference routes' parsing,
// validation and tokenization into a Job for the Batcher, the JSON of its results, and /info.
// Runs on the I/O threads; the Pipeline's tokenizer is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "bertc/pipeline.h"
#include "server/batcher.h"
#include "server/requests.h"
#include "bertc/server.h"

namespace bertc::server {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// One request, parsed and tokenized: either answered already (/tokenize) or a job to run.
struct Prepared {
  Request request;
  std::shared_ptr<Job> job;  // null when `reply` is the answer
  Reply reply;
  std::size_t tokens = 0;  // tokens of all inputs, special tokens included
};

class Service {
 public:
  Service(Pipeline& pipeline, const ServeOptions& options);

  // Throws ApiError: malformed or invalid requests, a route the model's task does not serve,
  // inputs longer than the model takes without `truncate`, text the tokenizer refuses.
  Prepared prepare(Route route, std::string_view body) const;
  // The response to a job that ran (its error, if any, is answered as 424 backend).
  Reply finish(const Prepared& prepared) const;
  // GET /info.
  std::string info() const;

 private:
  void require_task(Route route) const;
  void check_prompt(const std::string& name, Route route) const;
  Pipeline& pipeline_;
  const ServeOptions& options_;
};

}  // namespace bertc::server
