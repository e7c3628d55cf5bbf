// A full disk for the length of a scope: writes past limit_bytes fail with EFBIG (RLIMIT_FSIZE), the signal that
// would otherwise kill the process ignored. Restores both on exit.
#pragma once

#include <sys/resource.h>

#include <csignal>
#include <cstddef>

namespace cascadesim::testing {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::size_t limit_bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = static_cast<rlim_t>(limit_bytes);
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace cascadesim::testing
