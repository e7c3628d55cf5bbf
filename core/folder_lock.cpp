// flock() on a file inside the folder, stamped with the holder's process id and host.
#include "core/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/atomic_file.hpp"

namespace cascadesim::core {

namespace {
std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "an unknown host";
  return name;
}

std::string holder_of(int fd) {
  char text[512] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : std::string();
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\r')) holder.pop_back();
  return holder.empty() ? "another process" : holder;
}
}  // namespace

FolderLock::FolderLock(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / ".cascadesim.lock").string();
  // O_NOFOLLOW: a link planted under the lock's name cannot make this process truncate another file.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw OutputError(dir + ": cannot create its lock file " + path + ": " + std::string(std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const bool held = errno == EWOULDBLOCK;
    const std::string message =
        held ? dir + ": being written by " + holder_of(fd_) + "; wait for it to finish, or choose another output folder"
             : dir + ": cannot lock " + path + ": " + std::string(std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    throw OutputError(message);
  }
  const std::string holder = "process " + std::to_string(::getpid()) + " on " + this_host() + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, holder.data(), holder.size(), 0) < 0) {
    // The lock holds without the stamp; a second writer is then told only that another process holds it.
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace cascadesim::core
