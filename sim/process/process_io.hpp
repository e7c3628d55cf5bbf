// What this process and the processes it forks (sweep workers, forked calls) share: whole-buffer reads and writes on
// their sockets, retried after signals, and how a child ended, in words.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>
#include <string>

namespace cascadesim::sim::process {

// False when the peer closed its end (or the socket failed) before all of it went. Never raises SIGPIPE.
bool send_all(int fd, const void* data, std::size_t size);

// False at end of file or on an error before size bytes arrived.
bool receive_all(int fd, void* data, std::size_t size);

// Forks a child connected to this process by a socket pair: returns the child's pid in the parent and 0 in the child,
// with fd set to the caller's end. The child dies with the thread that forked it and closes close_in_child (the
// parent's ends of other children's sockets). Throws std::runtime_error naming `what` ("a sweep worker") when the
// socket or the fork fails.
pid_t fork_connected(int& fd, std::span<const int> close_in_child, const std::string& what);

// "was killed by signal 9", "exited with status 3": a wait status as a message's end.
std::string how_it_ended(int status);

}  // namespace cascadesim::sim::process
