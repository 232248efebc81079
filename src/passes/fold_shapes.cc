// fold_shapes: shape arithmetic over symbolic dims.
//
// Exporters compute reshape targets from the run-time shape: Shape(x) → Gather → Unsqueeze →
// Concat → Reshape. With batch and sequence symbolic these are not constants, so constant
// folding leaves them, and they hide the patterns the fusions look for (a projection's output
// is read by its Reshape and by a Shape). This pass evaluates such integer chains on symbolic
// values — each element a known number or a named dim such as `batch` — and
//  (a) replaces a value whose elements all turn out known by a constant
//      (e.g. Shape of a [2]-shaped value);
//  (b) rewrites a Reshape whose target is symbolic into a constant target, using 0 ("copy the
//      input's dim", allowzero = 0) where an element equals the input's dim at that position,
//      and -1 for one remaining element: Reshape(k, Concat(batch, seq, 12, 64)) becomes
//      Reshape(k, [0, 0, 12, 64]) when k is [batch, seq, 768].
// Shape inference then knows the Reshape's output ([batch, seq, 12, 64]) and the whole chain
// is dead. It repeats until nothing changes, since new shapes make new chains foldable.
#include <algorithm>
#include <optional>

#include "ir/op_attrs.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"
#include "passes/pattern.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

constexpr int64_t kMaxElems = 64;

bool is_int(DType d) { return d == DType::kI64 || d == DType::kI32; }

// One element of a symbolic integer value: a known number (possibly negative, such as the -1
// of a reshape target), a named dim, or unknown (no symbol).
struct Elem {
  bool is_known = false;
  int64_t value = 0;
  std::string symbol;
};

class Analysis {
 public:
  explicit Analysis(const ir::Graph& g) : g_(g), sym_(g.values.size()) {}

  void run() {
    for (size_t i = 0; i < g_.values.size(); ++i) {
      const ir::Value& v = g_.values[i];
      const Tensor* t = v.data.get();
      if (!t || t->rank() > 1 || t->numel() > kMaxElems) continue;
      if (!is_int(t->dtype()) && t->dtype() != DType::kBool) continue;
      std::vector<Elem> e;
      for (int64_t x : t->to_int64_vector()) e.push_back({true, x, {}});
      sym_[i] = Sym{t->rank() == 0, std::move(e)};
    }
    for (const ir::Node& node : g_.nodes) {
      if (node.outputs.size() != 1) continue;
      std::optional<Sym> out = eval(node);
      if (out && out->elems.size() <= kMaxElems) sym_[node.outputs[0]] = std::move(out);
    }
  }

  struct Sym {
    bool scalar = false;
    std::vector<Elem> elems;
    bool all_known() const {
      for (const Elem& e : elems) {
        if (!e.is_known) return false;
      }
      return true;
    }
  };

  const std::optional<Sym>& sym(ir::ValueId v) const { return sym_[v]; }

 private:
  const Sym* in(const ir::Node& node, size_t i) const {
    if (!node.has_input(i)) return nullptr;
    const std::optional<Sym>& s = sym_[node.inputs[i]];
    return s ? &*s : nullptr;
  }
  // The integer values of a constant input, or nullopt.
  std::optional<std::vector<int64_t>> const_ints(const ir::Node& node, size_t i) const {
    const Sym* s = in(node, i);
    if (!s || !s->all_known()) return std::nullopt;
    std::vector<int64_t> v;
    for (const Elem& e : s->elems) v.push_back(e.value);
    return v;
  }
  static Elem of_dim(const ir::Dim& d) {
    if (d.is_known()) return {true, d.value, {}};
    return {false, 0, d.symbol};
  }
  static bool same(const Elem& a, const Elem& b) {
    if (a.is_known && b.is_known) return a.value == b.value;
    return !a.is_known && !b.is_known && !a.symbol.empty() && a.symbol == b.symbol;
  }

  std::optional<Sym> elementwise(const ir::Node& node) const {
    const Sym* a = in(node, 0);
    const Sym* b = in(node, 1);
    if (!a || !b) return std::nullopt;
    size_t n = std::max(a->elems.size(), b->elems.size());
    if (a->elems.size() != n && a->elems.size() != 1) return std::nullopt;
    if (b->elems.size() != n && b->elems.size() != 1) return std::nullopt;
    Sym out{a->scalar && b->scalar, {}};
    for (size_t i = 0; i < n; ++i) {
      const Elem& x = a->elems[a->elems.size() == 1 ? 0 : i];
      const Elem& y = b->elems[b->elems.size() == 1 ? 0 : i];
      out.elems.push_back(combine(node.op, x, y));
    }
    return out;
  }

