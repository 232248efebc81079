// End to end: every PyTorch-exported fixture, compiled at each -O level, saved as a bundle,
// loaded and run on two input shapes in one session, against PyTorch's outputs.
#include <gtest/gtest.h>

#include "../common/temp_path.h"
#include "bertc/session.h"
#include "fixtures.h"

namespace bertc {
namespace {

using testing::fixtures_dir;

struct Case {
  std::string fixture;
  int opt_level;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.fixture + "_O" + std::to_string(info.param.opt_level);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const std::string& name : testing::onnx_fixture_names()) {
    for (int level : {0, 1, 2, 3}) cases.push_back({name, level});
  }
  return cases;
}

// -O3 turns fast math on (approximate erf / exp / tanh in the optimized kernels).
double tolerance(int opt_level) { return opt_level >= 3 ? 1e-3 : 1e-4; }

class FixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixtureTest, MatchesPyTorch) {
  const Case& c = GetParam();
  auto dir = fixtures_dir() / c.fixture;
  std::string bundle = testing::temp_path(c.fixture + "_O" + std::to_string(c.opt_level) + ".bertc");
  save(compile((dir / "model.onnx").string(), {.opt_level = c.opt_level}), bundle);
  Session session = Session::load(bundle, {.num_threads = 2});
  for (const char* set : {"", "_2"}) {
    auto inputs = testing::read_npy_dir(dir / (std::string("inputs") + set));
    auto expected = testing::read_npy_dir(dir / (std::string("outputs") + set));
    ASSERT_FALSE(inputs.empty());
    for (const auto& [name, t] : inputs) session.set_input(name, t);
    session.run();
    for (const auto& [name, want] : expected) {
      double diff = testing::max_abs_diff(session.get_output(name), want);
      EXPECT_LE(diff, tolerance(c.opt_level)) << "output " << name << " of inputs" << set;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureTest, ::testing::ValuesIn(all_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FixtureTest);

}  // namespace
}  // namespace bertc
