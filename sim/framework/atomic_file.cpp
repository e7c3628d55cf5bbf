// Temporary file plus rename.
#include "sim/framework/atomic_file.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace cascadesim::sim {

void write_file_atomically(const std::string& path, std::string_view text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw OutputError(path + ": cannot open " + temporary + " for writing");
    out << text;
    out.flush();
    if (!out) throw OutputError(path + ": writing " + temporary + " failed");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw OutputError(path + ": cannot replace it with " + temporary + ": " + ec.message());
}

}  // namespace cascadesim::sim
