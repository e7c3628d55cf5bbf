// What this process and the processes it forks (sweep workers, forked calls) share: whole-buffer reads and writes on
// their sockets, retried after signals, and how a child ended, in words.
#pragma once

#include <cstddef>
#include <string>

namespace cascadesim::sim::process {

// False when the peer closed its end (or the socket failed) before all of it went. Never raises SIGPIPE.
bool send_all(int fd, const void* data, std::size_t size);

// False at end of file or on an error before size bytes arrived.
bool receive_all(int fd, void* data, std::size_t size);

// "was killed by signal 9", "exited with status 3": a wait status as a message's end.
std::string how_it_ended(int status);

}  // namespace cascadesim::sim::process
