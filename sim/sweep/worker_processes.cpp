// Worker processes: fork, a request/reply loop over a socket pair per child, and reaping.
#include "sim/sweep/worker_processes.hpp"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "sim/process/process_io.hpp"

namespace cascadesim::sim::sweep {

namespace {

using process::how_it_ended;
using process::receive_all;
using process::send_all;

// A reply's header: the length of what follows, with this bit set when it is an error message, not a chunk.
constexpr std::uint64_t error_bit = std::uint64_t{1} << 63;

[[noreturn]] void child_loop(int fd, const std::function<void(std::uint64_t, std::uint64_t, std::string&)>& evaluate) {
  std::string bytes;
  for (;;) {
    std::uint64_t range[2];
    if (!receive_all(fd, range, sizeof range)) ::_exit(0);  // the parent is done (or gone)
    std::uint64_t header;
    bytes.clear();
    try {
      evaluate(range[0], range[1], bytes);
      header = bytes.size();
    } catch (const std::exception& e) {
      bytes = e.what();
      header = bytes.size() | error_bit;
    }
    if (!send_all(fd, &header, sizeof header) || !send_all(fd, bytes.data(), bytes.size())) ::_exit(0);
  }
}

}  // namespace

WorkerProcesses::WorkerProcesses(
    std::size_t count, std::function<void(std::uint64_t begin, std::uint64_t end, std::string& bytes)> evaluate) {
  // What is buffered would otherwise be written once more by every child.
  std::fflush(nullptr);
  for (std::size_t i = 0; i < count; ++i) {
    // The child keeps only its own socket, and never returns into the parent's code.
    std::vector<int> others;
    for (const Child& c : children_) others.push_back(c.fd);
    int fd = -1;
    const pid_t pid = process::fork_connected(fd, others, "a sweep worker process");
    if (pid == 0) child_loop(fd, evaluate);
    children_.push_back(Child{pid, fd});
  }
}

WorkerProcesses::~WorkerProcesses() {
  // A child still evaluating a point would finish it first: nothing waits for that point any more.
  for (Child& c : children_) {
    if (c.fd >= 0) ::close(c.fd);
    if (c.pid > 0) ::kill(c.pid, SIGKILL);
  }
  for (Child& c : children_) {
    if (c.pid <= 0) continue;
    int status;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void WorkerProcesses::evaluate(std::size_t peer, std::uint64_t begin, std::uint64_t end, std::string& bytes) {
  Child& c = children_.at(peer);
  const std::uint64_t range[2] = {begin, end};
  std::uint64_t header = 0;
  if (c.pid > 0 && send_all(c.fd, range, sizeof range) && receive_all(c.fd, &header, sizeof header)) {
    bytes.resize(header & ~error_bit);
    if (receive_all(c.fd, bytes.data(), bytes.size())) {
      if (header & error_bit)
        throw std::runtime_error("sweep worker process " + std::to_string(c.pid) + ", points " + std::to_string(begin) +
                                 " to " + std::to_string(end - 1) + ": " + bytes);
      return;
    }
  }
  std::string how = "had ended";
  if (c.pid > 0) {
    int status = 0;
    pid_t reaped;
    while ((reaped = ::waitpid(c.pid, &status, 0)) < 0 && errno == EINTR) {
    }
    if (reaped == c.pid) how = how_it_ended(status);
    c.pid = -1;
  }
  throw std::runtime_error("sweep worker process " + how + " while evaluating points " + std::to_string(begin) +
                           " to " + std::to_string(end - 1));
}

}  // namespace cascadesim::sim::sweep
