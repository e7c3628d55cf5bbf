// A temporary file created exclusively beside the output, flushed to the disk, then renamed over the output, whose
// folder is flushed in turn.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace cascadesim::core {

namespace {
std::string errno_text() { return std::strerror(errno); }

// Whole writes are batched to this size: a trace of millions of events costs few system calls.
constexpr std::size_t buffer_bytes = std::size_t{1} << 20;
}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw OutputError("an output file needs a name");
  struct stat target {};
  if (::lstat(path_.c_str(), &target) == 0 && !S_ISREG(target.st_mode) && !S_ISLNK(target.st_mode))
    throw OutputError(path_ + ": " + (S_ISDIR(target.st_mode) ? "is a folder" : "is not a regular file") +
                      ", so it cannot be replaced by an output");
  const std::filesystem::path where(path_);
  // mkostemp creates the name with O_CREAT | O_EXCL: it never opens an existing file, nor follows a link.
  // Built piecewise: GCC 12 warns falsely on "literal" + std::string.
  std::string hidden = where.filename().string();
  hidden.insert(0, 1, '.');
  hidden += ".tmp-XXXXXX";
  std::string name = (where.parent_path() / hidden).string();
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) throw OutputError(path_ + ": cannot create a temporary file beside it: " + errno_text());
  temporary_ = std::move(name);
  ::fchmod(fd_, 0644);  // as a plain open would, rather than mkostemp's 0600
  buffer_.reserve(buffer_bytes);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

void OutputFile::fail(const std::string& what) {
  const std::string message = path_ + ": " + what + ": " + errno_text();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temporary_.c_str());
  temporary_.clear();
  throw OutputError(message);
}

void OutputFile::write(std::string_view text) {
  if (fd_ < 0) throw OutputError(path_ + ": written after it was finished or failed");
  buffer_.append(text);
  if (buffer_.size() >= buffer_bytes) flush_buffer();
}

void OutputFile::flush_buffer() {
  for (std::size_t done = 0; done < buffer_.size();) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      fail("writing failed");
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void OutputFile::commit() {
  if (fd_ < 0) throw OutputError(path_ + ": written after it was finished or failed");
  flush_buffer();
  // fsync before the rename: otherwise a power cut can leave the new name pointing at an empty file.
  if (::fsync(fd_) != 0) fail("flushing to the disk failed");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("closing failed");
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0) fail("cannot move the finished output into place");
  temporary_.clear();
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  const int folder = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder >= 0) {
    // The rename reaches the disk with the folder; a folder that cannot be flushed (some network file systems)
    // still holds the whole file under its name.
    ::fsync(folder);
    ::close(folder);
  }
}

void write_file_atomically(const std::string& path, std::string_view text) {
  OutputFile out(path);
  out.write(text);
  out.commit();
}

void refuse_output_over_inputs(const std::string& output, const std::vector<std::string>& inputs,
                               std::string_view option) {
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (std::filesystem::equivalent(output, input, ec) && !ec)
      throw OutputError(std::string(option) + " " + output + ": is the input " + input +
                        ", which writing it would destroy; choose another output");
  }
}

}  // namespace cascadesim::core
