// The look-up of a registered thing's "impl" name.
#include "core/registry.hpp"

namespace cascadesim::core {

std::optional<std::string> read_impl_name(const ConfigNode& node, std::string_view what,
                                          const std::vector<std::string_view>& names) {
  std::string list;
  for (std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  const Json* impl = node.find("impl");
  if (!impl) {
    node.error_at("impl", "missing required key (which " + std::string(what) + ": " + list + ")");
    return std::nullopt;
  }
  if (!impl->is_string()) {
    node.error_at("impl", "expected one of " + list + " (got " + describe_value(*impl) + ")");
    return std::nullopt;
  }
  const std::string& name = impl->get_ref<const std::string&>();
  for (std::string_view n : names)
    if (n == name) return name;
  std::string message = "unknown " + std::string(what) + " '" + name + "'";
  if (const std::string hint = closest_key(name, names); !hint.empty()) message += " (did you mean '" + hint + "'?)";
  node.error_at("impl", message + "; registered: " + list);
  return std::nullopt;
}

}  // namespace cascadesim::core
