// Bad input gets a clear error that names the problem; never a crash or garbage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../common/error_of.h"
#include "../common/temp_path.h"
#include "bertc/error.h"
#include "bertc/session.h"
#include "fixtures.h"

namespace bertc {
namespace {

using testing::error_of;

class BertErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = testing::fixtures_dir() / "bert_opset14";
    bundle_ = new std::string(testing::temp_path("errors_bert.bertc"));
    save(compile((dir / "model.onnx").string(), {.opt_level = 0}), *bundle_);
  }
  static void TearDownTestSuite() { delete bundle_; }
  void SetUp() override {
    if (!std::filesystem::exists(*bundle_)) GTEST_SKIP() << "fixture bert_opset14 missing";
  }
  static Tensor ids(Dims shape, int64_t value) {
    Tensor t = Tensor::empty(DType::kI64, shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<int64_t>()[i] = value;
    return t;
  }
  static std::string* bundle_;
};
std::string* BertErrors::bundle_ = nullptr;

TEST_F(BertErrors, UnknownInputName) {
  Session s = Session::load(*bundle_);
  std::string msg = error_of([&] { s.set_input("input_idz", ids({1, 4}, 5)); });
  EXPECT_NE(msg.find("unknown input 'input_idz'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input_ids"), std::string::npos) << msg;
}

TEST_F(BertErrors, WrongDtypeAndRank) {
  Session s = Session::load(*bundle_);
  Tensor f = Tensor::empty(DType::kF32, {1, 4});
  EXPECT_NE(error_of([&] { s.set_input("input_ids", f); }).find("must be int64, got float32"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.set_input("input_ids", ids({4}, 5)); }).find("must have rank 2"),
            std::string::npos);
}

TEST_F(BertErrors, EmptyInput) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 0}, 5));
  s.set_input("attention_mask", ids({1, 0}, 1));
  s.set_input("token_type_ids", ids({1, 0}, 0));
  std::string msg = error_of([&] { s.run(); });
  EXPECT_NE(msg.find("is empty"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input_ids"), std::string::npos) << msg;
}

TEST_F(BertErrors, InconsistentSequenceLengths) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 6}, 5));
  s.set_input("attention_mask", ids({1, 5}, 1));
  s.set_input("token_type_ids", ids({1, 6}, 0));
  std::string msg = error_of([&] { s.run(); });
  EXPECT_NE(msg.find("attention_mask"), std::string::npos) << msg;
}

TEST_F(BertErrors, MissingInput) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 6}, 5));
  EXPECT_NE(error_of([&] { s.run(); }).find("was not set"), std::string::npos);
}

TEST_F(BertErrors, TokenIdOutsideVocabulary) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 6}, 250));  // the fixture's vocabulary has 250 ids
  s.set_input("attention_mask", ids({1, 6}, 1));
  s.set_input("token_type_ids", ids({1, 6}, 0));
  std::string msg = error_of([&] { s.run(); });
  EXPECT_NE(msg.find("input_ids"), std::string::npos) << msg;
  EXPECT_NE(msg.find("250"), std::string::npos) << msg;
}

TEST_F(BertErrors, NegativeTokenId) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 6}, -3));
  s.set_input("attention_mask", ids({1, 6}, 1));
  s.set_input("token_type_ids", ids({1, 6}, 0));
  EXPECT_NE(error_of([&] { s.run(); }).find("input_ids"), std::string::npos);
}

TEST_F(BertErrors, SequenceLongerThanPositions) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 41}, 5));  // max_position_embeddings is 40
  s.set_input("attention_mask", ids({1, 41}, 1));
  s.set_input("token_type_ids", ids({1, 41}, 0));
  std::string msg = error_of([&] { s.run(); });
  EXPECT_NE(msg.find("input_ids"), std::string::npos) << msg;
  EXPECT_NE(msg.find("40"), std::string::npos) << msg;
}

TEST_F(BertErrors, MaskValuesOtherThanZeroOrOne) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 6}, 5));
  s.set_input("attention_mask", ids({1, 6}, 2));
  s.set_input("token_type_ids", ids({1, 6}, 0));
  std::string msg = error_of([&] { s.run(); });
  EXPECT_NE(msg.find("attention_mask"), std::string::npos) << msg;
}

TEST_F(BertErrors, TokenTypeOutsideTable) {
  Session s = Session::load(*bundle_);
  s.set_input("input_ids", ids({1, 6}, 5));
  s.set_input("attention_mask", ids({1, 6}, 1));
  s.set_input("token_type_ids", ids({1, 6}, 2));
  EXPECT_NE(error_of([&] { s.run(); }).find("token_type_ids"), std::string::npos);
}

class BundleErrors : public BertErrors {
 protected:
  std::string corrupt_copy(const std::function<void(std::string&)>& edit) {
    std::ifstream in(*bundle_, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    edit(bytes);
    std::string path = testing::temp_path("corrupt.bertc");
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
};

TEST_F(BundleErrors, Truncated) {
  for (size_t keep : {0u, 10u, 64u, 1000u}) {
    std::string path = corrupt_copy([&](std::string& b) { b.resize(keep); });
    std::string msg = error_of([&] { load_model(path); });
    EXPECT_NE(msg.find("corrupt.bertc"), std::string::npos) << msg;
    EXPECT_TRUE(msg.find("truncated") != std::string::npos || msg.find("corrupted") != std::string::npos ||
                msg.find("not a bertc bundle") != std::string::npos)
        << msg;
  }
  std::string path = corrupt_copy([](std::string& b) { b.resize(b.size() - 1); });
  EXPECT_NE(error_of([&] { load_model(path); }).find("truncated"), std::string::npos);
}

TEST_F(BundleErrors, FlippedByteFailsTheChecksum) {
  std::string path = corrupt_copy([](std::string& b) { b[b.size() / 2] ^= 0x40; });
  EXPECT_NE(error_of([&] { load_model(path); }).find("checksum"), std::string::npos);
}

TEST_F(BundleErrors, WrongVersionAndMagic) {
  std::string path = corrupt_copy([](std::string& b) { b[8] = 99; });
  EXPECT_NE(error_of([&] { load_model(path); }).find("version 99"), std::string::npos);
  path = corrupt_copy([](std::string& b) { b[0] = 'X'; });
  EXPECT_NE(error_of([&] { load_model(path); }).find("not a bertc bundle"), std::string::npos);
  EXPECT_NE(error_of([&] { load_model("/nonexistent/x.bertc"); }).find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace bertc
