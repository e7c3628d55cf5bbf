// Output files written whole or not at all: every command's result file goes through here.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace cascadesim::core {

// An output that could not be written (bad folder, full disk); main() reports it as bad input, exit 2.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes text to path + ".tmp", then renames it over path, so that a reader or a crash never sees a partial file.
// Throws OutputError naming the path.
void write_file_atomically(const std::string& path, std::string_view text);

}  // namespace cascadesim::core
