// bertc::Tokenizer: loading, post-processing (truncation, template, padding), decoding and the
// public API.
#include "bertc/tokenizer.h"

#include <algorithm>
#include <system_error>

#include "base/files.h"
#include "bertc/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"

namespace bertc {

struct Tokenizer::Impl : tokenizer::ModelData {
  explicit Impl(tokenizer::ModelData&& d) : tokenizer::ModelData(std::move(d)) {}
};

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path.string() + ": no such file");
  if (fs::is_directory(path, ec)) throw Error(path.string() + ": is a folder, not a file");
  return base::read_input_file(path.string());
}

[[noreturn]] void sentencepiece_file(const fs::path& path) {
  throw Error(path.string() +
              ": raw SentencePiece .model files are not read; use the model's tokenizer.json "
              "(transformers writes one with save_pretrained of its fast tokenizer)");
}

// The tokenizer files of one folder, by name: tokenizer.json, else vocab.txt, else vocab.json +
// merges.txt, with tokenizer_config.json. `dir` + name names them in messages.
tokenizer::ModelData load_named(const std::map<std::string, std::string>& files,
                                const std::string& dir) {
  auto get = [&](const char* name) -> const std::string* {
    auto it = files.find(name);
    return it == files.end() ? nullptr : &it->second;
  };
  std::optional<std::string> config;
  if (const std::string* c = get("tokenizer_config.json")) config = *c;
  const std::string config_name = dir + "tokenizer_config.json";
  if (const std::string* j = get("tokenizer.json")) {
    tokenizer::ModelData m = tokenizer::load_tokenizer_json(*j, dir + "tokenizer.json");
    if (config) tokenizer::apply_config_max_length(m, *config, config_name);
    return m;
  }
  if (const std::string* v = get("vocab.txt")) {
    return tokenizer::load_vocab_txt(*v, dir + "vocab.txt", config, config_name);
  }
  const std::string* vocab = get("vocab.json");
  const std::string* merges = get("merges.txt");
  if (vocab && merges) {
    return tokenizer::load_bpe_files(*vocab, dir + "vocab.json", *merges, dir + "merges.txt",
                                     config, config_name);
  }
  if (vocab || merges) {
    throw Error(dir + (vocab ? "vocab.json" : "merges.txt") +
                ": a byte-level BPE tokenizer needs " + (vocab ? "merges.txt" : "vocab.json") +
                " beside it");
  }
  throw Error(dir + ": no tokenizer.json, vocab.txt or vocab.json + merges.txt");
}

// Cuts `ids` to n tokens, keeping the beginning (right) or the end (left).
void cut(std::vector<int32_t>& ids, std::size_t n, Direction dir) {
  if (ids.size() <= n) return;
  if (dir == Direction::left)
    ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(n));
  else
    ids.resize(n);
}

// Truncation exactly as `tokenizers` (utils/truncation.rs) does it; `room` excludes the special
// tokens.
void truncate(std::vector<int32_t>& a, std::vector<int32_t>* b, std::size_t room,
              const TruncationOptions& t) {
  const std::size_t total = a.size() + (b ? b->size() : 0);
  if (total <= room) return;
  const std::size_t to_remove = total - room;
  switch (t.strategy) {
    case TruncationStrategy::longest_first: {
      if (b == nullptr) {
        cut(a, room, t.direction);
        return;
      }
      std::size_t n1 = a.size(), n2 = b->size();
      const bool swap = n1 > n2;
      if (swap) std::swap(n1, n2);
      n2 = n1 > room ? n1 : std::max(n1, room - n1);
      if (n1 + n2 > room) {
        n1 = room / 2;
        n2 = n1 + room % 2;
      }
      if (swap) std::swap(n1, n2);
      cut(a, n1, t.direction);
      cut(*b, n2, t.direction);
      return;
    }
    case TruncationStrategy::only_first:
    case TruncationStrategy::only_second: {
      std::vector<int32_t>* target = t.strategy == TruncationStrategy::only_first ? &a : b;
      if (target == nullptr) {
        throw Error("tokenizer: truncation only_second needs a text pair");
      }
      if (target->size() <= to_remove) {
        throw Error("tokenizer: truncation to max_length " + std::to_string(t.max_length) +
                    " would need to remove " + std::to_string(to_remove) + " tokens from the " +
                    (target == &a ? "first" : "second") + " sequence, which has only " +
                    std::to_string(target->size()));
      }
      cut(*target, target->size() - to_remove, t.direction);
      return;
    }
  }
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl)
    : model_(std::move(impl)), options_(model_->default_options) {}
