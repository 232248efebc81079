// ONNX conformance: the ONNX project's node tests (Debian package libonnx-testdata) for every op
// bertc claims. One test per test directory whose model uses only ops in src/ir/ops.def (default
// domain); each is imported, run at -O0 (reference kernels) on every test_data_set_*, and its
// outputs compared with rtol = 1e-3, atol = 1e-5 (NaN matches NaN; ints and bools exactly).
//
// Variants bertc does not claim (float16/bfloat16/string tensors, training-mode Dropout, ...)
// are listed with a reason in exclusions.txt and reported as skipped. The test data folder can
// be moved with BERTC_ONNX_TESTDATA.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "bertc/error.h"
#include "bertc/session.h"
#include "frontend/onnx/onnx_importer.h"
#include "frontend/onnx/onnx_proto.h"
#include "ir/graph.h"

namespace bertc {
namespace {

namespace fs = std::filesystem;

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-5;
constexpr const char* kSuiteName = "OnnxConformance";

fs::path data_root() {
  if (const char* env = std::getenv("BERTC_ONNX_TESTDATA")) return env;
  return "/usr/share/libonnx-testdata/data/node";
}

// test name → reason, from exclusions.txt ("test_name  reason", '#' starts a comment).
const std::map<std::string, std::string>& exclusions() {
  static const std::map<std::string, std::string> table = [] {
    std::map<std::string, std::string> t;
    std::ifstream in(fs::path(BERTC_SOURCE_DIR) / "tests" / "onnx_conformance" / "exclusions.txt");
    std::string line;
    while (std::getline(in, line)) {
      size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      std::istringstream ss(line);
      std::string name;
      if (!(ss >> name)) continue;
      std::string reason;
      std::getline(ss, reason);
      reason.erase(0, reason.find_first_not_of(" \t"));
      t[name] = reason.empty() ? "excluded" : reason;
    }
    return t;
  }();
  return table;
}

// Whether every node of the model is a default-domain op that bertc claims.
bool uses_only_claimed_ops(const fs::path& model_path) {
  try {
    onnx::ModelProto m = frontend::onnx::read_onnx_model(model_path.string());
    for (const auto& n : m.graph().node()) {
      if (!(n.domain().empty() || n.domain() == "ai.onnx")) return false;
      if (!ir::op_from_name(n.op_type()) || n.op_type().starts_with("bertc.")) return false;
    }
    return m.graph().node_size() > 0;
  } catch (const Error&) {
    return false;
  }
}

// The test directories to register, sorted (listed once, at registration time).
std::vector<std::string> claimed_tests() {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(data_root(), ec)) return names;
  for (const auto& entry : fs::directory_iterator(data_root(), ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with("test_") || !fs::exists(entry.path() / "model.onnx")) continue;
    if (uses_only_claimed_ops(entry.path() / "model.onnx")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Tensor read_tensor_pb(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::TensorProto proto;
  if (!in || !proto.ParseFromIstream(&in)) throw Error(path.string() + ": not a TensorProto");
  return frontend::onnx::tensor_from_onnx(proto, path.parent_path().string());
}

std::vector<fs::path> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p);
  }
  return files;
}

double element_as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kF32:
      return t.data<float>()[i];
    case DType::kF64:
      return t.data<double>()[i];
    case DType::kI8:
      return t.data<int8_t>()[i];
    case DType::kU8:
      return t.data<uint8_t>()[i];
    case DType::kI32:
      return t.data<int32_t>()[i];
    case DType::kI64:
      return static_cast<double>(t.data<int64_t>()[i]);
    case DType::kBool:
      return t.data<bool>()[i] ? 1.0 : 0.0;
  }
  return 0;
}

int64_t element_as_int(const Tensor& t, int64_t i) {
  if (t.dtype() == DType::kI64) return t.data<int64_t>()[i];
  return static_cast<int64_t>(element_as_double(t, i));
}

