// The command-line parser every command's parse_*_args goes through.
#include "sim/cli/arguments.hpp"

#include <algorithm>

#include "sim/cli/predict_command.hpp"

namespace cascadesim::sim {

namespace {
bool looks_like_option(const std::string& a) { return a.size() > 1 && a[0] == '-'; }
}  // namespace

Arguments::Arguments(const std::vector<std::string>& args, std::initializer_list<OptionSpec> options,
                     std::string_view positional_name, std::size_t max_positionals) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!looks_like_option(a)) {
      if (a.empty())
        throw UsageError("an empty argument where a " +
                         std::string(positional_name.empty() ? "value" : positional_name) + " was expected");
      if (positionals_.size() >= max_positionals) {
        if (max_positionals == 0) throw UsageError("unexpected argument '" + a + "'");
        throw UsageError("more than one " + std::string(positional_name) + " given ('" + positionals_.back() +
                         "' and '" + a + "')");
      }
      positionals_.push_back(a);
      continue;
    }
    const auto spec = std::find_if(options.begin(), options.end(), [&](const OptionSpec& o) {
      return o.name == a || (!o.alias.empty() && o.alias == a);
    });
    if (spec == options.end()) throw UsageError("unknown option '" + a + "'");
    const std::string name(spec->name);
    const std::string shown = a == name ? name : a + " (" + name + ")";
    const bool again = given_.count(name) > 0;
    if (again && spec->arity != Arity::repeatable) throw UsageError(shown + " given twice");
    std::vector<std::string>& values = given_[name];
    if (spec->arity == Arity::flag) continue;
    auto take_value = [&]() {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      const std::string& v = args[i + 1];
      if (v.empty()) throw UsageError(a + " needs a value (got an empty one)");
      if (looks_like_option(v)) throw UsageError(a + " needs a value (got the option '" + v + "')");
      values.push_back(v);
      ++i;
    };
    take_value();
    if (spec->arity == Arity::list)
      while (i + 1 < args.size() && !looks_like_option(args[i + 1])) take_value();
  }
}

std::string Arguments::value(std::string_view name, std::string fallback) const {
  const auto it = given_.find(name);
  return it == given_.end() || it->second.empty() ? std::move(fallback) : it->second.front();
}

std::vector<std::string> Arguments::values(std::string_view name) const {
  const auto it = given_.find(name);
  return it == given_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace cascadesim::sim
