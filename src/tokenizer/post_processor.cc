#include "tokenizer/post_processor.h"

namespace bertc::tokenizer {

void PostProcessor::set_bert(int32_t cls, int32_t sep) {
  has_template = true;
  has_pair = true;
  single = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}};
  pair = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}, {1, {}, 1}, {-1, {sep}, 1}};
  type_id_a = 0;
  type_id_b = 1;
}

// As `tokenizers` writes RobertaProcessing: every type id 0; without special tokens the
// encodings keep the ones they were made with (0 and 1).
void PostProcessor::set_roberta(int32_t cls, int32_t sep) {
  has_template = true;
  has_pair = true;
  single = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}};
  pair = {{-1, {cls}, 0}, {0, {}, 0}, {-1, {sep}, 0}, {-1, {sep}, 0}, {1, {}, 0}, {-1, {sep}, 0}};
  type_id_a = 0;
  type_id_b = 1;
}

void PostProcessor::set_sequence_types() {
  for (const TemplatePiece& p : has_pair ? pair : single) {
    if (p.sequence == 0) type_id_a = p.type_id;
    if (p.sequence == 1) type_id_b = p.type_id;
  }
}

}  // namespace bertc::tokenizer