// "" when `got` matches `want`, else a description of the mismatch.
std::string compare(const Tensor& want, const Tensor& got) {
  std::ostringstream msg;
  if (got.dtype() != want.dtype()) {
    msg << "dtype " << dtype_name(got.dtype()) << ", expected " << dtype_name(want.dtype());
    return msg.str();
  }
  if (got.shape() != want.shape()) {
    msg << "shape " << dims_str(got.shape()) << ", expected " << dims_str(want.shape());
    return msg.str();
  }
  const bool is_float = want.dtype() == DType::kF32 || want.dtype() == DType::kF64;
  int64_t bad = 0;
  double max_err = 0;
  std::ostringstream first;
  first.precision(9);
  for (int64_t i = 0; i < want.numel(); ++i) {
    bool ok;
    if (is_float) {
      double w = element_as_double(want, i), g = element_as_double(got, i);
      if (std::isnan(w) || std::isnan(g)) {
        ok = std::isnan(w) && std::isnan(g);
      } else if (std::isinf(w) || std::isinf(g)) {
        ok = w == g;
      } else {
        double err = std::fabs(g - w);
        max_err = std::max(max_err, err);
        ok = err <= kAtol + kRtol * std::fabs(w);
      }
    } else {
      ok = element_as_int(want, i) == element_as_int(got, i);
    }
    if (!ok && bad++ < 5) {
      if (is_float) {
        first << "\n    [" << i << "] expected " << element_as_double(want, i) << ", got "
              << element_as_double(got, i);
      } else {
        first << "\n    [" << i << "] expected " << element_as_int(want, i) << ", got "
              << element_as_int(got, i);
      }
    }
  }
  if (bad == 0) return "";
  msg << bad << " of " << want.numel() << " elements differ";
  if (is_float) msg << " (max abs error " << max_err << ")";
  msg << first.str();
  return msg.str();
}

class OnnxConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxConformance, Node) {
  const std::string& name = GetParam();
  auto excluded = exclusions().find(name);
  if (excluded != exclusions().end()) GTEST_SKIP() << "excluded: " << excluded->second;

  const fs::path dir = data_root() / name;
  ir::Graph graph = frontend::onnx::import_onnx((dir / "model.onnx").string());
  std::vector<std::string> input_names, output_names;
  for (ir::ValueId id : graph.inputs) input_names.push_back(graph.value(id).name);
  for (ir::ValueId id : graph.outputs) output_names.push_back(graph.value(id).name);
  Session session(Model(std::move(graph), {.opt_level = 0}));

  std::vector<fs::path> sets;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("test_data_set_"))
      sets.push_back(entry.path());
  }
  std::sort(sets.begin(), sets.end());
  ASSERT_FALSE(sets.empty()) << "no test_data_set_* in " << dir;

  for (const fs::path& set : sets) {
    SCOPED_TRACE(set.filename().string());
    std::vector<fs::path> inputs = numbered_files(set, "input_");
    std::vector<fs::path> outputs = numbered_files(set, "output_");
    ASSERT_EQ(inputs.size(), input_names.size()) << "input files vs graph inputs";
    ASSERT_EQ(outputs.size(), output_names.size()) << "output files vs graph outputs";
    for (size_t i = 0; i < inputs.size(); ++i)
      session.set_input(input_names[i], read_tensor_pb(inputs[i]));
    session.run();
    for (size_t i = 0; i < outputs.size(); ++i) {
      Tensor want = read_tensor_pb(outputs[i]);
      std::string diff = compare(want, session.get_output(output_names[i]));
      EXPECT_EQ(diff, "") << "output '" << output_names[i] << "': " << diff;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Node, OnnxConformance, ::testing::ValuesIn(claimed_tests()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxConformance);

TEST(OnnxConformanceData, Present) {
  if (!fs::is_directory(data_root())) {
    GTEST_SKIP() << data_root() << " is absent (install Debian's libonnx-testdata)";
  }
  EXPECT_FALSE(claimed_tests().empty()) << "no node test in " << data_root() << " uses bertc's ops";
  // Every exclusion names a test that exists, so the list does not rot.
  for (const auto& [name, reason] : exclusions()) {
    EXPECT_TRUE(fs::exists(data_root() / name)) << "exclusions.txt names unknown test " << name;
  }
}

// Prints "onnx conformance: N passed, N failed, N excluded" after the run (of the tests that
// ran in this process: ctest runs them one at a time).
class SummaryPrinter : public ::testing::EmptyTestEventListener {
  void OnTestProgramEnd(const ::testing::UnitTest& unit) override {
    int passed = 0, failed = 0, excluded = 0;
    std::vector<std::string> failures;
    for (int s = 0; s < unit.total_test_suite_count(); ++s) {
      const ::testing::TestSuite* suite = unit.GetTestSuite(s);
      if (std::string(suite->name()).find(kSuiteName) == std::string::npos) continue;
      for (int t = 0; t < suite->total_test_count(); ++t) {
        const ::testing::TestInfo* info = suite->GetTestInfo(t);
        if (!info->should_run() || !info->value_param()) continue;
        const ::testing::TestResult* r = info->result();
        if (r->Skipped()) {
          ++excluded;
        } else if (r->Failed()) {
          ++failed;
          failures.push_back(info->name());
        } else {
          ++passed;
        }
      }
    }
    if (passed + failed + excluded == 0) return;
    std::printf("onnx conformance: %d passed, %d failed, %d excluded\n", passed, failed, excluded);
    for (const std::string& f : failures) std::printf("  failed: %s\n", f.c_str());
    std::fflush(stdout);
  }
};

const bool kSummaryRegistered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new SummaryPrinter);
  return true;
}();

}  // namespace
}  // namespace bertc
