// Test helpers for the math ops. Running a node (run_op) and its shape function (infer) come from
// the data-movement tests' helpers, so both families are driven the same way.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../common/error_of.h"
#include "../ops_data/data_test_util.h"
#include "bertc/error.h"

namespace bertc::testing {

// A shape from "batch, seq, 768": numbers are known dims, "?" unknown, anything else a symbol.
inline ir::Shape shape(const std::string& text) {
  ir::Shape s;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string tok = text.substr(pos, end - pos);
    tok.erase(0, tok.find_first_not_of(' '));
    tok.erase(tok.find_last_not_of(' ') + 1);
    if (tok == "?") {
      s.push_back(ir::Dim::unknown());
    } else if (!tok.empty() && (isdigit(static_cast<unsigned char>(tok[0])) != 0)) {
      s.push_back(ir::Dim::known(std::stoll(tok)));
    } else if (!tok.empty()) {
      s.push_back(ir::Dim::sym(tok));
    }
    pos = end + 1;
  }
  return s;
}

// The output types of a math node on inputs of the given dtype / shape text (no known values).
inline std::vector<ir::TypeInfo> infer_types(ir::Op op, const std::vector<ir::TypeInfo>& types,
                                             ir::Attrs attrs = {}, size_t num_outputs = 1,
                                             const std::vector<const Tensor*>& values = {}) {
  std::vector<const ir::TypeInfo*> in;
  for (const ir::TypeInfo& t : types) in.push_back(&t);
  return infer(op, in, values, std::move(attrs), num_outputs);
}

inline ir::TypeInfo ty(DType dtype, const std::string& dims) { return {dtype, shape(dims)}; }

template <typename T>
Tensor tensor(std::vector<T> v, Dims dims) {
  return Tensor::from_vector<T>(v, std::move(dims));
}
inline Tensor f32(std::vector<float> v, Dims dims) {
  return tensor<float>(std::move(v), std::move(dims));
}
inline Tensor scalar_i64(int64_t v) { return tensor<int64_t>({v}, {}); }

// Expects `t` to have dtype T, shape `dims` and values within `tol` of `want`.
template <typename T>
void expect_tensor(const Tensor& t, const Dims& dims, const std::vector<T>& want, double tol = 0) {
  ASSERT_EQ(t.dtype(), dtype_of<T>());
  ASSERT_EQ(t.shape(), dims);
  ASSERT_EQ(static_cast<size_t>(t.numel()), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (tol == 0) {
      EXPECT_EQ(t.data<T>()[i], want[i]) << "element " << i;
    } else {
      EXPECT_NEAR(static_cast<double>(t.data<T>()[i]), static_cast<double>(want[i]), tol)
          << "element " << i;
    }
  }
}

}  // namespace bertc::testing
