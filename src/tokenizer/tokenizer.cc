// bertc::Tokenizer: loading, post-processing (truncation, template, padding) and the public API.
#include "bertc/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/files.h"
#include "bertc/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"

namespace bertc {

struct Tokenizer::Model : tokenizer::ModelData {
  explicit Model(tokenizer::ModelData&& d) : tokenizer::ModelData(std::move(d)) {}
};

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path.string() + ": no such file");
  if (fs::is_directory(path, ec)) throw Error(path.string() + ": is a folder, not a file");
  return base::read_input_file(path.string());
}

std::optional<std::string> read_optional(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  return read_file(path);
}

[[noreturn]] void unsupported_file(const fs::path& path, const std::string& what) {
  throw Error(path.string() + ": " + what +
              " tokenizers are not supported (only WordPiece: tokenizer.json or vocab.txt)");
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

Tokenizer::Tokenizer(std::shared_ptr<const Model> model, TokenizerOptions options)
    : model_(std::move(model)), options_(std::move(options)) {}
Tokenizer::Tokenizer(const Tokenizer&) = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(const Tokenizer&) = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_json_string(std::string_view json, std::string_view name) {
  return from_texts(true, json, std::string(name), std::nullopt, "");
}

Tokenizer Tokenizer::from_texts(bool is_json, std::string_view text, const std::string& name,
                                const std::optional<std::string>& config,
                                const std::string& config_name) {
  std::shared_ptr<Model> model;
  if (is_json) {
    model = std::make_shared<Model>(tokenizer::load_tokenizer_json(text, name));
    if (config) tokenizer::apply_config_max_length(*model, *config, config_name);
  } else {
    model = std::make_shared<Model>(
        tokenizer::load_vocab_txt(std::string(text), name, config, config_name));
  }
  TokenizerOptions options = model->default_options;
  return Tokenizer(std::move(model), std::move(options));
}

Tokenizer Tokenizer::from_files(const std::map<std::string, std::string>& files,
                                std::string_view source) {
  const std::string src(source);
  std::optional<std::string> config;
  if (auto it = files.find("tokenizer_config.json"); it != files.end()) config = it->second;
  for (const char* main : {"tokenizer.json", "vocab.txt"}) {
    if (auto it = files.find(main); it != files.end()) {
      return from_texts(std::string(main) == "tokenizer.json", it->second, src + ":" + main,
                        config, src + ":tokenizer_config.json");
    }
  }
  throw Error(src + ": no tokenizer.json or vocab.txt");
}

Tokenizer Tokenizer::from_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return from_folder(path);
  if (!fs::exists(path, ec)) throw Error(path.string() + ": no such file or folder");
  const std::string file = path.filename().string();
  const std::string ext = path.extension().string();
  if (file == "tokenizer_config.json" || file == "config.json") {
    return from_folder(path.has_parent_path() ? path.parent_path() : fs::path("."));
  }
  if (ext == ".model") unsupported_file(path, "SentencePiece");
  if (file == "merges.txt" || file == "vocab.json") unsupported_file(path, "BPE");
  // A tokenizer.json or a vocabulary text file, with tokenizer_config.json beside it when present.
  const fs::path cfg = path.parent_path() / "tokenizer_config.json";
  return from_texts(ext == ".json", read_file(path), path.string(), read_optional(cfg),
                    cfg.string());
}

Tokenizer Tokenizer::from_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": no such folder");
  if (fs::is_regular_file(dir / "tokenizer.json", ec)) return from_file(dir / "tokenizer.json");
  if (fs::is_regular_file(dir / "vocab.txt", ec)) return from_file(dir / "vocab.txt");
  for (const char* sp : {"spiece.model", "sentencepiece.bpe.model", "tokenizer.model"}) {
    if (fs::is_regular_file(dir / sp, ec)) unsupported_file(dir / sp, "SentencePiece");
  }
  if (fs::is_regular_file(dir / "merges.txt", ec)) unsupported_file(dir / "merges.txt", "BPE");
  throw Error(dir.string() + ": no tokenizer.json or vocab.txt in this folder");
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

int64_t Tokenizer::unk_id() const { return model_->unk_id; }
std::string_view Tokenizer::unk_token() const { return model_->unk_token; }
std::optional<std::size_t> Tokenizer::model_max_length() const { return model_->model_max_length; }
std::size_t Tokenizer::num_special_tokens(bool pair) const { return model_->num_special(pair); }

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const {
  tokenizer::Scratch scratch;
  std::vector<int32_t> ids;
  tokenizer::check_utf8(text, "text");
  tokenizer::encode_sequence(*model_, text, scratch, ids);
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.emplace_back(model_->id_to_token[id]);
  return out;
}

