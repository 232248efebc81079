// Hostile files against every loader: each case is a class of attack from the hardening issue
// (deep nesting, overflowing sizes and strides, recursive error messages, FIFOs, symlinks out
// of the model folder, loose .npy headers, unsupported ONNX IR versions, broken tokenizers).
// Every one must end in a bertc::Error that names the problem — no crash, hang or wrong read.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../common/error_of.h"
#include "../e2e/fixtures.h"
#include "bertc/npy.h"
#include "bertc/compile.h"
#include "bertc/tokenizer.h"
#include "frontend/hf/state_dict_pickle.h"
#include "frontend/hf/torch_checkpoint.h"
#include "frontend/onnx/onnx_proto.h"
#include "hostile_files.h"

namespace bertc {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

fs::path hf_fixture(const std::string& name) { return testing::fixtures_dir() / "hf" / name; }

// ---- pytorch_model.bin -------------------------------------------------------------------

TEST(HostilePickle, DeepNestingIsRefusedWithoutRecursion) {
  // 300,000 tuples, each holding the previous one (TUPLE1): freeing them used to recurse.
  const std::string pickle = "\x80\x02)" + std::string(300000, '\x85') + ".";
  const std::string err = error_of([&] { frontend::hf::read_state_dict_pickle(pickle, "data.pkl"); });
  EXPECT_HAS(err, "data.pkl: not a state_dict");
}

TEST(HostilePickle, SelfContainingListDoesNotLeakOrLoop) {
  // ] q\0 h\0 a: a list appended to itself through the memo.
  const std::string pickle = std::string(
      "\x80\x02]q\x00h\x00"
      "a.",
      9);
  EXPECT_HAS(error_of([&] { frontend::hf::read_state_dict_pickle(pickle, "data.pkl"); }),
             "not a state_dict");
}

TEST(HostilePickle, ValidStateDictReads) {
  const fs::path dir = testing::scratch_dir("pickle_ok");
  testing::write_bytes(dir / "pytorch_model.bin",
                       testing::torch_checkpoint(testing::state_dict_pickle(1, {3}, {1})));
  frontend::hf::TorchCheckpoint ckpt((dir / "pytorch_model.bin").string());
  EXPECT_EQ(ckpt.shape("w"), (Dims{3}));
  EXPECT_EQ(ckpt.read_f32("w").numel(), 3);
}

TEST(HostilePickle, OverflowingStridesOffsetsAndShapesAreRefused) {
  struct Case {
    const char* what;
    int64_t offset;
    std::vector<int64_t> shape, strides;
    const char* expect;
  };
  const Case cases[] = {
      {"stride 7e16", 0, {4, 2}, {70000000000000000, 1}, "reaches past the end"},
      {"stride 4e18", 0, {4, 2}, {4000000000000000000, 1}, "too large"},
      {"stride past storage", 0, {4, 2}, {1000, 1}, "reaches past the end"},
      {"offset near 2^63", int64_t{1} << 62 | (int64_t{1} << 61), {2}, {1}, "too large"},
      {"offset past storage", 1000, {2}, {1}, "reaches past the end"},
      {"negative offset", -1, {2}, {1}, "negative storage offset"},
      {"negative stride", 0, {2}, {-1}, "negative stride"},
      {"negative size", 0, {-2}, {1}, "negative dimension"},
      {"huge shape", 0, {int64_t{1} << 40, int64_t{1} << 40}, {0, 0}, "too many elements"},
  };
  const fs::path dir = testing::scratch_dir("pickle_bad");
  for (const Case& c : cases) {
    testing::write_bytes(
        dir / "pytorch_model.bin",
        testing::torch_checkpoint(testing::state_dict_pickle(c.offset, c.shape, c.strides)));
    const std::string err =
        error_of([&] { frontend::hf::TorchCheckpoint((dir / "pytorch_model.bin").string()); });
    EXPECT_HAS(err, c.expect) << c.what;
    EXPECT_HAS(err, "tensor 'w'") << c.what;
  }
}

// ---- JSON: configs, modules, safetensors headers ------------------------------------------

void set_config_value(const fs::path& dir, const std::string& key, const std::string& json_text) {
  std::ifstream in(dir / "config.json");
  nlohmann::json cfg = nlohmann::json::parse(in);
  cfg.erase(key);
  std::string text = cfg.dump();
  text.insert(1, "\"" + key + "\": " + json_text + ", ");
  testing::write_bytes(dir / "config.json", text);
}

TEST(HostileJson, DeepValuesInConfigAreRefusedNotDumped) {
  for (const char* key : {"hidden_size", "hidden_act", "architectures"}) {
    const fs::path dir = testing::copy_dir(hf_fixture("bert"), "deep_config");
    set_config_value(dir, key, testing::deep_json_array(100000));
    const std::string err = error_of([&] { compile(dir.string(), {.opt_level = 0}); });
    EXPECT_HAS(err, "config.json: malformed JSON: nested deeper than 64 levels") << key;
  }
}

TEST(HostileJson, WrongTypedValuesAreQuotedAsShortExcerpts) {
  const std::string long_string = "\"" + std::string(10000, 'x') + "\"";
  const fs::path dir = testing::copy_dir(hf_fixture("bert"), "flat_config");
  set_config_value(dir, "hidden_size", testing::deep_json_array(20, long_string));
  const std::string err = error_of([&] { compile(dir.string(), {.opt_level = 0}); });
  EXPECT_HAS(err, "'hidden_size' must be an integer, got an array of 1 items");
  EXPECT_LT(err.size(), 400u) << err;

  const fs::path act_dir = testing::copy_dir(hf_fixture("bert"), "flat_config_act");
  set_config_value(act_dir, "hidden_act", long_string);
  const std::string act = error_of([&] { compile(act_dir.string(), {.opt_level = 0}); });
  EXPECT_HAS(act, "hidden_act");
  EXPECT_LT(act.size(), 400u) << act;

  const fs::path num_dir = testing::copy_dir(hf_fixture("bert"), "flat_config_num");
  set_config_value(num_dir, "hidden_size", std::string(10000, '7'));
  const std::string num = error_of([&] { compile(num_dir.string(), {.opt_level = 0}); });
  EXPECT_HAS(num, "config.json: malformed JSON");
  EXPECT_LT(num.size(), 400u) << num;
}

TEST(HostileJson, DeepModulesJsonIsRefused) {
  const fs::path dir = testing::copy_dir(hf_fixture("bert"), "deep_modules");
  testing::write_bytes(dir / "modules.json", testing::deep_json_array(100000, "{}"));
  EXPECT_HAS(error_of([&] { compile(dir.string(), {.opt_level = 0}); }),
             "modules.json: malformed JSON: nested deeper");
  testing::write_bytes(dir / "modules.json", "[" + testing::deep_json_array(30, "7") + "]");
  EXPECT_HAS(error_of([&] { compile(dir.string(), {.opt_level = 0}); }),
             "every module needs a \"type\" and a \"path\" string, got an array of 1 items");
}

TEST(HostileJson, DeepSafetensorsShapeIsRefused) {
  const fs::path dir = testing::scratch_dir("deep_safetensors");
  const std::string header =
      "{\"w\": {\"dtype\": \"F32\", \"shape\": " + testing::deep_json_array(100000) +
      ", \"data_offsets\": [0, 4]}}";
  testing::write_bytes(dir / "model.safetensors",
                       testing::le_bytes(header.size(), 8) + header + std::string(4, '\0'));
  fs::copy_file(hf_fixture("bert") / "config.json", dir / "config.json");
  EXPECT_HAS(error_of([&] { compile(dir.string(), {.opt_level = 0}); }),
             "model.safetensors: malformed safetensors header: malformed JSON: nested deeper");
}

// ---- .npy ----------------------------------------------------------------------------------

std::string npy_with_header(const std::string& dict, const std::string& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + testing::le_bytes(h.size(), 2) + h + data;
}

TEST(HostileNpy, HeadersAreParsedStrictly) {
  const fs::path dir = testing::scratch_dir("npy");
  const std::string data(4 * 33, '\0');
  struct Case {
    std::string dict, data, expect;
  };
  const Case cases[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 11), }", data,
       "non-negative integers"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 11abc), }", data, "expected ','"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 11), 'x': 1}", data,
       "unexpected or repeated key 'x'"},
      {"{'descr': '<f4', 'fortran_order': False}", data,
       "must have 'descr', 'fortran_order' and 'shape'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3, 11)}", data,
       "repeated key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3, 11)}", data,
       "expected True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 11)} junk", data,
       "unexpected text after"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296)}",
       data, "too many elements"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", data,
       "too large"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 11)}", data.substr(1),
       "truncated .npy data"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 11)}", data + "x",
       "trailing .npy data"},
  };
  for (const Case& c : cases) {
    testing::write_bytes(dir / "x.npy", npy_with_header(c.dict, c.data));
    const std::string err = error_of([&] { read_npy((dir / "x.npy").string()); });
    EXPECT_HAS(err, c.expect) << c.dict;
    EXPECT_HAS(err, "x.npy") << c.dict;
  }
  testing::write_bytes(
      dir / "ok.npy",
      npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 11), }", data));
  EXPECT_EQ(read_npy((dir / "ok.npy").string()).shape(), (Dims{3, 11}));
}