Tokenizer::Tokenizer(const Tokenizer&) = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(const Tokenizer&) = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_named_files(const std::map<std::string, std::string>& files,
                                      const std::string& dir) {
  return Tokenizer(std::make_shared<const Impl>(load_named(files, dir)));
}

Tokenizer Tokenizer::from_json_string(std::string_view json, std::string_view name) {
  return Tokenizer(
      std::make_shared<const Impl>(tokenizer::load_tokenizer_json(json, std::string(name))));
}

Tokenizer Tokenizer::from_files(const std::map<std::string, std::string>& files,
                                std::string_view source) {
  return from_named_files(files, std::string(source) + ":");
}

Tokenizer Tokenizer::from_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return from_folder(path);
  if (!fs::exists(path, ec)) throw Error(path.string() + ": no such file or folder");
  const std::string file = path.filename().string();
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (file == "tokenizer_config.json" || file == "config.json" || file == "vocab.json" ||
      file == "merges.txt") {
    return from_folder(dir);
  }
  if (path.extension() == ".model") sentencepiece_file(path);
  // A tokenizer.json (any *.json) or a vocabulary text file, with tokenizer_config.json.
  std::optional<std::string> config;
  const fs::path cfg = dir / "tokenizer_config.json";
  if (fs::is_regular_file(cfg, ec)) config = read_file(cfg);
  const std::string text = read_file(path);
  if (path.extension() != ".json") {
    return Tokenizer(std::make_shared<const Impl>(
        tokenizer::load_vocab_txt(text, path.string(), config, cfg.string())));
  }
  tokenizer::ModelData m = tokenizer::load_tokenizer_json(text, path.string());
  if (config) tokenizer::apply_config_max_length(m, *config, cfg.string());
  return Tokenizer(std::make_shared<const Impl>(std::move(m)));
}

Tokenizer Tokenizer::from_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": no such folder");
  std::map<std::string, std::string> files;
  auto take = [&](const char* name) {
    if (!fs::is_regular_file(dir / name, ec)) return false;
    files[name] = read_file(dir / name);
    return true;
  };
  take("tokenizer_config.json");
  if (!take("tokenizer.json") && !take("vocab.txt")) {
    const bool vocab = take("vocab.json");
    const bool merges = take("merges.txt");
    if (!vocab && !merges) {
      for (const char* sp : {"spiece.model", "sentencepiece.bpe.model", "tokenizer.model"}) {
        if (fs::is_regular_file(dir / sp, ec)) sentencepiece_file(dir / sp);
      }
      throw Error(dir.string() +
                  ": no tokenizer.json, vocab.txt or vocab.json + merges.txt in this folder");
    }
  }
  return from_named_files(files, (dir / "").string());
}

void Tokenizer::set_options(TokenizerOptions options) { options_ = std::move(options); }
void Tokenizer::set_truncation(std::optional<TruncationOptions> t) { options_.truncation = t; }
void Tokenizer::set_padding(std::optional<PaddingOptions> p) { options_.padding = std::move(p); }

std::size_t Tokenizer::vocab_size() const { return model_->id_to_token.size(); }

