// One writer per output folder: a second process aimed at a folder being written is refused, told who holds it.
#pragma once

#include <string>

namespace cascadesim::core {

// An exclusive lock on a folder for the lifetime of the object: flock() on the file .cascadesim.lock inside it,
// which holds the holder's process id and host. The kernel releases it when the holder exits or is killed, so a
// crashed writer leaves no stale lock; forked workers share their parent's. Throws OutputError naming the folder
// and the holder when another process holds it, or when the lock file cannot be created.
class FolderLock {
 public:
  explicit FolderLock(const std::string& dir);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace cascadesim::core
