// The safetensors reader: dtype conversion and header validation.
#include <gtest/gtest.h>

#include "hf_test_util.h"
#include "ir/bf16.h"

namespace bertc {
namespace {

using frontend::hf::SafetensorsFile;
using testing::error_of;

std::string path_for(const std::string& name) { return testing::temp_path(name + ".safetensors"); }

TEST(Safetensors, HalfAndBfloatConvertExactly) {
  EXPECT_EQ(frontend::hf::f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(frontend::hf::f16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(frontend::hf::f16_to_f32(0x0001), 5.9604644775390625e-8f);  // smallest subnormal
  EXPECT_EQ(frontend::hf::f16_to_f32(0x7bff), 65504.0f);
  EXPECT_TRUE(std::isinf(frontend::hf::f16_to_f32(0x7c00)));
  EXPECT_EQ(ir::bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(ir::bf16_to_f32(0xc0a0), -5.0f);
}

TEST(Safetensors, ReadsEveryFloatDtype) {
  const std::string p = path_for("dtypes");
  std::string data;
  const uint16_t h[2] = {0x3c00, 0xc000};  // F16 1, -2
  const uint16_t b[2] = {0x3f80, 0xc0a0};  // BF16 1, -5
  const double d[2] = {0.5, -0.25};
  data.append(reinterpret_cast<const char*>(h), 4);
  data.append(reinterpret_cast<const char*>(b), 4);
  data.append(reinterpret_cast<const char*>(d), 16);
  const std::string header = R"({"__metadata__":{"format":"pt"},)"
                             R"("h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},)"
                             R"("d":{"dtype":"F64","shape":[1,2],"data_offsets":[8,24]}})";
  testing::write_raw_safetensors(p, header, data);
  SafetensorsFile f(p);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.read_f32("h").data<float>()[1], -2.0f);
  EXPECT_EQ(f.read_f32("b").data<float>()[1], -5.0f);
  const Tensor t = f.read_f32("d");
  EXPECT_EQ(t.shape(), (Dims{1, 2}));
  EXPECT_EQ(t.data<float>()[1], -0.25f);
  EXPECT_HAS(error_of([&] { f.read_f32("nope"); }), "missing tensor 'nope'");
}

// Opening a file with this header (and `data`) fails with a message containing `part`.
void expect_header_error(const std::string& tag, const std::string& header, const std::string& data,
                         const std::string& part) {
  const std::string p = path_for(tag);
  testing::write_raw_safetensors(p, header, data);
  const std::string msg = error_of([&] { SafetensorsFile f(p); });
  EXPECT_HAS(msg, p);
  EXPECT_HAS(msg, part);
}

TEST(Safetensors, HeaderErrorsNameTheTensor) {
  const std::string eight(8, '\0');
  expect_header_error("json", "{not json", eight, "malformed safetensors header: malformed JSON");
  expect_header_error("dtype", R"({"w":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}})", eight,
                      "tensor 'w': unknown dtype 'F7'");
  expect_header_error("size", R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight,
                      "tensor 'w': data_offsets [0, 8] hold 8 bytes but F32 [3] needs 12");
  expect_header_error("past", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", eight,
                      "run past the end of the data");
  expect_header_error("overlap",
                      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                      eight, "tensors 'a' and 'b' overlap");
  expect_header_error("offsets", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight,
                      "data_offsets must be [begin, end]");
}

TEST(Safetensors, TruncatedFiles) {
  const std::string p = path_for("short");
  testing::write_text(p, "abc");
  EXPECT_HAS(error_of([&] { SafetensorsFile f(p); }), "truncated safetensors file: 3 bytes");
  const std::string q = path_for("short_header");
  testing::write_text(q, std::string("\x40\x00\x00\x00\x00\x00\x00\x00{}", 10));
  EXPECT_HAS(error_of([&] { SafetensorsFile f(q); }), "the header says 64 bytes");
}

TEST(Safetensors, IntegerBuffersAreNotWeights) {
  const std::string p = path_for("int");
  testing::write_raw_safetensors(
      p, R"({"position_ids":{"dtype":"I64","shape":[1,1],"data_offsets":[0,8]}})",
      std::string(8, '\0'));
  SafetensorsFile f(p);
  EXPECT_HAS(error_of([&] { f.read_f32("position_ids"); }),
             "tensor 'position_ids' has dtype I64; a weight must be F32, F16, BF16 or F64");
}

}  // namespace
}  // namespace bertc
