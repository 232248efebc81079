// Byte-level BPE's pre-tokenizer and decoder (see byte_level.h).
#include "tokenizer/byte_level.h"

#include <array>
#include <string>

#include "tokenizer/byte_level_split.h"
#include "tokenizer/components.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for U+0100 on.
struct ByteTable {
  std::array<std::string, 256> utf8;  // each byte's stand-in character, UTF-8
  std::array<int, 324> byte_of{};     // stand-in code point -> byte, -1 for none
  ByteTable() {
    byte_of.fill(-1);
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      const int c = printable ? b : next++;
      append_utf8(utf8[b], static_cast<char32_t>(c));
      byte_of[c] = b;
    }
  }
};

const ByteTable& table() {
  static const ByteTable t;
  return t;
}

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}

  void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
             EmitPiece emit) const override {
    Piece text = in;
    if (add_prefix_space_ && !in.text.empty() && in.text[0] != ' ') {
      // The space takes the first character's span, as `tokenizers`' prepend.
      PreTokenizeScratch::Buffer& pre = scratch.at(depth);
      pre.text.assign(1, ' ');
      pre.text.append(in.text);
      if (in.spans) {
        std::size_t len;
        decode_utf8(reinterpret_cast<const unsigned char*>(in.text.data()), len);
        pre.spans.assign(1, SourceSpan{in.spans[0].begin, in.spans[len - 1].end});
        pre.spans.insert(pre.spans.end(), in.spans, in.spans + in.text.size());
      }
      text = Piece{pre.text, in.spans ? pre.spans.data() : nullptr, in.at_start};
    }
    PreTokenizeScratch::Buffer& out = scratch.at(depth + 1);
    const ByteTable& t = table();
    auto map = [&](std::size_t b, std::size_t e) {
      out.text.clear();
      out.spans.clear();
      for (std::size_t k = b; k < e; ++k) {
        const std::string& c = t.utf8[static_cast<unsigned char>(text.text[k])];
        out.text.append(c);
        if (text.spans) out.spans.insert(out.spans.end(), c.size(), text.spans[k]);
      }
      emit(Piece{out.text, text.spans ? out.spans.data() : nullptr, text.sub(b, e).at_start});
    };
    if (use_regex_) {
      gpt2_split(text.text, map);
    } else if (!text.text.empty()) {
      map(0, text.text.size());
    }
  }
  std::size_t buffers() const override { return 2; }

 private:
  bool add_prefix_space_;
  bool use_regex_;
};

class ByteLevelDecoder final : public Decoder {
 public:
  // All tokens become one string: each token's stand-ins back to bytes (a token with a character
  // that is no stand-in keeps its own bytes), then invalid UTF-8 becomes U+FFFD.
  void decode_chain(std::vector<std::string>& tokens) const override {
    const ByteTable& t = table();
    std::string bytes;
    for (const std::string& token : tokens) {
      const std::size_t mark = bytes.size();
      const auto* p = reinterpret_cast<const unsigned char*>(token.data());
      bool all = true;
      for (std::size_t i = 0; i < token.size();) {
        std::size_t len;
        const char32_t c = decode_utf8(p + i, len);
        if (c >= t.byte_of.size() || t.byte_of[c] < 0) {
          all = false;
          break;
        }
        bytes.push_back(static_cast<char>(t.byte_of[c]));
        i += len;
      }
      if (!all) {
        bytes.resize(mark);
        bytes.append(token);
      }
    }
    tokens.assign(1, to_valid_utf8(bytes));
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, use_regex);
}

std::unique_ptr<Decoder> make_byte_level_decoder() { return std::make_unique<ByteLevelDecoder>(); }

}  // namespace bertc::tokenizer