// ---- FIFOs: every path a user can give is opened without blocking ---------------------------

TEST(HostilePaths, FifosFailAtOnceInEveryLoader) {
  alarm(60);  // a regression hangs in open(): let the alarm end the test instead of ctest
  const fs::path dir = testing::scratch_dir("fifo");
  ASSERT_EQ(mkfifo((dir / "pipe").c_str(), 0600), 0);
  const std::string pipe = (dir / "pipe").string();
  EXPECT_HAS(error_of([&] { read_npy(pipe); }), "FIFO");
  EXPECT_HAS(error_of([&] { load_model(pipe); }), "FIFO");
  EXPECT_HAS(error_of([&] { compile(pipe); }), "FIFO");
  EXPECT_HAS(error_of([&] { Tokenizer::from_file(pipe); }), "FIFO");

  // A folder whose config.json is a FIFO is not a model folder; whose weights are, says so.
  for (const auto& [file, expect] :
       {std::pair{"config.json", "no config.json"}, std::pair{"model.safetensors", "FIFO"}}) {
    const fs::path hf = testing::copy_dir(hf_fixture("bert"), std::string("fifo_hf_") + file);
    fs::remove(hf / file);
    ASSERT_EQ(mkfifo((hf / file).c_str(), 0600), 0);
    EXPECT_HAS(error_of([&] { compile(hf.string(), {.opt_level = 0}); }), expect) << file;
  }
  const fs::path ext =
      testing::copy_dir(testing::fixtures_dir() / "bert_opset14_external", "fifo_ext");
  fs::remove(ext / "model.onnx.data");
  ASSERT_EQ(mkfifo((ext / "model.onnx.data").c_str(), 0600), 0);
  EXPECT_HAS(error_of([&] { compile((ext / "model.onnx").string(), {.opt_level = 0}); }), "FIFO");
  alarm(0);
}

