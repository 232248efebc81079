#include "passes/gelu_pattern.h"

#include <cmath>
#include <numbers>

namespace bertc::passes {
namespace {

constexpr double kTol = 1e-5;  // relative tolerance on the constants of the patterns

struct Product {
  std::vector<ir::ValueId> factors;
  std::vector<int32_t> nodes;  // the Mul nodes
};

// The factors of the product tree rooted at Mul node `root`: inner Muls whose output is read
// only by the tree are expanded.
Product product_tree(const GraphIndex& index, int32_t root) {
  Product p;
  std::vector<int32_t> stack{root};
  while (!stack.empty()) {
    int32_t n = stack.back();
    stack.pop_back();
    p.nodes.push_back(n);
    for (ir::ValueId in : index.g.nodes[n].inputs) {
      const ir::Node* prod = index.producer_if(in, ir::Op::Mul);
      if (prod && index.single_use(in)) {
        stack.push_back(index.index_of(prod));
      } else {
        p.factors.push_back(in);
      }
    }
  }
  return p;
}

// Matches `v` = 1 + erf(y / √2) (GELU, erf form) or 1 + tanh(√(2/π)·(y + 0.044715·y³)) (GELU,
// tanh form); appends the matched nodes. kNone when `v` is neither.
ir::DenseActivation match_gelu_inner(const GraphIndex& index, ir::ValueId v, ir::ValueId y,
                         std::vector<int32_t>& nodes) {
  const ir::Graph& g = index.g;
  const ir::Node* add = index.producer_if(v, ir::Op::Add);
  if (!add) return ir::DenseActivation::kNone;
  ir::ValueId e = ir::kNoValue;
  for (int i = 0; i < 2; ++i) {
    if (is_scalar_constant(g, add->inputs[1 - i], 1.0, kTol)) e = add->inputs[i];
  }
  if (e == ir::kNoValue) return ir::DenseActivation::kNone;
  std::vector<int32_t> found{index.index_of(add)};
  // y·c (either order) or y / d: the scale applied to y; 0 when `z` is not that.
  auto scaled_y = [&](ir::ValueId z, ir::ValueId x, std::vector<int32_t>& acc) -> double {
    const ir::Node* p = index.producer(z);
    if (!p || p->inputs.size() != 2) return 0;
    if (p->op == ir::Op::Div && p->inputs[0] == x) {
      auto c = scalar_constant(g, p->inputs[1]);
      if (!c || *c == 0) return 0;
      acc.push_back(index.index_of(p));
      return 1.0 / *c;
    }
    if (p->op == ir::Op::Mul) {
      ir::ValueId other = other_input(*p, x);
      auto c = other == ir::kNoValue ? std::nullopt : scalar_constant(g, other);
      if (!c) return 0;
      acc.push_back(index.index_of(p));
      return *c;
    }
    return 0;
  };
  if (const ir::Node* erf = index.producer_if(e, ir::Op::Erf)) {
    found.push_back(index.index_of(erf));
    double s = scaled_y(erf->inputs[0], y, found);
    if (std::fabs(s - 1.0 / std::numbers::sqrt2) > kTol) return ir::DenseActivation::kNone;
    nodes.insert(nodes.end(), found.begin(), found.end());
    return ir::DenseActivation::kGeluErf;
  }
  if (const ir::Node* tanh = index.producer_if(e, ir::Op::Tanh)) {
    found.push_back(index.index_of(tanh));
    // tanh's input: c1 · (y + c2 · y³)
    const ir::Node* mul = index.producer_if(tanh->inputs[0], ir::Op::Mul);
    if (!mul) return ir::DenseActivation::kNone;
    found.push_back(index.index_of(mul));
    ir::ValueId sum = ir::kNoValue;
    double c1 = 0;
    for (int i = 0; i < 2; ++i) {
      if (auto c = scalar_constant(g, mul->inputs[1 - i])) {
        c1 = *c;
        sum = mul->inputs[i];
      }
    }
    if (std::fabs(c1 - std::sqrt(2.0 / std::numbers::pi)) > 1e-4 * c1) return ir::DenseActivation::kNone;
    const ir::Node* add2 = index.producer_if(sum, ir::Op::Add);
    if (!add2) return ir::DenseActivation::kNone;
    found.push_back(index.index_of(add2));
    ir::ValueId cube_term = other_input(*add2, y);
    if (cube_term == ir::kNoValue) return ir::DenseActivation::kNone;
    const ir::Node* mul2 = index.producer_if(cube_term, ir::Op::Mul);
    if (!mul2) return ir::DenseActivation::kNone;
    found.push_back(index.index_of(mul2));
    ir::ValueId cube = ir::kNoValue;
    double c2 = 0;
    for (int i = 0; i < 2; ++i) {
      if (auto c = scalar_constant(g, mul2->inputs[1 - i])) {
        c2 = *c;
        cube = mul2->inputs[i];
      }
    }
    if (std::fabs(c2 - 0.044715) > 1e-4 * 0.044715) return ir::DenseActivation::kNone;
    const ir::Node* pow = index.producer_if(cube, ir::Op::Pow);
    if (!pow || pow->inputs[0] != y || !is_scalar_constant(g, pow->inputs[1], 3.0, kTol)) return ir::DenseActivation::kNone;
    found.push_back(index.index_of(pow));
    nodes.insert(nodes.end(), found.begin(), found.end());
    return ir::DenseActivation::kGeluTanh;
  }
  return ir::DenseActivation::kNone;
}

}  // namespace

std::optional<GeluTree> gelu_tree(const GraphIndex& index, ir::ValueId y, const std::vector<int32_t>& group) {
  const ir::Graph& g = index.g;
  // A tree of Muls with factors {y, 0.5, inner}; try each Mul on the way up from y.
  for (int32_t u : index.users[y]) {
    if (g.nodes[u].op != ir::Op::Mul) continue;
    int32_t top = u;
    std::vector<int32_t> path{top};
    while (index.single_use(g.nodes[top].outputs[0])) {
      int32_t next = index.users[g.nodes[top].outputs[0]][0];
      if (g.nodes[next].op != ir::Op::Mul) break;
      path.push_back(top = next);
    }
    for (size_t p = path.size(); p-- > 0;) {
      Product prod = product_tree(index, path[p]);
      if (prod.factors.size() != 3) continue;
      int has_y = 0, has_half = 0;
      ir::ValueId inner = ir::kNoValue;
      for (ir::ValueId f : prod.factors) {
        if (f == y) {
          ++has_y;
        } else if (is_scalar_constant(g, f, 0.5, kTol)) {
          ++has_half;
        } else {
          inner = f;
        }
      }
      if (has_y != 1 || has_half != 1 || inner == ir::kNoValue) continue;
      std::vector<int32_t> nodes = prod.nodes;
      const ir::DenseActivation kind = match_gelu_inner(index, inner, y, nodes);
      if (kind == ir::DenseActivation::kNone) continue;
      std::vector<int32_t> candidate = group;
      candidate.insert(candidate.end(), nodes.begin(), nodes.end());
      const ir::ValueId out = g.nodes[path[p]].outputs[0];
      if (!can_replace(index, candidate, {out})) continue;
      return GeluTree{kind, std::move(nodes), out};
    }
  }
  return std::nullopt;
}

}  // namespace bertc::passes