std::string_view Tokenizer::id_to_token(int64_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= model_->id_to_token.size()) {
    throw Error("tokenizer: token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                std::to_string(model_->id_to_token.size() - 1) + ")");
  }
  return model_->id_to_token[static_cast<std::size_t>(id)];
}

std::optional<int64_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = model_->find_token(token)) return *id;
  return std::nullopt;
}

int64_t Tokenizer::pad_id() const {
  if (options_.padding && options_.padding->pad_id) return *options_.padding->pad_id;
  if (model_->pad_token_id) return *model_->pad_token_id;
  throw Error(model_->source + ": the tokenizer has no padding token");
}

int64_t Tokenizer::unk_id() const { return model_->model->unk_id; }
std::string_view Tokenizer::unk_token() const {
  const int32_t id = model_->model->unk_id;
  return id < 0 ? std::string_view() : std::string_view(model_->id_to_token[static_cast<std::size_t>(id)]);
}
std::optional<std::size_t> Tokenizer::model_max_length() const { return model_->model_max_length; }
std::size_t Tokenizer::num_special_tokens(bool pair) const { return model_->post.num_special(pair); }

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const {
  tokenizer::Scratch scratch;
  tokenizer::SequenceTokens tokens;
  tokenizer::check_utf8(text, "text");
  tokenizer::encode_sequence(*model_, text, scratch, tokens, false);
  std::vector<std::string> out;
  out.reserve(tokens.ids.size());
  for (int32_t id : tokens.ids) out.emplace_back(model_->id_to_token[static_cast<std::size_t>(id)]);
  return out;
}

std::string Tokenizer::decode(std::span<const int64_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int64_t id : ids) {
    const std::string_view token = id_to_token(id);  // throws outside the vocabulary
    const auto k = static_cast<std::size_t>(id);
    if (skip_special_tokens && k < model_->special_ids.size() && model_->special_ids[k]) continue;
    tokens.emplace_back(token);
  }
  return tokens_to_string(std::move(tokens));
}

std::string_view Tokenizer::continuing_subword_prefix() const {
  return model_->model->continuing_subword_prefix();
}

std::string Tokenizer::tokens_to_string(std::vector<std::string> tokens) const {
  if (model_->decoder) model_->decoder->decode_chain(tokens);
  std::string out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && !model_->decoder) out.push_back(' ');
    out += tokens[i];
  }
  return out;
}

