// A walk over a result document for numbers that are not finite. Results are built by the tool, not read from
// input, so their nesting is shallow and the walk may recurse.
#include "core/finite_result.hpp"

#include <cmath>

namespace cascadesim::core {

namespace {
bool find_non_finite(const Json& value, std::string& pointer) {
  if (value.is_number_float()) return !std::isfinite(value.get<double>());
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      std::string at = child_pointer(pointer, key);
      if (find_non_finite(member, at)) {
        pointer = std::move(at);
        return true;
      }
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::string at = child_pointer(pointer, i);
      if (find_non_finite(value[i], at)) {
        pointer = std::move(at);
        return true;
      }
    }
  }
  return false;
}
}  // namespace

std::optional<std::string> first_non_finite(const Json& result) {
  std::string pointer;
  if (!find_non_finite(result, pointer)) return std::nullopt;
  return pointer.empty() ? std::string("/") : pointer;
}

void require_finite_result(const Json& result, const std::string& source) {
  const std::optional<std::string> at = first_non_finite(result);
  if (!at) return;
  const double value = result.at(Json::json_pointer(*at == "/" ? "" : *at)).get<double>();
  throw ConfigError({{source, "",
                      "the result " + *at + " is " + (std::isnan(value) ? "not a number" : "infinite") +
                          ": the input's values are too extreme to compute it; nothing was written"}});
}

}  // namespace cascadesim::core
