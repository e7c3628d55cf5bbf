// Look-up of a statistic by name.
#include "core/stats.hpp"

#include <stdexcept>

namespace cascadesim::core {

double StatSet::value(std::string_view name) const {
  for (std::size_t i = 0; i < infos_.size(); ++i)
    if (infos_[i].name == name) return values_[i];
  throw std::out_of_range("no statistic named '" + std::string(name) + "'");
}

}  // namespace cascadesim::core
