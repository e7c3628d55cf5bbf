// Look-up in the compiled-in configs.
#include "sim/config/embedded_configs.hpp"

namespace cascadesim::sim {

const EmbeddedFile* find_embedded_config(std::string_view path) {
  for (const EmbeddedFile& f : embedded_configs())
    if (f.path == path) return &f;
  return nullptr;
}

}  // namespace cascadesim::sim
