// Mutation fuzzing of the two loaders (ONNX import and bundle load) with a fixed seed: every
// mutated file must either load and run, or fail with a bertc::Error — never crash, hang or
// throw anything else. Run under -DBERTC_SANITIZE=ON to catch out-of-bounds reads too.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "../e2e/fixtures.h"
#include "../common/temp_path.h"
#include "bertc/error.h"
#include "bertc/session.h"
#include "runtime/bundle.h"

namespace bertc {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Loads (and runs, when it loads) a model; returns false only for a non-bertc exception.
bool survives(const std::function<Model()>& load, const std::map<std::string, Tensor>& inputs) {
  try {
    Session session(load());
    for (const auto& [name, t] : inputs) session.set_input(name, t);
    session.run();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-bertc exception: " << e.what();
    return false;
  }
  return true;
}

void mutate(std::string& bytes, size_t begin, size_t end, std::mt19937& rng) {
  std::uniform_int_distribution<size_t> pos(begin, end - 1);
  std::uniform_int_distribution<int> byte(0, 255), count(1, 8), kind(0, 3);
  for (int i = count(rng); i > 0; --i) {
    size_t p = pos(rng);
    switch (kind(rng)) {
      case 0: bytes[p] = static_cast<char>(byte(rng)); break;        // random byte
      case 1: bytes[p] = static_cast<char>(bytes[p] ^ (1 << (byte(rng) % 8))); break;
      case 2: bytes[p] = "0123456789-[]{},\""[byte(rng) % 17]; break;  // JSON-ish
      default: bytes[p] = '9'; break;                                  // grow numbers
    }
  }
}

class LoaderFuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fixtures_dir() / "bert_opset14";
    if (!std::filesystem::exists(dir_ / "model.onnx")) GTEST_SKIP() << "fixture missing";
    inputs_ = testing::read_npy_dir(dir_ / "inputs");
  }
  std::filesystem::path dir_;
  std::map<std::string, Tensor> inputs_;
};

TEST_F(LoaderFuzz, MutatedOnnxFiles) {
  std::string original = read_file(dir_ / "model.onnx");
  std::string path = testing::temp_path("fuzz.onnx");
  std::mt19937 rng(1234);
  for (int i = 0; i < 150; ++i) {
    std::string bytes = original;
    mutate(bytes, 0, bytes.size(), rng);
    if (i % 10 == 0) bytes.resize(rng() % bytes.size());  // truncations too
    write_file(path, bytes);
    ASSERT_TRUE(survives([&] { return compile(path, {.opt_level = 0}); }, inputs_)) << "iteration " << i;
  }
}

TEST_F(LoaderFuzz, MutatedBundleMetadataWithValidChecksum) {
  std::string bundle = testing::temp_path("fuzz_src.bertc");
  save(compile(dir_ / "model.onnx", {.opt_level = 0}), bundle);
  std::string original = read_file(bundle);
  uint64_t meta_bytes;
  std::memcpy(&meta_bytes, original.data() + 24, 8);
  std::string path = testing::temp_path("fuzz.bertc");
  std::mt19937 rng(99);
  for (int i = 0; i < 300; ++i) {
    std::string bytes = original;
    mutate(bytes, runtime::kBundleHeaderBytes, runtime::kBundleHeaderBytes + meta_bytes, rng);
    uint64_t sum = XXH3_64bits(bytes.data() + runtime::kBundleHeaderBytes,
                               bytes.size() - runtime::kBundleHeaderBytes);
    std::memcpy(bytes.data() + 48, &sum, 8);  // so the parser, not the checksum, is tested
    write_file(path, bytes);
    ASSERT_TRUE(survives([&] { return load_model(path); }, inputs_)) << "iteration " << i;
  }
}

}  // namespace
}  // namespace bertc