namespace {

// Encodes one input: sequences, truncation, template. No padding.
// `item` is the input's index in a batch, or -1.
Encoding encode_one(const tokenizer::ModelData& m, const EncodeInput& in, const TokenizerOptions& opt,
                    tokenizer::Scratch& s, std::ptrdiff_t item) {
  s.ids_a.clear();
  s.ids_b.clear();
  s.offsets_a.clear();
  s.offsets_b.clear();
  const bool pair = in.pair.has_value();
  for (int k = 0; k < (pair ? 2 : 1); ++k) {
    const std::string_view text = k == 0 ? in.text : *in.pair;
    if (tokenizer::find_invalid_utf8(text) != std::string_view::npos) {
      const std::string where = item < 0 ? "" : "batch item " + std::to_string(item) + ": ";
      tokenizer::check_utf8(text, where + (k == 0 ? "text" : "text pair"));
    }
  }
  const bool offsets = opt.return_offsets;
  tokenizer::encode_sequence(m, in.text, s, s.ids_a, offsets ? &s.offsets_a : nullptr);
  if (pair) tokenizer::encode_sequence(m, *in.pair, s, s.ids_b, offsets ? &s.offsets_b : nullptr);
  const bool special = opt.add_special_tokens && m.has_template;
  if (special && pair && !m.has_pair_template) {
    throw Error(m.source + ": the post-processor has no template for a pair of texts");
  }
  if (opt.truncation) {
    const std::size_t n_added = special ? m.num_special(pair) : 0;
    if (opt.truncation->max_length < n_added) {
      throw Error("tokenizer: truncation max_length " + std::to_string(opt.truncation->max_length) +
                  " is smaller than the " + std::to_string(n_added) + " special tokens of a " +
                  (pair ? "pair" : "single text"));
    }
    truncate(s.ids_a, pair ? &s.ids_b : nullptr, opt.truncation->max_length - n_added,
             *opt.truncation);
    if (offsets) {  // the same tokens go: the end (right) or the beginning (left)
      for (auto [ids, offs] : {std::pair{&s.ids_a, &s.offsets_a}, std::pair{&s.ids_b, &s.offsets_b}}) {
        const std::size_t drop = offs->size() - ids->size();
        if (opt.truncation->direction == Direction::left) {
          offs->erase(offs->begin(), offs->begin() + static_cast<std::ptrdiff_t>(drop));
        } else {
          offs->resize(ids->size());
        }
      }
    }
  }
  Encoding e;
  const std::size_t n = s.ids_a.size() + s.ids_b.size() + (special ? m.num_special(pair) : 0);
  e.ids.reserve(n);
  e.type_ids.reserve(n);
  // A sequence's offsets (null: template tokens, (0, 0) each).
  using Offsets = std::vector<std::pair<std::size_t, std::size_t>>;
  auto append = [&](const std::vector<int32_t>& ids, int64_t type_id, const Offsets* offs) {
    e.ids.insert(e.ids.end(), ids.begin(), ids.end());
    e.type_ids.insert(e.type_ids.end(), ids.size(), type_id);
    if (!offsets) return;
    if (offs) {
      e.offsets.insert(e.offsets.end(), offs->begin(), offs->end());
    } else {
      e.offsets.insert(e.offsets.end(), ids.size(), {0, 0});
    }
    e.special_tokens_mask.insert(e.special_tokens_mask.end(), ids.size(), offs ? 0 : 1);
  };
  if (special) {
    for (const tokenizer::TemplatePiece& p : pair ? m.pair_template : m.single_template) {
      if (p.sequence < 0)
        append(p.ids, p.type_id, nullptr);
      else if (p.sequence == 0)
        append(s.ids_a, p.type_id, &s.offsets_a);
      else if (pair)
        append(s.ids_b, p.type_id, &s.offsets_b);
    }
  } else {
    append(s.ids_a, m.type_id_a, &s.offsets_a);
    if (pair) append(s.ids_b, m.type_id_b, &s.offsets_b);
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
  std::vector<Encoding> one;
  one.push_back(encode_one(*model_, EncodeInput(text, pair), options, scratch, -1));
  if (options.padding) pad_all(*model_, one, *options.padding, options.return_tokens, options.return_offsets);
  return std::move(one.front());
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const EncodeInput> inputs) const {
  return encode_batch(inputs, options_);
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const EncodeInput> inputs,
                                              const TokenizerOptions& options) const {
  tokenizer::Scratch scratch;
  std::vector<Encoding> out;
  out.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(encode_one(*model_, inputs[i], options, scratch, static_cast<std::ptrdiff_t>(i)));
  }
  if (options.padding) pad_all(*model_, out, *options.padding, options.return_tokens, options.return_offsets);
  return out;
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts) const {
  std::vector<EncodeInput> inputs(texts.begin(), texts.end());
  return encode_batch(inputs, options_);
}

}  // namespace bertc
