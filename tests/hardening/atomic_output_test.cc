// Outputs are written whole or not at all: with the file size limit lowered (RLIMIT_FSIZE,
// the way a full disk fails a write), save() and write_npys() fail with a bertc::Error and
// leave the previous files untouched and no temporary files behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>

#include "../common/error_of.h"
#include "../common/run_cli.h"
#include "../e2e/fixtures.h"
#include "bertc/npy.h"
#include "bertc/compile.h"
#include "hostile_files.h"

namespace bertc {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

// Lowers the largest file this process may write for the scope's duration.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lower);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicOutput, FailedSaveKeepsThePreviousBundle) {
  const fs::path dir = testing::scratch_dir("atomic_bundle");
  const Model model = compile((testing::fixtures_dir() / "bert_opset14" / "model.onnx").string());
  const std::string path = (dir / "model.bertc").string();
  testing::write_bytes(path, "the previous good file");
  {
    FileSizeLimit limit(4096);
    EXPECT_HAS(error_of([&] { save(model, path); }), "write failed");
  }
  EXPECT_EQ(testing::read_all(path), "the previous good file");
  EXPECT_EQ(files_in(dir), 1u);  // no temporary file left
  save(model, path);
  EXPECT_NO_THROW(load_model(path));
}

TEST(AtomicOutput, FailedMultiFileWriteLeavesNoPartialSet) {
  const fs::path dir = testing::scratch_dir("atomic_npy");
  const Tensor small = Tensor::empty(DType::kF32, {4});
  const Tensor big = Tensor::empty(DType::kF32, {4096});
  testing::write_bytes(dir / "b.npy", "old b");
  {
    FileSizeLimit limit(4096);
    EXPECT_HAS(error_of([&] {
                 write_npys({{(dir / "a.npy").string(), &small}, {(dir / "b.npy").string(), &big}});
               }),
               "b.npy: write failed");
  }
  EXPECT_FALSE(fs::exists(dir / "a.npy"));  // a.npy fitted, but the set failed
  EXPECT_EQ(testing::read_all(dir / "b.npy"), "old b");
  EXPECT_EQ(files_in(dir), 1u);
}

TEST(AtomicOutput, OutputPathsThatAreFoldersOrMissingFoldersAreClearErrors) {
  const fs::path dir = testing::scratch_dir("atomic_paths");
  const Tensor t = Tensor::empty(DType::kF32, {4});
  EXPECT_HAS(error_of([&] { write_npy(dir.string(), t); }), "is a directory");
  EXPECT_HAS(error_of([&] { write_npy((dir / "no" / "x.npy").string(), t); }), "does not exist");
}

// ---- the command line's own checks ----------------------------------------------------------

TEST(CliHardening, BadFlagsAndPathsAreClearErrors) {
  const fs::path fixture = testing::fixtures_dir() / "bert_opset14";
  const fs::path dir = testing::scratch_dir("cli_hardening");
  const std::string bundle = (dir / "m.bertc").string();
  ASSERT_EQ(testing::bertc_cli({"compile", (fixture / "model.onnx").string(), "-o", bundle}).rc, 0);
  const std::string ids = "input_ids=" + (fixture / "inputs" / "input_ids.npy").string();
  const std::string mask = "attention_mask=" + (fixture / "inputs" / "attention_mask.npy").string();

  testing::write_bytes(dir / "afile", "x");
  const std::string types =
      "token_type_ids=" + (fixture / "inputs" / "token_type_ids.npy").string();
  auto r = testing::bertc_cli({"run", bundle, "-i", ids, "-i", mask, "-i", types, "--output-dir",
                               (dir / "afile").string()});
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.err, "exists and is not a folder");

  r = testing::bertc_cli({"run", bundle, "--text", "x", "--max-batch-tokens", "0"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.err, "--max-batch-tokens must be at least 1, got 0");

  r = testing::bertc_cli({"bench", bundle, "--runs", "1", "--threads", "-1"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.err, "got -1");

  r = testing::bertc_cli(
      {"bench", bundle, "--seq", "16", "--runs", "1", "--warmup", "0", "--threads", "1000"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_HAS(r.err, "1000 threads requested");

  r = testing::bertc_cli(
      {"bench", bundle, "--batch", "4611686018427387904", "--seq", "16", "--runs", "1"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.err, "--batch 4611686018427387904 x --seq 16 tokens is too large");

  fs::create_directories(dir / "empty_expected");
  r = testing::bertc_cli({"verify", bundle, "--inputs", (fixture / "inputs").string(), "--expected",
                          (dir / "empty_expected").string()});
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.err, "nothing verified");

  r = testing::bertc_cli({"compile", (fixture / "model.onnx").string(), "-o", dir.string()});
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.err, "is a directory");
}

}  // namespace
}  // namespace bertc
