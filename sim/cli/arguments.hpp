// One command-line parser for every command: an unknown option, an option given twice, an option without its value
// and an empty value are each refused by name (UsageError), never accepted and ignored.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::sim {

enum class Arity {
  flag,        // no value; at most once
  one,         // one value; at most once
  repeatable,  // one value per occurrence, any number of occurrences
  list,        // one or more values, up to the next option; at most once
};

struct OptionSpec {
  constexpr OptionSpec(std::string_view name_, Arity arity_, std::string_view alias_ = {})
      : name(name_), arity(arity_), alias(alias_) {}
  std::string_view name;  // "--out"
  Arity arity;
  std::string_view alias;  // "-j" for "--jobs"; empty for none
};

class Arguments {
 public:
  // Contract: positional_name names one positional argument in messages ("study"); max_positionals 0 refuses any.
  // A value may not be empty nor start with '-' (it would be the next option, its own value missing).
  Arguments(const std::vector<std::string>& args, std::initializer_list<OptionSpec> options,
            std::string_view positional_name = {}, std::size_t max_positionals = 0);

  bool has(std::string_view name) const { return given_.count(std::string(name)) > 0; }
  // The value of an Arity::one option, or fallback when it was not given.
  std::string value(std::string_view name, std::string fallback = {}) const;
  // Every value of a repeatable or list option, in order; empty when not given.
  std::vector<std::string> values(std::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> given_;
  std::vector<std::string> positionals_;
};

}  // namespace cascadesim::sim
