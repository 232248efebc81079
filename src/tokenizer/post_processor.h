// Post-processing, as `tokenizers`' TemplateProcessing, BertProcessing, RobertaProcessing,
// ByteLevel and Sequence of them reduce to: a template of special tokens around the sequences
// (with their type ids), and byte-level offset trimming.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bertc::tokenizer {

// One item of a template: a sequence (A or B) or special tokens.
struct TemplatePiece {
  int sequence = -1;  // 0 = A, 1 = B, -1 = special tokens
  std::vector<int32_t> ids;
  int64_t type_id = 0;
};

struct PostProcessor {
  bool has_template = false;
  std::vector<TemplatePiece> single;
  std::vector<TemplatePiece> pair;
  bool has_pair = false;
  // The type ids of A and B without special tokens (from the template, else 0 / 1).
  int64_t type_id_a = 0;
  int64_t type_id_b = 1;
  // ByteLevel / RobertaProcessing trim_offsets: a token's offsets leave out its leading and
  // trailing spaces (except, with add_prefix_space, the one space before the first token).
  bool trim_offsets = false;
  bool add_prefix_space = false;

  // The number of special tokens the template adds.
  std::size_t num_special(bool is_pair) const {
    if (!has_template) return 0;
    std::size_t n = 0;
    for (const TemplatePiece& p : is_pair ? pair : single) {
      if (p.sequence < 0) n += p.ids.size();
    }
    return n;
  }
  // [CLS] A [SEP] / [CLS] A [SEP] B [SEP], type ids 0 and 1.
  void set_bert(int32_t cls, int32_t sep);
  // <s> A </s> / <s> A </s></s> B </s>, type ids 0 (1 for B without special tokens).
  void set_roberta(int32_t cls, int32_t sep);
  // Sets type_id_a / type_id_b from the templates.
  void set_sequence_types();
};

}  // namespace bertc::tokenizer
