#include "frontend/hf/state_dict_pickle.h"

#include <map>
#include <memory>
#include <unordered_map>

#include "bertc/error.h"

namespace bertc::frontend::hf {

namespace {

// ---- the values a state_dict pickle builds ---------------------------------------------------

// Objects live in the Unpickler's pool and refer to each other by plain pointers: freeing them
// is one flat loop, however deep a hostile pickle nests them, and cycles leak nothing.
struct Obj;
using Ref = Obj*;

struct Obj {
  enum Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kStorage,
    kTensor
  };
  Kind kind = kNone;
  int64_t i = 0;
  std::string s;           // string; "module.name" of a global; storage: its key
  std::vector<Ref> items;  // tuple / list; dict: key, value, key, value, ...
  std::string dtype;       // storage: safetensors-style dtype name
  Ref storage;             // tensor: its storage
  Dims shape, strides;     // tensor
};

// torch.<X>Storage → dtype
const std::map<std::string, std::string>& storage_dtypes() {
  static const std::map<std::string, std::string> m = {
      {"torch.FloatStorage", "F32"},     {"torch.HalfStorage", "F16"},
      {"torch.BFloat16Storage", "BF16"}, {"torch.DoubleStorage", "F64"},
      {"torch.LongStorage", "I64"},      {"torch.IntStorage", "I32"},
      {"torch.ShortStorage", "I16"},     {"torch.CharStorage", "I8"},
      {"torch.ByteStorage", "U8"},       {"torch.BoolStorage", "BOOL"}};
  return m;
}

// ---- the pickle machine ----------------------------------------------------------------------

class Unpickler {
 public:
  Unpickler(std::string_view data, std::string where) : d_(data), where_(std::move(where)) {}