namespace {

// Encodes one input: sequences, truncation, template. No padding.
// `item` is the input's index in a batch, or -1.
Encoding encode_one(const tokenizer::ModelData& m, const EncodeInput& in,
                    const TokenizerOptions& opt, tokenizer::Scratch& s,
                    tokenizer::SequenceTokens (&seq)[2], std::ptrdiff_t item) {
  const bool pair = in.pair.has_value();
  for (int k = 0; k < (pair ? 2 : 1); ++k) {
    const std::string_view text = k == 0 ? in.text : *in.pair;
    if (tokenizer::find_invalid_utf8(text) != std::string_view::npos) {
      const std::string where = item < 0 ? "" : "batch item " + std::to_string(item) + ": ";
      tokenizer::check_utf8(text, where + (k == 0 ? "text" : "text pair"));
    }
  }
  const bool offsets = opt.return_offsets;
  for (int k = 0; k < 2; ++k) seq[k].clear();
  tokenizer::encode_sequence(m, in.text, s, seq[0], offsets);
  if (pair) tokenizer::encode_sequence(m, *in.pair, s, seq[1], offsets);
  const tokenizer::PostProcessor& post = m.post;
  const bool special = opt.add_special_tokens && post.has_template;
  if (special && pair && !post.has_pair) {
    throw Error(m.source + ": the post-processor has no template for a pair of texts");
  }
  if (opt.truncation) {
    const std::size_t n_added = special ? post.num_special(pair) : 0;
    if (opt.truncation->max_length < n_added) {
      throw Error("tokenizer: truncation max_length " + std::to_string(opt.truncation->max_length) +
                  " is smaller than the " + std::to_string(n_added) + " special tokens of a " +
                  (pair ? "pair" : "single text"));
    }
    truncate(seq[0].ids, pair ? &seq[1].ids : nullptr, opt.truncation->max_length - n_added,
             *opt.truncation);
    if (offsets) {  // the same tokens go: the end (right) or the beginning (left)
      for (tokenizer::SequenceTokens& t : seq) {
        const std::size_t drop = t.offsets.size() - t.ids.size();
        if (opt.truncation->direction == Direction::left) {
          t.offsets.erase(t.offsets.begin(), t.offsets.begin() + static_cast<std::ptrdiff_t>(drop));
          t.words.erase(t.words.begin(), t.words.begin() + static_cast<std::ptrdiff_t>(drop));
        } else {
          t.offsets.resize(t.ids.size());
          t.words.resize(t.ids.size());
        }
      }
    }
  }
  Encoding e;
  const std::size_t n = seq[0].ids.size() + seq[1].ids.size() + (special ? post.num_special(pair) : 0);
  e.ids.reserve(n);
  e.type_ids.reserve(n);
  // A sequence's tokens, or the template's (null `from`: offsets (0, 0), word -1).
  auto append = [&](const std::vector<int32_t>& ids, int64_t type_id,
                    const tokenizer::SequenceTokens* from) {
    e.ids.insert(e.ids.end(), ids.begin(), ids.end());
    e.type_ids.insert(e.type_ids.end(), ids.size(), type_id);
    if (!offsets) return;
    if (from) {
      e.offsets.insert(e.offsets.end(), from->offsets.begin(), from->offsets.end());
      e.word_ids.insert(e.word_ids.end(), from->words.begin(), from->words.end());
      e.sequence_ids.insert(e.sequence_ids.end(), ids.size(), from == &seq[0] ? 0 : 1);
    } else {
      e.offsets.insert(e.offsets.end(), ids.size(), {0, 0});
      e.word_ids.insert(e.word_ids.end(), ids.size(), -1);
      e.sequence_ids.insert(e.sequence_ids.end(), ids.size(), -1);
    }
    e.special_tokens_mask.insert(e.special_tokens_mask.end(), ids.size(), from ? 0 : 1);
  };
  if (special) {
    for (const tokenizer::TemplatePiece& p : pair ? post.pair : post.single) {
      if (p.sequence < 0)
        append(p.ids, p.type_id, nullptr);
      else if (p.sequence == 0 || pair)
        append(seq[p.sequence].ids, p.type_id, &seq[p.sequence]);
    }
  } else {
    append(seq[0].ids, post.type_id_a, &seq[0]);
    if (pair) append(seq[1].ids, post.type_id_b, &seq[1]);
  }
  e.attention_mask.assign(e.ids.size(), 1);
  if (!opt.return_tokens) return e;
  e.tokens.reserve(e.ids.size());
  for (int64_t id : e.ids) {
    if (id >= 0 && static_cast<std::size_t>(id) < m.id_to_token.size()) {
      e.tokens.emplace_back(m.id_to_token[static_cast<std::size_t>(id)]);
    } else {
      e.tokens.emplace_back();  // a template id outside the vocabulary
    }
  }
  return e;
}

// Pads `e` to `target`; its tokens too unless `pad_token` is null (tokens not asked for), and
// its offsets and special-token mask when asked for.
void pad(Encoding& e, std::size_t target, const PaddingOptions& p, int64_t pad_id,
         const std::string* pad_token, bool offsets) {
  if (e.ids.size() >= target) return;
  const std::size_t k = target - e.ids.size();
  if (offsets) {  // pads are special, at (0, 0)
    const auto at_o = p.direction == Direction::right ? e.offsets.end() : e.offsets.begin();
    e.offsets.insert(at_o, k, {0, 0});
    const auto at_m = p.direction == Direction::right ? e.special_tokens_mask.end() : e.special_tokens_mask.begin();
    e.special_tokens_mask.insert(at_m, k, 1);
    const auto at_w = p.direction == Direction::right ? e.word_ids.end() : e.word_ids.begin();
    e.word_ids.insert(at_w, k, -1);
    const auto at_s = p.direction == Direction::right ? e.sequence_ids.end() : e.sequence_ids.begin();
    e.sequence_ids.insert(at_s, k, -1);
  }
  if (p.direction == Direction::right) {
    e.ids.insert(e.ids.end(), k, pad_id);
    if (pad_token) e.tokens.insert(e.tokens.end(), k, *pad_token);
    e.type_ids.insert(e.type_ids.end(), k, p.pad_type_id);
    e.attention_mask.insert(e.attention_mask.end(), k, 0);
  } else {
    e.ids.insert(e.ids.begin(), k, pad_id);
    if (pad_token) e.tokens.insert(e.tokens.begin(), k, *pad_token);
    e.type_ids.insert(e.type_ids.begin(), k, p.pad_type_id);
    e.attention_mask.insert(e.attention_mask.begin(), k, 0);
  }
}

void pad_all(const tokenizer::ModelData& m, std::vector<Encoding>& encodings, const PaddingOptions& p,
             bool tokens, bool offsets) {
  std::size_t target = 0;
  if (p.strategy == PaddingStrategy::fixed) {
    target = p.length;
  } else {
    for (const Encoding& e : encodings) target = std::max(target, e.ids.size());
  }
  if (p.pad_to_multiple_of > 0 && target % p.pad_to_multiple_of != 0) {
    target += p.pad_to_multiple_of - target % p.pad_to_multiple_of;
  }
  bool needed = false;
  for (const Encoding& e : encodings) needed |= e.ids.size() < target;
  if (!needed) return;
  int64_t pad_id;
  if (p.pad_id)
    pad_id = *p.pad_id;
  else if (m.pad_token_id)
    pad_id = *m.pad_token_id;
  else
    throw Error(m.source + ": padding needs a pad token, and the tokenizer has none");
  std::string pad_token;
  if (p.pad_token)
    pad_token = *p.pad_token;
  else if (m.pad_token)
    pad_token = *m.pad_token;
  else if (pad_id >= 0 && static_cast<std::size_t>(pad_id) < m.id_to_token.size())
    pad_token = m.id_to_token[static_cast<std::size_t>(pad_id)];
  for (Encoding& e : encodings) pad(e, target, p, pad_id, tokens ? &pad_token : nullptr, offsets);
}

}  // namespace

