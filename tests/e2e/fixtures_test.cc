// End to end: every PyTorch-exported fixture, compiled at each -O level (and at -O3 also without
// fast math, and with oneDNN's GEMM), saved as a bundle, loaded and run on two input shapes in
// one session, against PyTorch's outputs: within 1e-3 with fast math, 1e-4 without.
#include <gtest/gtest.h>

#include "../common/temp_path.h"
#include "bertc/session.h"
#include "fixtures.h"

namespace bertc {
namespace {

using testing::fixtures_dir;

struct Case {
  std::string fixture;
  CompileOptions options;

  std::string name() const {
    return fixture + "_O" + std::to_string(options.opt_level) + (options.fast_math ? "" : "_exact") +
           (options.gemm == "bertc" ? "" : "_" + options.gemm);
  }
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name(); }

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const std::string& name : testing::onnx_fixture_names()) {
    for (int level : {0, 1, 2, 3}) cases.push_back({name, {.opt_level = level}});
    cases.push_back({name, {.opt_level = 3, .fast_math = false}});
    cases.push_back({name, {.opt_level = 3, .gemm = "onednn"}});
  }
  return cases;
}

// -O3 turns fast math on (approximate erf / exp / tanh in the optimized kernels).
double tolerance(const CompileOptions& o) { return o.opt_level >= 3 && o.fast_math ? 1e-3 : 1e-4; }

class FixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixtureTest, MatchesPyTorch) {
  const Case& c = GetParam();
  auto dir = fixtures_dir() / c.fixture;
  std::string bundle = testing::temp_path(c.name() + ".bertc");
  save(compile((dir / "model.onnx").string(), c.options), bundle);
  Session session = Session::load(bundle, {.num_threads = 2});
  for (const char* set : {"", "_2"}) {
    auto inputs = testing::read_npy_dir(dir / (std::string("inputs") + set));
    auto expected = testing::read_npy_dir(dir / (std::string("outputs") + set));
    ASSERT_FALSE(inputs.empty());
    for (const auto& [name, t] : inputs) session.set_input(name, t);
    session.run();
    for (const auto& [name, want] : expected) {
      double diff = testing::max_abs_diff(session.get_output(name), want, inputs);
      EXPECT_LE(diff, tolerance(c.options)) << "output " << name << " of inputs" << set;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureTest, ::testing::ValuesIn(all_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FixtureTest);

}  // namespace
}  // namespace bertc
