// Things registered by name and built from a config section whose "impl" key names them (Ramulator 2 style): the
// generic catalog, the look-up of "impl" with its did-you-mean error, and what `cascadesim describe` prints of a
// field table.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/config_node.hpp"
#include "core/field.hpp"

namespace cascadesim::core {

// What describe prints for one parameter, taken from a Field declaration.
struct ParamInfo {
  std::string key;
  std::string unit;
  std::string doc;
  std::string kind;  // number, integer, boolean, string or choice
  bool required = false;
  double min = 0, max = 0;
  bool min_exclusive = false;
  std::string default_value;  // the config struct's default, as JSON text; "" when required
  std::vector<std::string> choices;
};

// Parameters of a config struct as describe shows them. (The pragma: see read_fields in field.hpp.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
template <class S>
std::vector<ParamInfo> describe_fields(std::span<const core::Field<S>> fields) {
  const S defaults{};
  std::vector<ParamInfo> out;
  for (const core::Field<S>& f : fields) {
    ParamInfo p;
    p.key = f.key;
    p.unit = f.unit;
    p.doc = f.doc;
    p.required = f.presence == core::Presence::required;
    p.min = f.min;
    p.max = f.max;
    p.min_exclusive = f.min_exclusive;
    std::visit(
        [&](auto&& target) {
          using T = std::decay_t<decltype(target)>;
          if constexpr (std::is_same_v<T, core::Choice<S>>) {
            p.kind = "choice";
            for (std::string_view n : target.names) p.choices.emplace_back(n);
            p.default_value = core::Json(std::string(target.names[target.get(defaults)])).dump();
          } else {
            using M = std::decay_t<decltype(defaults.*target)>;
            p.kind = std::is_same_v<M, bool>           ? "boolean"
                     : std::is_same_v<M, std::string>  ? (f.text_choices.empty() ? "string" : "choice")
                     : std::is_same_v<M, std::int64_t> ? "integer"
                                                       : "number";
            for (std::string_view n : f.text_choices) p.choices.emplace_back(n);
            p.default_value = core::Json(defaults.*target).dump();
          }
        },
        f.target);
    if (p.required) p.default_value.clear();
    out.push_back(std::move(p));
  }
  return out;
}

#pragma GCC diagnostic pop

// The name in node's "impl" key if it is one of names; otherwise records an error at /impl (missing, not a
// string, or unknown, with a did-you-mean hint and the list of names) and returns nullopt. `what` names the kind
// of thing in the messages ("memory model", "attention pattern").
std::optional<std::string> read_impl_name(const ConfigNode& node, std::string_view what,
                                          const std::vector<std::string_view>& names);

// Reads a config struct of a registered thing: its fields, with "impl" allowed, every other key rejected.
template <class S>
S read_impl_config(const ConfigNode& node, std::span<const Field<S>> fields) {
  S config{};
  read_fields(node, fields, config);
  std::vector<std::string_view> keys = field_keys(fields);
  keys.push_back("impl");
  node.reject_unknown_keys(keys);
  return config;
}

// A catalog of Products by name. Entries are added from static initialisers (one registration line after each
// implementation); the catalog is a function-local static, so it exists before the first registration.
template <class Product>
class Registry {
 public:
  struct Entry {
    std::string name;  // the value of "impl"
    std::string doc;
    // The parameters of a section that builds, as JSON text ("impl" aside): shown by `describe`, and the section
    // the tests that try every entry build.
    std::string example;
    std::vector<ParamInfo> params;
    // Builds the product from its config section; reads through node (errors go to node.errors()).
    std::function<std::unique_ptr<Product>(const ConfigNode& node)> make;
  };

  static Registry& instance() {
    static Registry registry;
    return registry;
  }
  // Contract: names unique; called from static initialisers.
  bool add(Entry entry) {
    if (find(entry.name)) throw std::logic_error("'" + entry.name + "' registered twice");
    entries_.push_back(std::move(entry));
    return true;
  }
  const Entry* find(std::string_view name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<std::string_view> names() const {
    std::vector<std::string_view> out;
    for (const Entry& e : entries_) out.push_back(e.name);
    return out;
  }
  // The product named by node's "impl", or nullptr after recording an error.
  std::unique_ptr<Product> make(const ConfigNode& node, std::string_view what) const {
    const std::optional<std::string> name = read_impl_name(node, what, names());
    if (!name) return nullptr;
    return find(*name)->make(node);
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace cascadesim::core
