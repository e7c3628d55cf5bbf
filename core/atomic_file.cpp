// Temporary file, flushed to the disk, then renamed over the output, whose folder is flushed in turn.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace cascadesim::core {

namespace {
std::string errno_text() { return std::strerror(errno); }
}  // namespace

void write_file_atomically(const std::string& path, std::string_view text) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw OutputError(path + ": cannot open " + temporary + " for writing: " + errno_text());
  std::string failure;
  for (std::size_t done = 0; done < text.size() && failure.empty();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno != EINTR) failure = "writing " + temporary + " failed: " + errno_text();
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  // fsync before the rename: otherwise a power cut can leave the new name pointing at an empty file.
  if (failure.empty() && ::fsync(fd) != 0) failure = "flushing " + temporary + " failed: " + errno_text();
  if (::close(fd) != 0 && failure.empty()) failure = "closing " + temporary + " failed: " + errno_text();
  if (failure.empty() && std::rename(temporary.c_str(), path.c_str()) != 0)
    failure = "cannot replace it with " + temporary + ": " + errno_text();
  if (!failure.empty()) {
    std::remove(temporary.c_str());
    throw OutputError(path + ": " + failure);
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const int folder = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder >= 0) {
    // The rename reaches the disk with the folder; a folder that cannot be flushed (some network file systems)
    // still holds the whole file under its name.
    ::fsync(folder);
    ::close(folder);
  }
}

}  // namespace cascadesim::core