  static Elem combine(ir::Op op, const Elem& x, const Elem& y) {
    const Elem unknown{};
    if (x.is_known && y.is_known) {
      switch (op) {
        case ir::Op::Add:
          return {true, x.value + y.value, {}};
        case ir::Op::Sub:
          return {true, x.value - y.value, {}};
        case ir::Op::Mul:
          return {true, x.value * y.value, {}};
        case ir::Op::Div:
          if (y.value == 0) return unknown;
          return {true, x.value / y.value, {}};
        case ir::Op::Equal:
          return {true, x.value == y.value ? 1 : 0, {}};
        default:
          return unknown;
      }
    }
    switch (op) {
      case ir::Op::Add:
        if (y.is_known && y.value == 0) return x;
        if (x.is_known && x.value == 0) return y;
        return unknown;
      case ir::Op::Sub:
        if (y.is_known && y.value == 0) return x;
        if (same(x, y)) return {true, 0, {}};
        return unknown;
      case ir::Op::Mul:
        if (y.is_known && y.value == 1) return x;
        if (x.is_known && x.value == 1) return y;
        return unknown;
      case ir::Op::Div:
        if (y.is_known && y.value == 1) return x;
        return unknown;
      case ir::Op::Equal:
        // A named dim is a size (>= 0): never equal to a negative number.
        if (same(x, y)) return {true, 1, {}};
        if ((x.is_known && x.value < 0 && !y.symbol.empty()) ||
            (y.is_known && y.value < 0 && !x.symbol.empty())) {
          return {true, 0, {}};
        }
        return unknown;
      default:
        return unknown;
    }
  }

  std::optional<Sym> eval(const ir::Node& node) const {
    const ir::TypeInfo& out_type = g_.value(node.outputs[0]).type;
    if (!is_int(out_type.dtype) && out_type.dtype != DType::kBool) return std::nullopt;
    switch (node.op) {
      case ir::Op::Shape: {
        const ir::Shape& s = g_.value(node.inputs[0]).type.shape;
        auto [first, last] = ir::ShapeAttrs(node).range(static_cast<int64_t>(s.size()));
        Sym out{false, {}};
        for (int64_t d = first; d < last; ++d) out.elems.push_back(of_dim(s[d]));
        return out;
      }
      case ir::Op::Identity: {
        const Sym* a = in(node, 0);
        return a ? std::optional<Sym>(*a) : std::nullopt;
      }
      case ir::Op::Cast: {
        const Sym* a = in(node, 0);
        if (!a || !is_int(out_type.dtype) || !is_int(g_.value(node.inputs[0]).type.dtype)) {
          return std::nullopt;
        }
        return *a;
      }
      case ir::Op::Gather: {
        const Sym* data = in(node, 0);
        auto idx = const_ints(node, 1);
        if (!data || data->scalar || !idx || ir::AxisAttrs(node).axis != 0)
          return std::nullopt;
        const Sym* idx_sym = in(node, 1);
        const int64_t n = static_cast<int64_t>(data->elems.size());
        Sym out{idx_sym->scalar, {}};
        for (int64_t i : *idx) {
          if (i < -n || i >= n) return std::nullopt;
          out.elems.push_back(data->elems[static_cast<size_t>(i < 0 ? i + n : i)]);
        }
        return out;
      }
      case ir::Op::Unsqueeze: {
        const Sym* data = in(node, 0);
        auto axes = const_ints(node, 1);
        if (!data || !data->scalar || !axes || axes->size() != 1 ||
            ((*axes)[0] != 0 && (*axes)[0] != -1)) {
          return std::nullopt;
        }
        return Sym{false, data->elems};
      }
      case ir::Op::Squeeze: {
        const Sym* data = in(node, 0);
        if (!data || data->scalar || data->elems.size() != 1) return std::nullopt;
        if (node.has_input(1)) {
          auto axes = const_ints(node, 1);
          if (!axes || axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1))
            return std::nullopt;
        }
        return Sym{true, data->elems};
      }
      case ir::Op::Concat: {
        const int64_t axis = ir::AxisAttrs(node).axis;
        if (axis != 0 && axis != -1) return std::nullopt;
        Sym out{false, {}};
        for (size_t i = 0; i < node.inputs.size(); ++i) {
          const Sym* a = in(node, i);
          if (!a || a->scalar) return std::nullopt;
          out.elems.insert(out.elems.end(), a->elems.begin(), a->elems.end());
        }
        return out;
      }
      case ir::Op::Reshape: {
        const Sym* data = in(node, 0);
        const ir::Shape& s = out_type.shape;
        if (!data || s.size() > 1) return std::nullopt;
        if (s.empty() && data->elems.size() != 1) return std::nullopt;
        return Sym{s.empty(), data->elems};
      }
      case ir::Op::Slice: {
        const Sym* data = in(node, 0);
        auto starts = const_ints(node, 1), ends = const_ints(node, 2);
        if (!data || data->scalar || !starts || !ends) return std::nullopt;
        std::optional<std::vector<int64_t>> axes, steps;
        if (node.has_input(3) && !(axes = const_ints(node, 3))) return std::nullopt;
        if (node.has_input(4) && !(steps = const_ints(node, 4))) return std::nullopt;
        ir::SliceArgs args = ir::slice_args(ir::OpAttrs(node), 1, *starts, *ends, axes ? &*axes : nullptr,
                                            steps ? &*steps : nullptr);
        if (args.axes.size() != 1) return std::nullopt;
        const int64_t n = static_cast<int64_t>(data->elems.size());
        ir::SliceRange r = ir::slice_range(n, args.starts[0], args.ends[0], args.steps[0]);
        Sym out{false, {}};
        for (int64_t i = 0; i < r.len; ++i) {
          out.elems.push_back(data->elems[static_cast<size_t>(r.start + i * args.steps[0])]);
        }
        return out;
      }
      case ir::Op::Add:
      case ir::Op::Sub:
      case ir::Op::Mul:
      case ir::Op::Div:
      case ir::Op::Equal:
        return elementwise(node);
      case ir::Op::Where: {
        const Sym* c = in(node, 0);
        const Sym* a = in(node, 1);
        const Sym* b = in(node, 2);
        if (!c || !a || !b) return std::nullopt;
        size_t n = std::max({c->elems.size(), a->elems.size(), b->elems.size()});
        for (const Sym* s : {c, a, b}) {
          if (s->elems.size() != n && s->elems.size() != 1) return std::nullopt;
        }
        Sym out{c->scalar && a->scalar && b->scalar, {}};
        for (size_t i = 0; i < n; ++i) {
          const Elem& ce = c->elems[c->elems.size() == 1 ? 0 : i];
          if (!ce.is_known) return std::nullopt;
          const Sym* pick = ce.value ? a : b;
          out.elems.push_back(pick->elems[pick->elems.size() == 1 ? 0 : i]);
        }
        return out;
      }
      default:
        return std::nullopt;
    }
  }

  const ir::Graph& g_;
  std::vector<std::optional<Sym>> sym_;
};

