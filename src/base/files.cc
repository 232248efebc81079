#include "base/files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "bertc/error.h"

namespace bertc::base {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::strerror(err); }

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

int Fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

InputFile open_input_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) throw Error(path + ": cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error(path + ": cannot stat: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) {
    throw Error(path + ": is " + file_kind(st.st_mode) + ", not a regular file");
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    throw Error(path + ": cannot read: " + errno_text(errno));
  }
  return {std::move(fd), static_cast<uint64_t>(st.st_size)};
}

std::string read_input_file(const std::string& path, uint64_t max_bytes) {
  InputFile f = open_input_file(path);
  if (f.size > max_bytes) {
    throw Error(path + ": " + std::to_string(f.size) + " bytes is larger than the " +
                std::to_string(max_bytes) + " this file may have");
  }
  std::string text(f.size, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(f.fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(path + ": read error: " + errno_text(errno));
    if (n == 0) break;  // shrank while we read it
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
  InputFile f = open_input_file(path);
  std::shared_ptr<MappedFile> m(new MappedFile);
  m->path_ = path;
  if (f.size == 0) return m;
  void* addr = ::mmap(nullptr, f.size, PROT_READ, MAP_PRIVATE, f.fd.get(), 0);
  if (addr == MAP_FAILED) throw Error(path + ": cannot map: " + errno_text(errno));
  m->addr_ = addr;
  m->size_ = f.size;
  return m;
}

MappedFile::~MappedFile() {
  if (addr_) ::munmap(addr_, size_);
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (fs::is_directory(path_, ec)) throw Error(path_ + ": is a directory; give a file name");
  const fs::path parent = fs::path(path_).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    throw Error(path_ + ": cannot write: folder '" + parent.string() + "' does not exist");
  }
  // O_EXCL with mode 0666: the file gets the permissions a plain create would (the umask
  // applies), and a name another writer holds is never reused.
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0; fd_.get() < 0; ++attempt) {
    tmp_path_ = path_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd_ = Fd(::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd_.get() < 0 && (errno != EEXIST || attempt == 100)) {
      throw Error(path_ + ": cannot create a file beside it: " + errno_text(errno));
    }
  }
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)),
      tmp_path_(std::move(o.tmp_path_)),
      fd_(std::move(o.fd_)),
      finished_(o.finished_),
      committed_(o.committed_) {
  o.committed_ = true;  // the moved-from object owns no temporary file
}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(tmp_path_.c_str());
}

void AtomicFile::write(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_.get(), p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(path_ + ": write failed: " + errno_text(errno));
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

void AtomicFile::finish() {
  if (finished_) return;
  if (::fsync(fd_.get()) != 0) throw Error(path_ + ": write failed: " + errno_text(errno));
  if (::close(fd_.release()) != 0) throw Error(path_ + ": write failed: " + errno_text(errno));
  finished_ = true;
}

void AtomicFile::commit() {
  finish();
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    throw Error(path_ + ": cannot replace it: " + errno_text(errno));
  }
  committed_ = true;
  const fs::path parent = fs::path(path_).parent_path();
  Fd dir(::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());  // make the rename itself durable
}

void commit_all(std::vector<AtomicFile>& files) {
  for (AtomicFile& f : files) f.finish();
  for (AtomicFile& f : files) f.commit();
}

std::string opened_path(const Fd& fd) {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/fd/" + std::to_string(fd.get()), ec);
  if (ec) throw Error("cannot resolve an opened file's path: " + ec.message());
  return p.string();
}

}  // namespace bertc::base
