// Kernel family names.
#include "models/kernel_families.hpp"

namespace cascadesim::models {

std::optional<std::size_t> kernel_family_index(std::string_view name) {
  for (std::size_t i = 0; i < kernel_family_names.size(); ++i)
    if (kernel_family_names[i] == name) return i;
  return std::nullopt;
}

}  // namespace cascadesim::models
