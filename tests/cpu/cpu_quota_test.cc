// Container CPU quotas (cgroup v1 and v2) and BERTC_NUM_THREADS decide the default thread
// count: a fake cgroup tree per case.
#include "cpu/cpu_quota.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "../common/error_of.h"
#include "../common/temp_path.h"
#include "cpu/thread_pool.h"

namespace bertc::cpu {
namespace {

namespace fs = std::filesystem;

class CgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::temp_path("cgroup_tree");
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  fs::path root_;
};

TEST_F(CgroupTree, V2CpuMaxRoundsUp) {
  write("app/cpu.max", "150000 100000\n");
  EXPECT_EQ(cgroup_cpu_limit(root_, "0::/app\n"), 2);
  write("app/cpu.max", "max 100000\n");
  EXPECT_EQ(cgroup_cpu_limit(root_, "0::/app\n"), 0);
}

TEST_F(CgroupTree, V2ParentLimitApplies) {
  write("kube/cpu.max", "100000 100000\n");
  write("kube/pod/cpu.max", "max 100000\n");
  EXPECT_EQ(cgroup_cpu_limit(root_, "0::/kube/pod\n"), 1);
}

TEST_F(CgroupTree, V1QuotaAndPeriod) {
  write("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "300000\n");
  write("cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  const std::string self = "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n";
  EXPECT_EQ(cgroup_cpu_limit(root_, self), 3);
  write("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
  EXPECT_EQ(cgroup_cpu_limit(root_, self), 0);
}

TEST_F(CgroupTree, MissingOrGarbledFilesMeanNoLimit) {
  EXPECT_EQ(cgroup_cpu_limit(root_, "0::/nowhere\n"), 0);
  EXPECT_EQ(cgroup_cpu_limit(root_, "garbage"), 0);
  write("x/cpu.max", "lots of\n");
  EXPECT_EQ(cgroup_cpu_limit(root_, "0::/x\n"), 0);
  write("x/cpu.max", "0 100000\n");
  EXPECT_EQ(cgroup_cpu_limit(root_, "0::/x\n"), 0);
}

// BERTC_NUM_THREADS sets the default count, capped at the CPUs available; bad values name it.
TEST(NumThreadsEnv, OverridesTheDefault) {
  ASSERT_EQ(setenv("BERTC_NUM_THREADS", "1", 1), 0);
  EXPECT_EQ(ThreadPool::resolve_num_threads(0), 1);
  EXPECT_EQ(ThreadPool::resolve_num_threads(2), std::min(2, ThreadPool::available_cpus()));
  ASSERT_EQ(setenv("BERTC_NUM_THREADS", "100000", 1), 0);
  EXPECT_EQ(ThreadPool::resolve_num_threads(0), ThreadPool::available_cpus());
  for (const char* bad : {"0", "-2", "two", "3x"}) {
    ASSERT_EQ(setenv("BERTC_NUM_THREADS", bad, 1), 0);
    const std::string msg = testing::error_of([] { ThreadPool::resolve_num_threads(0); });
    EXPECT_NE(msg.find("BERTC_NUM_THREADS must be a whole number >= 1, got '" + std::string(bad) + "'"),
              std::string::npos) << msg;
  }
  unsetenv("BERTC_NUM_THREADS");
  EXPECT_EQ(ThreadPool::resolve_num_threads(0), ThreadPool::available_cpus());
}

}  // namespace
}  // namespace bertc::cpu
