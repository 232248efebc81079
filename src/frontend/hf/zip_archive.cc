#include "frontend/hf/zip_archive.h"

#include <unistd.h>

#include <cstring>

#include "base/checked_math.h"
#include "bertc/error.h"

namespace bertc::frontend::hf {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEnd = 0x06054b50,
                   kEnd64Locator = 0x07064b50, kEnd64 = 0x06064b50;

uint64_t le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

ZipArchive::~ZipArchive() = default;
ZipArchive::ZipArchive(ZipArchive&&) noexcept = default;
ZipArchive& ZipArchive::operator=(ZipArchive&&) noexcept = default;

bool is_zip_file(const std::string& path) {
  const base::InputFile f = base::open_input_file(path);
  uint8_t magic[4] = {};
  return ::read(f.fd.get(), magic, 4) == 4 && le(magic, 4) == kLocalHeader;
}

ZipArchive::ZipArchive(const std::string& path) : path_(path), map_(base::MappedFile::open(path)) {
  auto fail = [&](const std::string& why) { throw Error(path + ": " + why); };
  const uint64_t size = map_->size();
  if (size < 22) fail("not a ZIP archive (too short)");
  const uint8_t* const file = map_->data();
  auto in_file = [&](uint64_t offset, uint64_t bytes) { return base::span_within(offset, bytes, size); };

  // The end of central directory record: the last signature within the final 64 KiB + 22.
  uint64_t end = size - 22;
  const uint64_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  while (le(file + end, 4) != kEnd) {
    if (end == lowest) fail("not a ZIP archive (no end of central directory record)");
    --end;
  }
  uint64_t count = le(file + end + 10, 2);
  uint64_t dir_size = le(file + end + 12, 4);
  uint64_t dir_offset = le(file + end + 16, 4);
  if (end >= 20 && le(file + end - 20, 4) == kEnd64Locator) {
    const uint64_t end64 = le(file + end - 20 + 8, 8);
    if (!in_file(end64, 56) || le(file + end64, 4) != kEnd64) {
      fail("corrupted ZIP64 end of central directory");
    }
    count = le(file + end64 + 32, 8);
    dir_size = le(file + end64 + 40, 8);
    dir_offset = le(file + end64 + 48, 8);
  }
  if (!in_file(dir_offset, dir_size)) fail("truncated: the central directory is past the end");

  uint64_t p = dir_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (!in_file(p, 46) || le(file + p, 4) != kCentralHeader) {
      fail("corrupted central directory (entry " + std::to_string(i) + ")");
    }
    const uint64_t flags = le(file + p + 8, 2), method = le(file + p + 10, 2);
    uint64_t csize = le(file + p + 20, 4), usize = le(file + p + 24, 4);
    const uint64_t name_len = le(file + p + 28, 2), extra_len = le(file + p + 30, 2),
                   comment_len = le(file + p + 32, 2);
    uint64_t local = le(file + p + 42, 4);
    if (!in_file(p + 46, name_len + extra_len + comment_len)) fail("truncated central directory");
    const std::string name(reinterpret_cast<const char*>(file + p + 46), name_len);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    for (uint64_t e = p + 46 + name_len; e + 4 <= p + 46 + name_len + extra_len;) {
      const uint64_t id = le(file + e, 2), len = le(file + e + 2, 2);
      uint64_t f = e + 4;
      if (id == 1) {
        for (uint64_t* field : {&usize, &csize, &local}) {
          if (*field == 0xffffffffu && f + 8 <= e + 4 + len) {
            *field = le(file + f, 8);
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
    if (!in_file(local, 30) || le(file + local, 4) != kLocalHeader) {
      fail("entry '" + name + "': corrupted local header");
    }
    const uint64_t data = local + 30 + le(file + local + 26, 2) + le(file + local + 28, 2);
    if (!in_file(data, usize)) {
      fail("truncated: entry '" + name + "' runs past the end of the file");
    }
    entries_[name] = std::string_view(reinterpret_cast<const char*>(file + data), usize);
    p += 46 + name_len + extra_len + comment_len;
  }
}

}  // namespace bertc::frontend::hf
