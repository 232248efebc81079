// The one way bertc opens files.
//
// Inputs are opened with O_NONBLOCK (a FIFO with no writer fails at once instead of hanging
// in open()), checked to be regular files with fstat on the opened descriptor (not on the
// path, which could change in between), then read or mapped. Errors name the path.
//
// Outputs go to a temporary file in the destination's folder, are fsynced, then renamed over
// the destination: a crash or a full disk leaves either the old file or the complete new one,
// never a truncated one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bertc::base {

// An open file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  int get() const { return fd_; }
  int release();

 private:
  int fd_ = -1;
};

// A regular file opened for reading. `size` is its size when opened.
struct InputFile {
  Fd fd;
  uint64_t size = 0;
};
InputFile open_input_file(const std::string& path);

// The whole content of a regular file, refused past max_bytes.
std::string read_input_file(const std::string& path, uint64_t max_bytes = uint64_t{1} << 32);

// A regular file mapped read-only; the mapping lives as long as the object.
class MappedFile {
 public:
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const uint8_t* data() const { return static_cast<const uint8_t*>(addr_); }
  uint64_t size() const { return size_; }
  std::string_view bytes() const { return {static_cast<const char*>(addr_), size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  void* addr_ = nullptr;
  uint64_t size_ = 0;
  std::string path_;
};

// A file written in full or not at all. Write, then commit(); an AtomicFile destroyed before
// commit() removes its temporary file and leaves the destination as it was.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&&) noexcept;

  void write(const void* data, size_t bytes);
  void write(std::string_view s) { write(s.data(), s.size()); }
  // Flushes the data to disk (fsync) without replacing the destination yet.
  void finish();
  // finish(), then renames the temporary file over the destination.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_path_;
  Fd fd_;
  bool finished_ = false, committed_ = false;
};

// Writes several files all or nothing: every file is written and flushed before any is
// renamed into place, so a failure leaves none of the new set behind.
void commit_all(std::vector<AtomicFile>& files);

// The canonical path of the file behind `fd` (/proc/self/fd), for checks that must hold for
// what was opened, not for a path that may name something else by now.
std::string opened_path(const Fd& fd);

}  // namespace bertc::base
