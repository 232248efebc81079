// pytorch_model.bin (torch.save, ZIP + pickle): the committed hf/bert_cls/pytorch_model.bin holds
// the same weights as its model.safetensors, stored as transposed views, one float64 tensor and
// an int64 buffer; hostile or broken archives are refused by name.
#include "frontend/hf/torch_checkpoint.h"

#include <gtest/gtest.h>

#include "bertc/session.h"
#include "hf_test_util.h"

namespace bertc {
namespace {

using namespace std::string_literals;

using frontend::hf::TorchCheckpoint;
using testing::error_of;
using testing::hf_fixture;
namespace fs = std::filesystem;

const fs::path kBin = hf_fixture("bert_cls") / "pytorch_model.bin";

TEST(TorchCheckpoint, SameTensorsAsTheSafetensorsFile) {
  const TorchCheckpoint bin(kBin.string());
  const auto safetensors = testing::read_safetensors(hf_fixture("bert_cls") / "model.safetensors");
  for (const auto& [name, want] : safetensors) {
    ASSERT_TRUE(bin.contains(name)) << name;
    const Tensor got = bin.read_f32(name);
    ASSERT_EQ(got.shape(), want.shape()) << name;
    EXPECT_EQ(std::memcmp(got.raw(), want.raw(), want.nbytes()), 0) << name;
  }
  EXPECT_EQ(bin.shape("bert.embeddings.position_ids"), (Dims{1, 48}));
  EXPECT_HAS(error_of([&] { bin.read_f32("bert.embeddings.position_ids"); }),
             "tensor 'bert.embeddings.position_ids' has dtype I64");
  EXPECT_HAS(error_of([&] { bin.read_f32("nope"); }), "missing tensor 'nope'");
}

TEST(TorchCheckpoint, FolderWithOnlyPytorchBinMatchesPyTorch) {
  const fs::path dir = testing::temp_path("hf_bert_cls_bin");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f : {"config.json", "pytorch_model.bin"}) {
    fs::copy_file(hf_fixture("bert_cls") / f, dir / f);
  }
  Session session(compile(dir.string(), {.opt_level = 0}));
  for (const auto& [name, t] :
       testing::read_npy_dir(hf_fixture("bert_cls") / "reference" / "inputs")) {
    session.set_input(name, t);
  }
  session.run();
  const auto want = testing::read_npy_dir(hf_fixture("bert_cls") / "reference" / "outputs");
  EXPECT_LE(testing::max_abs_diff(session.get_output("logits"), want.at("logits")), 1e-4);
}

// A ZIP archive of stored entries (no CRC: the reader does not check it).
void write_zip(const fs::path& path,
               const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out, dir;
  auto u16 = [](std::string& s, uint32_t v) { s.append({char(v & 0xff), char(v >> 8)}); };
  auto u32 = [&](std::string& s, uint32_t v) {
    u16(s, v & 0xffff);
    u16(s, v >> 16);
  };
  for (const auto& [name, data] : files) {
    const auto offset = static_cast<uint32_t>(out.size());
    const auto n = static_cast<uint32_t>(data.size());
    u32(out, 0x04034b50);
    for (uint32_t v : {20u, 0u, 0u, 0u, 0u}) u16(out, v);  // version, flags, method, time, date
    u32(out, 0);                                           // crc
    u32(out, n);
    u32(out, n);
    u16(out, static_cast<uint32_t>(name.size()));
    u16(out, 0);
    out += name + data;
    u32(dir, 0x02014b50);
    for (uint32_t v : {20u, 20u, 0u, 0u, 0u, 0u}) u16(dir, v);
    u32(dir, 0);
    u32(dir, n);
    u32(dir, n);
    u16(dir, static_cast<uint32_t>(name.size()));
    for (uint32_t v : {0u, 0u, 0u, 0u}) u16(dir, v);  // extra, comment, disk, internal attrs
    u32(dir, 0);                                      // external attrs
    u32(dir, offset);
    dir += name;
  }
  const auto dir_offset = static_cast<uint32_t>(out.size());
  out += dir;
  u32(out, 0x06054b50);
  for (uint32_t v : {0u, 0u}) u16(out, v);
  u16(out, static_cast<uint32_t>(files.size()));
  u16(out, static_cast<uint32_t>(files.size()));
  u32(out, static_cast<uint32_t>(dir.size()));
  u32(out, dir_offset);
  u16(out, 0);
  testing::write_text(path, out);
}

std::string checkpoint_error(const std::string& tag,
                             const std::vector<std::pair<std::string, std::string>>& files) {
  const fs::path p = testing::temp_path(tag + ".bin");
  write_zip(p, files);
  return error_of([&] { TorchCheckpoint c(p.string()); });
}

TEST(TorchCheckpoint, RefusesAnythingButAStateDict) {
  // pickle: GLOBAL 'os system', SHORT_BINUNICODE 'echo', TUPLE1, REDUCE, STOP
  const std::string evil =
      "\x80\x02"
      "cos\nsystem\n"
      "\x8c\x04"
      "echo"
      "\x85"
      "R.";
  EXPECT_HAS(checkpoint_error("evil", {{"m/data.pkl", evil}}),
             "m/data.pkl: 'os.system' is not part of a tensor state_dict");
  EXPECT_HAS(checkpoint_error("list", {{"m/data.pkl", "\x80\x02]."}}), "not a state_dict");
  EXPECT_HAS(checkpoint_error("truncated", {{"m/data.pkl",
                                             "\x80\x02}\x8c\x10"
                                             "ab"}}),
             "truncated pickle");
  EXPECT_HAS(checkpoint_error("opcode", {{"m/data.pkl", "\x80\x02\xff"}}),
             "pickle opcode 0xff at byte 2");
  EXPECT_HAS(checkpoint_error("no_pkl", {{"m/version", "3\n"}}), "no data.pkl in this archive");
}

TEST(TorchCheckpoint, StorageErrors) {
  // {'w': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 4), 0, (2, 3), (3, 1))}
  const std::string pkl =
      "\x80\x02}\x8c\x01w"
      "ctorch._utils\n_rebuild_tensor_v2\n("
      "(\x8c\x07storagectorch\nFloatStorage\n\x8c\x01"
      "0\x8c\x03"
      "cpuK\x04tQ"
      "K\x00K\x02K\x03\x86K\x03K\x01\x86\x89tRs."s;  // ""s: keeps the NUL of K\x00
  EXPECT_HAS(checkpoint_error("no_storage", {{"m/data.pkl", pkl}}),
             "tensor 'w': storage 'm/data/0' is missing");
  EXPECT_HAS(
      checkpoint_error("short_storage", {{"m/data.pkl", pkl}, {"m/data/0", std::string(16, '\0')}}),
      "tensor 'w' [2, 3] reaches past the end of its storage 'm/data/0' (16 bytes)");
  const fs::path p = testing::temp_path("ok.bin");
  write_zip(p, {{"m/data.pkl", pkl}, {"m/data/0", std::string(24, '\0')}});
  EXPECT_EQ(TorchCheckpoint(p.string()).shape("w"), (Dims{2, 3}));

  const fs::path cut = testing::temp_path("cut.bin");
  fs::copy_file(kBin, cut, fs::copy_options::overwrite_existing);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  EXPECT_HAS(error_of([&] { TorchCheckpoint c(cut.string()); }), "not a ZIP archive");
}

}  // namespace
}  // namespace bertc
