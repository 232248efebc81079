// Mutation fuzzing of the loaders with a fixed seed — ONNX import, bundle load, Hugging Face
// folders (config.json, model.safetensors, pytorch_model.bin: its zip directory and pickle)
// and .npy inputs: every mutated file must either load and run, or fail with a bertc::Error —
// never crash, hang or throw anything else. Run under -DBERTC_SANITIZE=ON to catch
// out-of-bounds reads too.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "../common/temp_path.h"
#include "../e2e/fixtures.h"
#include "bertc/error.h"
#include "bertc/npy.h"
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
      case 0:
        bytes[p] = static_cast<char>(byte(rng));
        break;  // random byte
      case 1:
        bytes[p] = static_cast<char>(bytes[p] ^ (1 << (byte(rng) % 8)));
        break;
      case 2:
        bytes[p] = "0123456789-[]{},\""[byte(rng) % 17];
        break;  // JSON-ish
      default:
        bytes[p] = '9';
        break;  // grow numbers
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
    ASSERT_TRUE(survives([&] { return compile(path, {.opt_level = 0}); }, inputs_))
        << "iteration " << i;
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

// A copy of the HF fixture bert_cls with only `weights` (model.safetensors or
// pytorch_model.bin) beside config.json; `edit` mutates the file named `target` in it.
class HfFolderFuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = testing::fixtures_dir() / "hf" / "bert_cls";
    if (!std::filesystem::exists(src_ / "config.json")) GTEST_SKIP() << "fixture missing";
    inputs_ = testing::read_npy_dir(src_ / "reference" / "inputs");
  }
  // Mutates `target` `iterations` times within the byte ranges `ranges` (empty: the whole file)
  // and compiles + runs the folder each time.
  void fuzz(const std::string& weights, const std::string& target,
            std::vector<std::pair<size_t, size_t>> ranges, int iterations, uint32_t seed) {
    const std::filesystem::path dir = testing::temp_path("fuzz_hf_" + weights);
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(src_ / "config.json", dir / "config.json",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(src_ / weights, dir / weights,
                               std::filesystem::copy_options::overwrite_existing);
    const std::string original = read_file(src_ / target);
    ASSERT_NO_THROW(Session(compile(dir.string(), {.opt_level = 0})))
        << "the unmutated copy must load";
    if (ranges.empty()) ranges.push_back({0, original.size()});
    std::mt19937 rng(seed);
    for (int i = 0; i < iterations; ++i) {
      std::string bytes = original;
      const auto& [begin, end] = ranges[static_cast<size_t>(i) % ranges.size()];
      mutate(bytes, begin, std::min(end, bytes.size()), rng);
      if (i % 10 == 9) bytes.resize(rng() % bytes.size());  // truncations too
      write_file(dir / target, bytes);
      ASSERT_TRUE(survives([&] { return compile(dir.string(), {.opt_level = 0}); }, inputs_))
          << target << ", iteration " << i;
    }
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path src_;
  std::map<std::string, Tensor> inputs_;
};

TEST_F(HfFolderFuzz, MutatedConfig) { fuzz("model.safetensors", "config.json", {}, 200, 7); }

TEST_F(HfFolderFuzz, MutatedSafetensorsHeader) {
  // The 8-byte length and the JSON header that follows it.
  const std::string bytes = read_file(src_ / "model.safetensors");
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  fuzz("model.safetensors", "model.safetensors", {{0, 8 + header}}, 200, 11);
}

TEST_F(HfFolderFuzz, MutatedPytorchBin) {
  // The pickle (the first archive member) and the zip's central directory (the end).
  const size_t size = std::filesystem::file_size(src_ / "pytorch_model.bin");
  fuzz("pytorch_model.bin", "pytorch_model.bin", {{0, 7000}, {size - 6000, size}}, 300, 13);
}

TEST(NpyFuzz, MutatedNpyFiles) {
  const std::string original =
      read_file(testing::fixtures_dir() / "bert_opset14" / "inputs" / "input_ids.npy");
  const std::string path = testing::temp_path("fuzz.npy");
  std::mt19937 rng(17);
  for (int i = 0; i < 300; ++i) {
    std::string bytes = original;
    mutate(bytes, 0, std::min<size_t>(128, bytes.size()), rng);  // magic, version, header
    if (i % 10 == 9) bytes.resize(rng() % bytes.size());
    write_file(path, bytes);
    try {
      const Tensor t = read_npy(path);
      EXPECT_GE(t.numel(), 0);
    } catch (const Error&) {
    } catch (const std::exception& e) {
      FAIL() << "non-bertc exception: " << e.what() << ", iteration " << i;
    }
  }
}

}  // namespace
}  // namespace bertc
