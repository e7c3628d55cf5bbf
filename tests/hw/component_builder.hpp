// Builds a hardware component from an inline config section, as a preset holds it under "/<role>", for the
// component tests; and collects the error lines a broken section produces.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/config/config_error.hpp"
#include "sim/framework/registry.hpp"

namespace cascadesim::test {

// Throws ConfigError with every issue found.
template <class Interface>
std::unique_ptr<Interface> build_component(const std::string& role, const sim::Json& section) {
  sim::ConfigErrors errors;
  const sim::ConfigNode node({sim::ConfigNode::Layer{&section, "hw.json", "/" + role}}, errors);
  std::unique_ptr<Interface> component = sim::make_component_as<Interface>(role, node);
  errors.throw_if_any();
  REQUIRE(component != nullptr);
  return component;
}

// Every error line the section produces, in order; building must fail.
template <class Interface>
std::vector<std::string> component_errors(const std::string& role, const sim::Json& section) {
  sim::ConfigErrors errors;
  const sim::ConfigNode node({sim::ConfigNode::Layer{&section, "hw.json", "/" + role}}, errors);
  CHECK(sim::make_component_as<Interface>(role, node) == nullptr);
  std::vector<std::string> lines;
  try {
    errors.throw_if_any();
  } catch (const sim::ConfigError& e) {
    for (const sim::ConfigIssue& issue : e.issues()) lines.push_back(issue.line());
  }
  return lines;
}

}  // namespace cascadesim::test