  Ref run() {
    pool_.reserve(64);
    for (;;) {
      const uint8_t op = byte();
      switch (op) {
        case 0x80:
          byte();
          break;  // PROTO
        case 0x95:
          bytes(8);
          break;  // FRAME
        case '.':
          return pop();  // STOP
        case '(':
          marks_.push_back(stack_.size());
          break;
        case 'N':
          push(make(Obj::kNone));
          break;
        case 0x88:
        case 0x89: {
          Ref b = make(Obj::kBool);
          b->i = op == 0x88;
          push(b);
          break;
        }
        case 'K':
          push(make_int(static_cast<int64_t>(uint_le(1))));
          break;
        case 'M':
          push(make_int(static_cast<int64_t>(uint_le(2))));
          break;
        case 'J':
          push(make_int(static_cast<int32_t>(uint_le(4))));
          break;
        case 0x8a:
          push(make_int(long1(byte())));
          break;
        case 'G': {
          Ref f = make(Obj::kFloat);
          bytes(8);  // a float (no state_dict value needs it)
          push(f);
          break;
        }
        case 'X':
          push(make_string(std::string(bytes(uint_le(4)))));
          break;
        case 0x8c:
          push(make_string(std::string(bytes(byte()))));
          break;
        case 0x8d:
          push(make_string(std::string(bytes(uint_le(8)))));
          break;
        case 'T':
        case 'B':
          push(make_string(std::string(bytes(uint_le(4)))));
          break;
        case 'U':
        case 'C':
          push(make_string(std::string(bytes(byte()))));
          break;
        case 'c': {
          std::string module = line();
          push(make_string(module + "." + line(), Obj::kGlobal));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          Ref name = pop(), module = pop();
          push(make_string(module->s + "." + name->s, Obj::kGlobal));
          break;
        }
        case 'q':
          memo_[uint_le(1)] = top();
          break;
        case 'r':
          memo_[uint_le(4)] = top();
          break;
        case 0x94:
          memo_[memo_.size()] = top();
          break;
        case 'h':
          push(memo(uint_le(1)));
          break;
        case 'j':
          push(memo(uint_le(4)));
          break;
        case ')':
          push(make(Obj::kTuple));
          break;
        case ']':
          push(make(Obj::kList));
          break;
        case '}':
          push(make(Obj::kDict));
          break;
        case 't':
        case 'l':
        case 'd': {
          Ref o = make(op == 't' ? Obj::kTuple : op == 'l' ? Obj::kList : Obj::kDict);
          o->items = pop_mark();
          push(o);
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {
          Ref o = make(Obj::kTuple);
          o->items.resize(op - 0x84u);
          for (size_t k = o->items.size(); k-- > 0;) o->items[k] = pop();
          push(o);
          break;
        }
        case 'a': {
          Ref v = pop();
          container(Obj::kList)->items.push_back(v);
          break;
        }
        case 'e': {
          std::vector<Ref> vs = pop_mark();
          Ref list = container(Obj::kList);
          list->items.insert(list->items.end(), vs.begin(), vs.end());
          break;
        }
        case 's': {
          Ref v = pop(), k = pop();
          Ref dict = container(Obj::kDict);
          dict->items.push_back(k);
          dict->items.push_back(v);
          break;
        }
        case 'u': {
          std::vector<Ref> kv = pop_mark();
          Ref dict = container(Obj::kDict);
          dict->items.insert(dict->items.end(), kv.begin(), kv.end());
          break;
        }
        case 'Q':
          push(storage(pop()));
          break;  // BINPERSID
        case 'R':
        case 0x81: {  // REDUCE, NEWOBJ
          Ref args = pop(), callable = pop();
          push(call(callable, args));
          break;
        }
        case 'b':
          pop();
          break;  // BUILD: the state (an OrderedDict's _metadata) is not needed
        default:
          fail("pickle opcode 0x" + hex(op) + " at byte " + std::to_string(pos_ - 1) +
               " is not one a state_dict uses");
      }
    }
  }

 private:
  Ref make(Obj::Kind kind) {
    pool_.push_back(std::make_unique<Obj>());
    pool_.back()->kind = kind;
    return pool_.back().get();
  }
  Ref make_int(int64_t v) {
    Ref o = make(Obj::kInt);
    o->i = v;
    return o;
  }
  Ref make_string(std::string v, Obj::Kind kind = Obj::kString) {
    Ref o = make(kind);
    o->s = std::move(v);
    return o;
  }

  [[noreturn]] void fail(const std::string& why) const { throw Error(where_ + ": " + why); }

  static std::string hex(uint8_t v) {
    const char* digits = "0123456789abcdef";
    return {digits[v >> 4], digits[v & 15]};
  }

  std::string_view bytes(uint64_t n) {
    if (n > d_.size() - pos_) fail("truncated pickle");
    std::string_view s = d_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint8_t byte() { return static_cast<uint8_t>(bytes(1)[0]); }
  uint64_t uint_le(int n) {
    std::string_view b = bytes(static_cast<uint64_t>(n));
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<uint8_t>(b[static_cast<size_t>(k)]);
    return v;
  }
  int64_t long1(uint8_t n) {
    if (n > 8) fail("integer of " + std::to_string(n) + " bytes is too large");
    if (n == 0) return 0;
    uint64_t v = uint_le(n);
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  std::string line() {
    const size_t end = d_.find('\n', pos_);
    if (end == std::string_view::npos) fail("truncated pickle");
    std::string s(d_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  void push(Ref r) { stack_.push_back(std::move(r)); }
  Ref pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) {
      fail("malformed pickle (stack underflow)");
    }
    Ref r = std::move(stack_.back());
    stack_.pop_back();
    return r;
  }
  const Ref& top() const {
    if (stack_.empty()) fail("malformed pickle (memo of an empty stack)");
    return stack_.back();
  }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) fail("malformed pickle (no mark)");
    std::vector<Ref> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()),
                           stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Ref container(Obj::Kind kind) const {
    const Ref& c = top();
    if (c->kind != kind) fail("malformed pickle (append or set on the wrong object)");
    return c;
  }
  Ref memo(uint64_t key) const {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail("malformed pickle (memo " + std::to_string(key) + " is unset)");
    return it->second;
  }

  // ('storage', torch.<X>Storage, key, location, numel)
  Ref storage(const Ref& pid) {
    const auto& t = pid->items;
    if (pid->kind != Obj::kTuple || t.size() < 3 || t[0]->s != "storage" ||
        t[1]->kind != Obj::kGlobal || t[2]->kind != Obj::kString) {
      fail("unexpected persistent id (not a torch storage)");
    }
    auto dt = storage_dtypes().find(t[1]->s);
    if (dt == storage_dtypes().end()) fail("storage type '" + t[1]->s + "' is not supported");
    Ref s = make_string(t[2]->s, Obj::kStorage);
    s->dtype = dt->second;
    return s;
  }

  static Dims ints(const Ref& tuple) {
    Dims d;
    for (const Ref& v : tuple->items) d.push_back(v->i);
    return d;
  }

  Ref call(const Ref& callable, const Ref& args) {
    if (callable->kind != Obj::kGlobal) fail("malformed pickle (call of a non-global)");
    const std::string& f = callable->s;
    const auto& a = args->items;
    if (f == "collections.OrderedDict") return make(Obj::kDict);
    if (f == "torch._utils._rebuild_tensor_v2" || f == "torch._utils._rebuild_tensor") {
      if (a.size() < 4 || a[0]->kind != Obj::kStorage || a[2]->kind != Obj::kTuple ||
          a[3]->kind != Obj::kTuple || a[2]->items.size() != a[3]->items.size()) {
        fail(f + ": unexpected arguments");
      }
      Ref t = make(Obj::kTensor);
      t->storage = a[0];
      t->i = a[1]->i;
      t->shape = ints(a[2]);
      t->strides = ints(a[3]);
      return t;
    }
    if (f == "torch._utils._rebuild_parameter" && !a.empty() && a[0]->kind == Obj::kTensor) {
      return a[0];
    }
    fail("'" + f +
         "' is not part of a tensor state_dict; bertc reads only state_dicts (and "
         "runs nothing from the pickle): save the model with safetensors instead");
  }

  std::string_view d_;
  std::string where_;
  size_t pos_ = 0;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Ref> memo_;
  std::vector<std::unique_ptr<Obj>> pool_;
};

}  // namespace

std::vector<PickledTensor> read_state_dict_pickle(std::string_view data, const std::string& where) {
  Unpickler unpickler(data, where);
  const Ref top = unpickler.run();
  if (top->kind != Obj::kDict) throw Error(where + ": not a state_dict (a dict of tensors)");
  std::vector<PickledTensor> tensors;
  for (size_t k = 0; k + 1 < top->items.size(); k += 2) {
    const Ref& key = top->items[k];
    const Ref& value = top->items[k + 1];
    if (key->kind != Obj::kString) throw Error(where + ": a state_dict key is not a string");
    if (value->kind != Obj::kTensor) {
      throw Error(where + ": '" + key->s + "' is not a tensor (a plain state_dict is expected)");
    }
    tensors.push_back(
        {key->s, value->storage->s, value->storage->dtype, value->i, value->shape, value->strides});
  }
  return tensors;
}

}  // namespace bertc::frontend::hf
