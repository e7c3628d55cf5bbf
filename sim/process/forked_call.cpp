// Forked calls: fork, framed messages over a socket pair, exceptions carried back by type, reaping.
#include "sim/process/forked_call.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <stdexcept>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "core/config_node.hpp"
#include "sim/process/process_io.hpp"

namespace cascadesim::sim::process {

namespace {

constexpr char error_kind = 'E';
constexpr char end_kind = 'Z';

// A frame: its kind, the length of its bytes (host byte order: both ends are one program), the bytes.
bool send_frame(int fd, char kind, std::string_view bytes) {
  const std::uint64_t size = bytes.size();
  return send_all(fd, &kind, 1) && send_all(fd, &size, sizeof size) && send_all(fd, bytes.data(), bytes.size());
}

// The exception being handled, as the JSON object rethrow_error reads.
std::string error_text() {
  core::Json e;
  try {
    throw;
  } catch (const core::ConfigError& x) {
    core::Json issues = core::Json::array();
    for (const core::ConfigIssue& i : x.issues()) issues.push_back({i.file, i.pointer, i.message});
    e = {{"type", "config"}, {"issues", issues}};
  } catch (const core::OutputError& x) {
    e = {{"type", "output"}, {"what", x.what()}};
  } catch (const std::bad_alloc&) {
    e = {{"type", "bad_alloc"}};
  } catch (const std::length_error& x) {
    e = {{"type", "length_error"}, {"what", x.what()}};
  } catch (const std::exception& x) {
    e = {{"type", "other"}, {"what", x.what()}};
  } catch (...) {
    e = {{"type", "other"}, {"what", "an exception that is not a std::exception"}};
  }
  return e.dump();
}

[[noreturn]] void rethrow_error(const std::string& text) {
  const core::Json e = core::Json::parse(text);
  const std::string type = e.at("type").get<std::string>();
  if (type == "config") {
    std::vector<core::ConfigIssue> issues;
    for (const core::Json& i : e.at("issues"))
      issues.push_back({i.at(0).get<std::string>(), i.at(1).get<std::string>(), i.at(2).get<std::string>()});
    throw core::ConfigError(std::move(issues));
  }
  if (type == "output") throw core::OutputError(e.at("what").get<std::string>());
  if (type == "bad_alloc") throw std::bad_alloc();
  if (type == "length_error") throw std::length_error(e.at("what").get<std::string>());
  throw std::runtime_error(e.at("what").get<std::string>());
}

[[noreturn]] void run_child(int fd, const std::function<void(Outbox&)>& work) {
  // A terminal's Ctrl-C ends the child as it ends a program; the host's own handlers (Python's writes to its
  // wake-up descriptor) are not the child's.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  Outbox outbox(fd);
  bool sent;
  try {
    work(outbox);
    sent = send_frame(fd, end_kind, {});
  } catch (...) {
    sent = send_frame(fd, error_kind, error_text());
  }
  std::fflush(nullptr);
  ::_exit(sent ? 0 : 1);
}

// Forks one at a time, so that no child inherits the write end of another call's socket (which would keep the
// parent from seeing that call's child end) between socketpair() and the parent's close().
std::mutex forking;

}  // namespace

void Outbox::send(char kind, std::string_view bytes) {
  if (!send_frame(fd_, kind, bytes)) throw std::runtime_error("the process waiting for this worker has gone");
}

ForkedCall::ForkedCall(const std::function<void(Outbox&)>& work) {
  const std::lock_guard<std::mutex> lock(forking);
  // What is buffered would otherwise be written once more by the child.
  std::fflush(nullptr);
  int fd = -1;
  const pid_t pid = fork_connected(fd, {}, "a worker process");
  if (pid == 0) run_child(fd, work);
  pid_ = pid;
  fd_ = fd;
}

ForkedCall::~ForkedCall() { stop(); }

void ForkedCall::stop() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void ForkedCall::fail(const std::string& what) {
  stop();
  throw std::runtime_error(what);
}

bool ForkedCall::next(Message& message, int timeout_ms) {
  if (pid_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, timeout_ms);
  if (ready < 0 && errno != EINTR) fail(std::string("waiting for a worker process failed: ") + std::strerror(errno));
  if (ready <= 0) return false;
  std::uint64_t size = 0;
  if (receive_all(fd_, &message.kind, 1) && receive_all(fd_, &size, sizeof size)) {
    message.bytes.resize(size);
    if (receive_all(fd_, message.bytes.data(), message.bytes.size())) {
      if (message.kind == end_kind) {
        stop();
        return false;
      }
      if (message.kind == error_kind) {
        stop();
        rethrow_error(message.bytes);
      }
      return true;
    }
  }
  // The socket closed before the end: the child died. Its status says how.
  int status = 0;
  pid_t reaped;
  while ((reaped = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  const std::string how = reaped == pid_ ? how_it_ended(status) : "had ended";
  pid_ = -1;
  fail("the worker process " + how + " before it finished");
}

}  // namespace cascadesim::sim::process
