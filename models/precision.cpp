// Precision names.
#include "models/precision.hpp"

namespace cascadesim::models {

std::optional<Precision> precision_from_name(std::string_view name) {
  for (std::size_t i = 0; i < precision_count; ++i)
    if (precision_names[i] == name) return static_cast<Precision>(i);
  return std::nullopt;
}

}  // namespace cascadesim::models
