// Builds a hardware component from an inline config section, as a preset holds it under "/<role>", for the
// component tests; and collects the error lines a broken section produces.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "hw/component_registry.hpp"

namespace cascadesim::test {

// Throws ConfigError with every issue found.
template <class Interface>
std::unique_ptr<Interface> build_component(const std::string& role, const core::Json& section) {
  core::ConfigErrors errors;
  const core::ConfigNode node({core::ConfigNode::Layer{&section, "hw.json", "/" + role}}, errors);
  std::unique_ptr<Interface> component = hw::make_component_as<Interface>(role, node);
  errors.throw_if_any();
  REQUIRE(component != nullptr);
  return component;
}

// Every error line the section produces, in order; building must fail.
template <class Interface>
std::vector<std::string> component_errors(const std::string& role, const core::Json& section) {
  core::ConfigErrors errors;
  const core::ConfigNode node({core::ConfigNode::Layer{&section, "hw.json", "/" + role}}, errors);
  CHECK(hw::make_component_as<Interface>(role, node) == nullptr);
  std::vector<std::string> lines;
  try {
    errors.throw_if_any();
  } catch (const core::ConfigError& e) {
    for (const core::ConfigIssue& issue : e.issues()) lines.push_back(issue.line());
  }
  return lines;
}

}  // namespace cascadesim::test
