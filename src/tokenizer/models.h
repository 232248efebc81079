// The models of `tokenizers` (see components.h for the interface): WordPiece (wordpiece.cc), BPE
// (bpe.cc) and Unigram (unigram.cc). Each factory checks what the model needs and throws
// bertc::Error naming `where` and the field at fault.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/vocab_map.h"

namespace bertc::tokenizer {

class Model;

// A vocabulary: token -> id and id -> token (ids 0 .. size-1; a later duplicate wins in map).
struct Vocabulary {
  VocabMap map;
  std::vector<std::string> tokens;
  void add(std::string token, int32_t id);
};

struct WordPieceConfig {
  std::string unk_token = "[UNK]";
  std::string prefix = "##";  // continuing_subword_prefix
  std::size_t max_input_chars_per_word = 100;
};
// Greedy longest-match-first; a word longer than max_input_chars_per_word characters, or with a
// piece that matches nothing, is the unknown token.
std::unique_ptr<Model> make_wordpiece(Vocabulary vocab, const WordPieceConfig& config,
                                      const std::string& where);

struct BpeConfig {
  std::optional<std::string> unk_token;  // none: characters outside the vocabulary are dropped
  std::string prefix;                    // continuing_subword_prefix
  std::string suffix;                    // end_of_word_suffix
  bool fuse_unk = false;
  bool byte_fallback = false;  // unknown characters as <0xXX> tokens when the vocabulary has them
  bool ignore_merges = false;  // a word that is in the vocabulary is one token
};
// Merges applied lowest rank first (the leftmost of equal ranks), as `tokenizers` does.
// `merges` are in rank order; each side and their concatenation must be in the vocabulary.
std::unique_ptr<Model> make_bpe(Vocabulary vocab,
                                const std::vector<std::pair<std::string, std::string>>& merges,
                                const BpeConfig& config, const std::string& where);

struct UnigramConfig {
  std::optional<int32_t> unk_id;
  bool byte_fallback = false;
};
// Viterbi best segmentation over the pieces' log-probabilities; characters no piece covers are
// the unknown token (score: the lowest score - 10), consecutive ones fused into one.
std::unique_ptr<Model> make_unigram(std::vector<std::pair<std::string, double>> pieces,
                                    const UnigramConfig& config, const std::string& where);

}  // namespace bertc::tokenizer
