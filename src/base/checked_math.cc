#include "base/checked_math.h"

namespace bertc::base {

namespace {
constexpr int64_t kMaxElements = int64_t{1} << 62;

std::string shape_text(std::span<const int64_t> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}
}  // namespace

void throw_overflow(const std::string& what) {
  throw Error(what + ": the size is too large (integer overflow)");
}

int64_t checked_numel(std::span<const int64_t> dims, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) throw Error(what + ": negative dimension in shape " + shape_text(dims));
    if (d != 0 && n > kMaxElements / d) {
      throw Error(what + ": shape " + shape_text(dims) + " has too many elements");
    }
    n *= d;
  }
  return n;
}

int64_t checked_nbytes(std::span<const int64_t> dims, size_t elem_size, const std::string& what) {
  return checked_mul(checked_numel(dims, what), static_cast<int64_t>(elem_size), what);
}

}  // namespace bertc::base