// ---- ONNX external data through symlinks ----------------------------------------------------

TEST(HostilePaths, ExternalDataCannotEscapeTheModelFolderThroughSymlinks) {
  const fs::path src = testing::fixtures_dir() / "bert_opset14_external";
  const fs::path outside = testing::scratch_dir("ext_outside");
  fs::copy_file(src / "model.onnx.data", outside / "stolen.data");

  // The data file itself is a symlink to a file outside the folder.
  const fs::path a = testing::copy_dir(src, "ext_file_link");
  fs::remove(a / "model.onnx.data");
  fs::create_symlink(outside / "stolen.data", a / "model.onnx.data");
  EXPECT_HAS(error_of([&] { compile((a / "model.onnx").string(), {.opt_level = 0}); }),
             "outside the model's folder");

  // A folder on the way is a symlink: location "sub/model.onnx.data", sub -> outside.
  const fs::path b = testing::copy_dir(src, "ext_dir_link");
  fs::rename(b / "model.onnx.data", outside / "model.onnx.data");
  fs::create_directory_symlink(outside, b / "sub");
  onnx::ModelProto model = frontend::onnx::read_onnx_model((b / "model.onnx").string());
  for (auto& init : *model.mutable_graph()->mutable_initializer()) {
    for (auto& entry : *init.mutable_external_data()) {
      if (entry.key() == "location") entry.set_value("sub/model.onnx.data");
    }
  }
  std::ofstream(b / "model.onnx", std::ios::binary | std::ios::trunc) << model.SerializeAsString();
  EXPECT_HAS(error_of([&] { compile((b / "model.onnx").string(), {.opt_level = 0}); }),
             "outside the model's folder");

  // A symlink that stays inside the folder is fine.
  const fs::path c = testing::copy_dir(src, "ext_inner_link");
  fs::rename(c / "model.onnx.data", c / "real.data");
  fs::create_symlink("real.data", c / "model.onnx.data");
  EXPECT_NO_THROW(compile((c / "model.onnx").string(), {.opt_level = 0}));
}