Tensor to_tensor(const Analysis::Sym& s, DType dtype) {
  Dims shape = s.scalar ? Dims{} : Dims{static_cast<int64_t>(s.elems.size())};
  Tensor t = Tensor::empty(dtype, shape);
  for (size_t i = 0; i < s.elems.size(); ++i) {
    const int64_t v = s.elems[i].value;
    switch (dtype) {
      case DType::kI64:
        t.data<int64_t>()[i] = v;
        break;
      case DType::kI32:
        t.data<int32_t>()[i] = static_cast<int32_t>(v);
        break;
      default:
        t.data<bool>()[i] = v != 0;
        break;
    }
  }
  return t;
}

// A constant target for Reshape(data, target) when `target` is symbolic, or nullopt.
std::optional<std::vector<int64_t>> constant_target(const ir::Shape& data,
                                                    const Analysis::Sym& target) {
  std::vector<int64_t> spec;
  int n_unresolved = 0;
  bool has_minus_one = false;
  for (size_t i = 0; i < target.elems.size(); ++i) {
    const Elem& e = target.elems[i];
    if (e.is_known) {
      spec.push_back(e.value);
      has_minus_one = has_minus_one || e.value == -1;
    } else if (i < data.size() && !e.symbol.empty() && data[i].symbol == e.symbol &&
               !data[i].is_known()) {
      spec.push_back(0);
    } else {
      spec.push_back(-1);
      ++n_unresolved;
    }
  }
  if (n_unresolved > 1 || (n_unresolved == 1 && has_minus_one)) return std::nullopt;
  return spec;
}

// One round; true when something changed.
bool fold_round(ir::Graph& g) {
  Analysis analysis(g);
  analysis.run();
  bool changed = false;
  std::vector<bool> drop(g.nodes.size(), false);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    ir::Node& node = g.nodes[n];
    if (node.outputs.size() == 1 && node.op != ir::Op::Constant) {
      ir::Value& out = g.value(node.outputs[0]);
      const auto& s = analysis.sym(node.outputs[0]);
      if (s && s->all_known() && !out.is_constant()) {
        out.data = std::make_shared<const Tensor>(to_tensor(*s, out.type.dtype));
        out.type.shape = ir::shape_of(out.data->shape());
        drop[n] = true;
        changed = true;
        continue;
      }
    }
    if (node.op == ir::Op::Reshape && node.has_input(1) && !g.value(node.inputs[1]).is_constant() &&
        node.attrs.get_int("allowzero", 0) == 0) {
      const auto& s = analysis.sym(node.inputs[1]);
      if (!s || s->scalar) continue;
      auto spec = constant_target(g.value(node.inputs[0]).type.shape, *s);
      if (!spec) continue;
      ir::ValueId c =
          new_constant(g, node.name + "_shape",
                       Tensor::from_vector<int64_t>(*spec, {static_cast<int64_t>(spec->size())}));
      g.nodes[n].inputs[1] = c;
      changed = true;
    }
  }
  if (!changed) return false;
  std::vector<ir::Node> kept;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!drop[n]) kept.push_back(std::move(g.nodes[n]));
  }
  g.nodes = std::move(kept);
  g.sort_topologically();
  return true;
}

}  // namespace

void fold_shapes(ir::Graph& g) {
  for (int round = 0; round < 16; ++round) {
    ir::infer_shapes(g, kernels::ref::evaluate);
    if (!fold_round(g)) break;
    fold_constants(g);
    g.remove_dead();
  }
  ir::infer_shapes(g, kernels::ref::evaluate);
}

}  // namespace bertc::passes