Encoding Tokenizer::encode(std::string_view text, std::optional<std::string_view> pair) const {
  return encode(text, pair, options_);
}

Encoding Tokenizer::encode(std::string_view text, std::optional<std::string_view> pair,
                           const TokenizerOptions& options) const {
  tokenizer::Scratch scratch;
  tokenizer::SequenceTokens seq[2];
  std::vector<Encoding> one;
  one.push_back(encode_one(*model_, EncodeInput(text, pair), options, scratch, seq, -1));
  if (options.padding) pad_all(*model_, one, *options.padding, options.return_tokens, options.return_offsets);
  return std::move(one.front());
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const EncodeInput> inputs) const {
  return encode_batch(inputs, options_);
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const EncodeInput> inputs,
                                              const TokenizerOptions& options) const {
  tokenizer::Scratch scratch;
  tokenizer::SequenceTokens seq[2];
  std::vector<Encoding> out;
  out.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(
        encode_one(*model_, inputs[i], options, scratch, seq, static_cast<std::ptrdiff_t>(i)));
  }
  if (options.padding) pad_all(*model_, out, *options.padding, options.return_tokens, options.return_offsets);
  return out;
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts) const {
  std::vector<EncodeInput> inputs(texts.begin(), texts.end());
  return encode_batch(inputs, options_);
}

}  // namespace bertc
