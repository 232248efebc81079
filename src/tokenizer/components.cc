// What the component interfaces define themselves: a model's cached tokenize() and the
// vocabulary the models are built from.
#include "tokenizer/components.h"

#include "tokenizer/models.h"

namespace bertc::tokenizer {

void Model::tokenize(std::string_view word, std::vector<int32_t>& ids,
                     std::vector<SourceSpan>* spans) const {
  if (!cache_) {
    tokenize_word(word, ids, spans);
    return;
  }
  if (cache_->find(word, ids, spans)) return;
  thread_local std::vector<SourceSpan> own;  // spans to cache when the caller wants none
  if (!spans) own.clear();
  std::vector<SourceSpan>* s = spans ? spans : &own;
  const std::size_t first_id = ids.size(), first_span = s->size();
  tokenize_word(word, ids, s);
  cache_->insert(word, ids.data() + first_id, s->data() + first_span, ids.size() - first_id);
}

void Vocabulary::add(std::string token, int32_t id) {
  map.insert(token, id);
  if (static_cast<std::size_t>(id) >= tokens.size()) tokens.resize(static_cast<std::size_t>(id) + 1);
  tokens[static_cast<std::size_t>(id)] = std::move(token);
}

}  // namespace bertc::tokenizer
