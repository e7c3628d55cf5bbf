// The component catalog and building a component from its config section.
#include "hw/component_registry.hpp"

#include <stdexcept>

namespace cascadesim::hw {

ComponentCatalog& ComponentCatalog::instance() {
  static ComponentCatalog catalog;
  return catalog;
}

bool ComponentCatalog::add(ComponentEntry entry) {
  if (find(entry.role, entry.name))
    throw std::logic_error("component " + entry.role + "/" + entry.name + " registered twice");
  entries_.push_back(std::move(entry));
  return true;
}

const ComponentEntry* ComponentCatalog::find(std::string_view role, std::string_view name) const {
  for (const ComponentEntry& e : entries_)
    if (e.role == role && e.name == name) return &e;
  return nullptr;
}

std::vector<const ComponentEntry*> ComponentCatalog::role(std::string_view role) const {
  std::vector<const ComponentEntry*> out;
  for (const ComponentEntry& e : entries_)
    if (e.role == role) out.push_back(&e);
  return out;
}

std::unique_ptr<Component> make_component(std::string_view role, const core::ConfigNode& node) {
  const auto entries = ComponentCatalog::instance().role(role);
  std::vector<std::string_view> names;
  std::string list;
  for (const ComponentEntry* e : entries) {
    names.push_back(e->name);
    list += (list.empty() ? "" : ", ") + e->name;
  }
  core::SourceLocation where;
  const core::Json* impl = node.find("impl", &where);
  if (!impl) {
    node.error_at("impl", "missing required key (which " + std::string(role) + " model: " + list + ")");
    return nullptr;
  }
  if (!impl->is_string()) {
    node.error_at("impl", "expected one of " + list + " (got " + core::describe_value(*impl) + ")");
    return nullptr;
  }
  const std::string& name = impl->get_ref<const std::string&>();
  const ComponentEntry* entry = ComponentCatalog::instance().find(role, name);
  if (!entry) {
    std::string message = "unknown " + std::string(role) + " model '" + name + "'";
    if (const std::string hint = core::closest_key(name, names); !hint.empty())
      message += " (did you mean '" + hint + "'?)";
    node.error_at("impl", message + "; registered: " + list);
    return nullptr;
  }
  return entry->make(node);
}

}  // namespace cascadesim::hw
