#include "bertc/npy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../common/temp_path.h"
#include "bertc/error.h"

namespace bertc {
namespace {

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  std::string path = testing::temp_path("t.npy");
  for (Dims shape : {Dims{}, Dims{5}, Dims{2, 3}, Dims{2, 0, 4}}) {
    Tensor t = Tensor::empty(DType::kF32, shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i) * 0.5f;
    write_npy(path, t);
    Tensor back = read_npy(path);
    ASSERT_EQ(back.shape(), shape);
    for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(back.data<float>()[i], t.data<float>()[i]);
  }
  Tensor ids = Tensor::from_vector<int64_t>({1, 2, 3}, {1, 3});
  write_npy(path, ids);
  EXPECT_EQ(read_npy(path).to_int64_vector(), (std::vector<int64_t>{1, 2, 3}));
}

TEST(Npy, ErrorsNameTheFile) {
  std::string path = testing::temp_path("bad.npy");
  std::ofstream(path) << "hello";
  EXPECT_THROW(
      {
        try {
          read_npy(path);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("bad.npy: not a .npy file"), std::string::npos);
          throw;
        }
      },
      Error);
  Tensor t = Tensor::from_vector<float>({1, 2, 3, 4}, {4});
  write_npy(path, t);
  std::filesystem::resize_file(path, 128 + 8);  // cut the data
  EXPECT_THROW(read_npy(path), Error);
  EXPECT_THROW(read_npy(testing::temp_path("missing.npy")), Error);
}

}  // namespace
}  // namespace bertc
