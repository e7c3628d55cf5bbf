// A function run in a forked copy of this process, its messages streamed back over a socket: how a long-lived host
// (the Python module) runs what uses SystemC, whose kernel is global to a process, runs one simulation at a time
// and cannot start again after a run an error stopped. Each call gets a fresh copy of the host as it was, so a
// notebook runs as many simulations as it likes, from any thread, and a failed one leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

namespace cascadesim::sim::process {

// The child's end: messages to the parent, in order.
class Outbox {
 public:
  explicit Outbox(int fd) : fd_(fd) {}
  // Contract: kind is neither 'E' nor 'Z' (the end of the call, reserved). Throws std::runtime_error when the
  // parent has gone.
  void send(char kind, std::string_view bytes);

 private:
  int fd_;
};

struct Message {
  char kind = 0;
  std::string bytes;
};

class ForkedCall {
 public:
  // Forks; the child runs work(outbox) and exits without returning into the caller's code (no atexit handlers, no
  // destructors of statics), dying with the thread that forked it. Contract: work touches nothing a thread other
  // than the calling one might have held locked (the child has that thread only). Throws std::runtime_error when
  // fork fails.
  explicit ForkedCall(const std::function<void(Outbox&)>& work);
  // Kills a child still running, and reaps it.
  ~ForkedCall();
  ForkedCall(const ForkedCall&) = delete;
  ForkedCall& operator=(const ForkedCall&) = delete;

  // Waits up to timeout_ms (-1: as long as it takes) for the child's next message: true with it; false on timeout,
  // on a signal, or once the call has ended (finished()). An exception work threw is thrown here as its own type
  // (core::ConfigError with its issues, core::OutputError, std::bad_alloc, std::length_error), any other as
  // std::runtime_error with its message; a child that died before ending is a std::runtime_error saying how.
  bool next(Message& message, int timeout_ms);
  bool finished() const { return pid_ < 0; }
  // Kills a child still running and reaps it; next() then returns false.
  void stop();

 private:
  [[noreturn]] void fail(const std::string& what);
  pid_t pid_ = -1;
  int fd_ = -1;
};

}  // namespace cascadesim::sim::process