// ---- ONNX IR version, tokenizer files -------------------------------------------------------

TEST(HostileModels, UnsupportedIrVersionIsRefused) {
  const fs::path dir = testing::copy_dir(testing::fixtures_dir() / "bert_opset14", "ir999");
  onnx::ModelProto model = frontend::onnx::read_onnx_model((dir / "model.onnx").string());
  model.set_ir_version(999);
  std::ofstream(dir / "model.onnx", std::ios::binary | std::ios::trunc)
      << model.SerializeAsString();
  EXPECT_HAS(error_of([&] { compile((dir / "model.onnx").string()); }),
             "ONNX ir_version 999 is not supported");
}

TEST(HostileModels, BrokenTokenizerFailsTheCompileWithTheMessageTextWouldGive) {
  const fs::path dir = testing::copy_dir(hf_fixture("bert"), "broken_tokenizer");
  const std::string broken = R"({"model": {"type": "WordPiece", "vocab": 5}})";
  testing::write_bytes(dir / "tokenizer.json", broken);
  const std::string at_text = error_of([&] { Tokenizer::from_file(dir / "tokenizer.json"); });
  ASSERT_FALSE(at_text.empty());
  const std::string at_compile = error_of([&] { compile(dir.string(), {.opt_level = 0}); });
  // The same message, after the file name that starts both.
  EXPECT_HAS(at_compile, at_text.substr(at_text.find(": ") + 2));
}

// Fuzz find: a vocabulary or added-token id far beyond the vocabulary sized the id table
// (2^31 strings); ids must number the tokens.
TEST(HostileTokenizer, HugeIdsAreRefusedNotAllocated) {
  EXPECT_HAS(error_of([] {
               Tokenizer::from_json_string(
                   R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 222222228}}})");
             }),
             "vocabulary id 222222228 of 'a' is outside [0, 2)");
  EXPECT_HAS(error_of([] {
               Tokenizer::from_json_string(
                   R"({"added_tokens": [{"id": 2000000000, "content": "[X]"}],)"
                   R"( "model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1}}})");
             }),
             "added token id 2000000000 of '[X]' is outside [0, 3)");
  const fs::path dir = testing::scratch_dir("huge_added_id");
  testing::write_bytes(dir / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n");
  testing::write_bytes(dir / "tokenizer_config.json",
                       R"({"added_tokens_decoder": {"99999999": {"content": "[Y]"}}})");
  EXPECT_HAS(error_of([&] { Tokenizer::from_folder(dir); }), "added token id 99999999 of '[Y]' is outside");
}

}  // namespace
}  // namespace bertc
