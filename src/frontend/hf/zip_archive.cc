#include "frontend/hf/zip_archive.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "bertc/error.h"

namespace bertc::frontend {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEnd = 0x06054b50,
                   kEnd64Locator = 0x07064b50, kEnd64 = 0x06064b50;

uint64_t le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

struct ZipArchive::Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr && size) munmap(addr, size);
  }
};

ZipArchive::~ZipArchive() = default;
ZipArchive::ZipArchive(ZipArchive&&) noexcept = default;
ZipArchive& ZipArchive::operator=(ZipArchive&&) noexcept = default;

bool is_zip_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && le(reinterpret_cast<const uint8_t*>(magic), 4) == kLocalHeader;
}

ZipArchive::ZipArchive(const std::string& path) : path_(path), map_(new Mapping) {
  auto fail = [&](const std::string& why) { throw Error(path + ": " + why); };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 22) {
    ::close(fd);
    fail("not a ZIP archive (too short)");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (addr == MAP_FAILED) fail(std::string("cannot mmap: ") + std::strerror(err));
  map_->addr = addr;
  map_->size = size;
  const auto* base = static_cast<const uint8_t*>(addr);
  auto in_file = [&](uint64_t offset, uint64_t bytes) {
    return offset <= size && bytes <= size - offset;
  };

  // The end of central directory record: the last signature within the final 64 KiB + 22.
  uint64_t end = size - 22;
  const uint64_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  while (le(base + end, 4) != kEnd) {
    if (end == lowest) fail("not a ZIP archive (no end of central directory record)");
    --end;
  }
  uint64_t count = le(base + end + 10, 2);
  uint64_t dir_size = le(base + end + 12, 4);
  uint64_t dir_offset = le(base + end + 16, 4);
  if (end >= 20 && le(base + end - 20, 4) == kEnd64Locator) {
    const uint64_t end64 = le(base + end - 20 + 8, 8);
    if (!in_file(end64, 56) || le(base + end64, 4) != kEnd64) {
      fail("corrupted ZIP64 end of central directory");
    }
    count = le(base + end64 + 32, 8);
    dir_size = le(base + end64 + 40, 8);
    dir_offset = le(base + end64 + 48, 8);
  }
  if (!in_file(dir_offset, dir_size)) fail("truncated: the central directory is past the end");

  uint64_t p = dir_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (!in_file(p, 46) || le(base + p, 4) != kCentralHeader) {
      fail("corrupted central directory (entry " + std::to_string(i) + ")");
    }
    const uint64_t flags = le(base + p + 8, 2), method = le(base + p + 10, 2);
    uint64_t csize = le(base + p + 20, 4), usize = le(base + p + 24, 4);
    const uint64_t name_len = le(base + p + 28, 2), extra_len = le(base + p + 30, 2),
                   comment_len = le(base + p + 32, 2);
    uint64_t local = le(base + p + 42, 4);
    if (!in_file(p + 46, name_len + extra_len + comment_len)) fail("truncated central directory");
    const std::string name(reinterpret_cast<const char*>(base + p + 46), name_len);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    for (uint64_t e = p + 46 + name_len; e + 4 <= p + 46 + name_len + extra_len;) {
      const uint64_t id = le(base + e, 2), len = le(base + e + 2, 2);
      uint64_t f = e + 4;
      if (id == 1) {
        for (uint64_t* field : {&usize, &csize, &local}) {
          if (*field == 0xffffffffu && f + 8 <= e + 4 + len) {
            *field = le(base + f, 8);
            f += 8;
          }
        }
      }
      e += 4 + len;
    }
    if (flags & 1) fail("entry '" + name + "' is encrypted");
    if (method != 0 || csize != usize) {
      fail("entry '" + name + "' is compressed (method " + std::to_string(method) +
           "); only stored entries, as torch.save writes them, are supported");
    }
    if (!in_file(local, 30) || le(base + local, 4) != kLocalHeader) {
      fail("entry '" + name + "': corrupted local header");
    }
    const uint64_t data = local + 30 + le(base + local + 26, 2) + le(base + local + 28, 2);
    if (!in_file(data, usize)) {
      fail("truncated: entry '" + name + "' runs past the end of the file");
    }
    entries_[name] = std::string_view(reinterpret_cast<const char*>(base + data), usize);
    p += 46 + name_len + extra_len + comment_len;
  }
}

}  // namespace bertc::frontend
