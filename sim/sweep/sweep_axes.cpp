// Axis forms of a sweep spec expanded into checked values.
#include "sim/sweep/sweep_axes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/field.hpp"
#include "sim/config/schemas.hpp"

namespace cascadesim::sim::sweep {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

double random_unit(std::uint64_t seed, std::uint64_t index) {
  // The generator's state after index steps is seed + index * gamma; its output mixes one more step.
  const std::uint64_t state = seed + index * 0x9E3779B97F4A7C15ULL;
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

std::string Column::value_pointer(std::size_t i) const {
  if (form == "values") return pointer + "/values/" + std::to_string(i);
  return pointer + "/" + form;
}

namespace {

const std::vector<std::string_view> forms{"values", "range", "log_range", "random"};

// Reports problems of one axis, each at a pointer below it and naming the parameter.
class AxisReader {
 public:
  AxisReader(const std::string& file, const std::string& pointer, core::ConfigErrors& errors, std::size_t max_values)
      : file_(file), pointer_(pointer), errors_(errors), max_values_(max_values) {}

  // The values this column may have: all of max_axis_values, or what the spec's earlier columns left of it.
  std::string limit_text() const {
    return max_values_ == max_axis_values ? std::to_string(max_axis_values)
                                          : std::to_string(max_values_) + " (the " + std::to_string(max_axis_values) +
                                                " values a spec's axes may have together, less the earlier axes')";
  }

  void error(const std::string& relative, const std::string& message) {
    errors_.add(file_, pointer_ + relative, column_.parameter.path + ": " + message);
    ok_ = false;
  }

  std::optional<Column> read(const core::Json& axis) {
    column_.pointer = pointer_;
    if (!axis.is_object()) {
      errors_.add(
          file_, pointer_,
          "expected an axis object {\"path\": ..., \"values\": [...]} (got " + core::describe_value(axis) + ")");
      return std::nullopt;
    }
    std::vector<std::string_view> known{"path"};
    known.insert(known.end(), forms.begin(), forms.end());
    core::ConfigNode({core::ConfigNode::Layer{&axis, file_, pointer_}}, errors_).reject_unknown_keys(known);
    if (!read_path(axis)) return std::nullopt;
    std::vector<std::string_view> given;
    for (std::string_view f : forms)
      if (axis.contains(f)) given.push_back(f);
    if (given.size() != 1) {
      std::string list;
      for (std::string_view g : given) list += (list.empty() ? "" : " and ") + std::string(g);
      error("", given.empty() ? "expected one of values, range, log_range or random"
                              : "give one of values, range, log_range or random (got " + list + ")");
      return std::nullopt;
    }
    const core::Json& form = axis.at(given[0]);
    const std::string at = "/" + std::string(given[0]);
    column_.form = given[0];
    if (given[0] == "values")
      read_values(form, at);
    else if (given[0] == "range")
      read_range(form, at);
    else if (given[0] == "log_range")
      read_log_range(form, at);
    else
      read_random(form, at);
    if (!ok_) return std::nullopt;
    for (const Value& v : column_.values) {
      column_.texts.push_back(value_text(column_.parameter, v));
      if (column_.parameter.by_document()) column_.documents.push_back(core::Json::parse(std::get<std::string>(v)));
    }
    return std::move(column_);
  }

 private:
  bool read_path(const core::Json& axis) {
    const auto it = axis.find("path");
    if (it == axis.end()) {
      errors_.add(file_, pointer_ + "/path", "missing required key (the parameter, e.g. \"/workload/top_k\")");
      return false;
    }
    if (!it->is_string()) {
      errors_.add(file_, pointer_ + "/path", "expected a JSON pointer string (got " + core::describe_value(*it) + ")");
      return false;
    }
    const std::string& path = it->get_ref<const std::string&>();
    if (std::optional<Parameter> p = find_parameter(path)) {
      column_.parameter = std::move(*p);
      return true;
    }
    const std::vector<std::string> paths = parameter_paths();
    std::string message = "unknown parameter '" + path + "'";
    constexpr std::string_view hardware_prefix = "/hardware/";
    const std::optional<std::string_view> moved =
        path.starts_with(hardware_prefix) ? moved_hardware_key(std::string_view(path).substr(hardware_prefix.size()))
                                          : std::nullopt;
    if (moved)
      message += ": no longer a hardware figure, " + std::string(*moved) + "; sweep that instead";
    else if (const std::string hint =
                 core::closest_key(path, std::vector<std::string_view>(paths.begin(), paths.end()));
             !hint.empty())
      message += " (did you mean '" + hint + "'?)";
    else
      message +=
          " (a sweep sets /hardware/<key>, /model/<key> or /workload/<key> of a scalar study field, "
          "/workload/schedule, /hardware (a preset), or a pointer inside a hardware component section, "
          "/workload/cascade, /workload/early_exit, /workload/pattern or /workload/progressive_quantization; "
          "`cascadesim describe` lists the keys)";
    errors_.add(file_, pointer_ + "/path", message);
    return false;
  }

  void add(std::optional<Value> v, const std::string& at, const std::string& why) {
    if (v)
      column_.values.push_back(std::move(*v));
    else
      error(at, why);
  }

  void read_values(const core::Json& list, const std::string& at) {
    if (!list.is_array() || list.empty()) {
      error(at, "expected a non-empty list of values (got " + core::describe_value(list) +
                    (list.is_array() ? " with no entries" : "") + ")");
      return;
    }
    if (list.size() > max_values_) {
      error(at, "more than " + limit_text() + " values");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string why;
      add(value_from_json(column_.parameter, list[i], why), at + "/" + std::to_string(i), why);
    }
  }

  // The object of a generator form, with its keys checked; nullptr after an error.
  const core::Json* form_object(const core::Json& form, const std::string& at, std::string_view name,
                                const std::vector<std::string_view>& keys) {
    if (!column_.parameter.numeric() && !column_.parameter.by_document()) {
      error(at, std::string(name) + " needs a numeric parameter (use \"values\" to list its values)");
      return nullptr;
    }
    if (!form.is_object()) {
      error(at,
            "expected an object with keys " + core::choice_list(keys) + " (got " + core::describe_value(form) + ")");
      return nullptr;
    }
    const std::size_t before = errors_.size();
    core::ConfigNode({core::ConfigNode::Layer{&form, file_, pointer_ + at}}, errors_).reject_unknown_keys(keys);
    if (errors_.size() != before) ok_ = false;
    return &form;
  }

  // A required finite number of a generator form.
  std::optional<double> number(const core::Json& form, const std::string& at, std::string_view key) {
    const std::string where = at + "/" + std::string(key);
    const auto it = form.find(key);
    if (it == form.end()) {
      error(where, "missing required key");
      return std::nullopt;
    }
    if (!it->is_number() || !std::isfinite(it->get<double>())) {
      error(where, "expected a finite number (got " + core::describe_value(*it) + ")");
      return std::nullopt;
    }
    return it->get<double>();
  }

  // A required count of a generator form, between 1 (or min) and max_axis_values.
  std::optional<std::size_t> count(const core::Json& form, const std::string& at, std::string_view key, double min) {
    const std::optional<double> n = number(form, at, key);
    if (!n) return std::nullopt;
    if (*n != std::floor(*n) || *n < min || *n > static_cast<double>(max_values_)) {
      error(at + "/" + std::string(key), "must be a whole number from " + core::format_number(min) + " to " +
                                             limit_text() + " (got " + core::format_number(*n) + ")");
      return std::nullopt;
    }
    return static_cast<std::size_t>(*n);
  }

  bool within_bounds(double number, const std::string& at) {
    const std::string why = bound_problem(column_.parameter, number);
    if (!why.empty()) error(at, why);
    return why.empty();
  }

  void read_range(const core::Json& json, const std::string& at) {
    const core::Json* form = form_object(json, at, "range", {"from", "to", "step"});
    if (!form) return;
    const auto from = number(*form, at, "from"), to = number(*form, at, "to"), step = number(*form, at, "step");
    if (!from || !to || !step || !ok_) return;
    if (column_.parameter.type == ValueType::integer) {
      for (const auto& [key, v] : {std::pair{"from", *from}, std::pair{"step", *step}})
        if (v != std::floor(v)) error(at + "/" + key, "must be a whole number for an integer parameter");
      if (!ok_) return;
    }
    if (*step == 0 || (*to - *from) / *step < 0) {
      error(at + "/step", "must be nonzero and go from " + core::format_number(*from) + " towards " +
                              core::format_number(*to) + " (got " + core::format_number(*step) + ")");
      return;
    }
    // A tolerance of 1e-9 steps keeps "to" when rounding leaves it a hair beyond from + n * step.
    const double steps = std::floor((*to - *from) / *step + 1e-9);
    if (steps + 1 > static_cast<double>(max_values_)) {
      error(at, "gives " + core::format_number(steps + 1) + " values, more than " + limit_text());
      return;
    }
    const std::size_t n = static_cast<std::size_t>(steps) + 1;
    if (!within_bounds(*from, at + "/from") || !within_bounds(*from + static_cast<double>(n - 1) * *step, at + "/to"))
      return;
    for (std::size_t i = 0; i < n && ok_; ++i) {
      std::string why;
      add(number_value(column_.parameter, *from + static_cast<double>(i) * *step, why), at, why);
    }
  }

  void read_log_range(const core::Json& json, const std::string& at) {
    const core::Json* form = form_object(json, at, "log_range", {"from", "to", "points"});
    if (!form) return;
    const auto from = number(*form, at, "from"), to = number(*form, at, "to");
    const auto points = count(*form, at, "points", 2);
    if (!from || !to || !points || !ok_) return;
    for (const auto& [key, v] : {std::pair{"from", *from}, std::pair{"to", *to}})
      if (!(v > 0)) error(at + "/" + key, "must be > 0 for a geometric range (got " + core::format_number(v) + ")");
    if (!ok_ || !within_bounds(*from, at + "/from") || !within_bounds(*to, at + "/to")) return;
    const double ratio = std::log(*to / *from);
    for (std::size_t i = 0; i < *points && ok_; ++i) {
      const double x =
          i + 1 == *points ? *to : *from * std::exp(ratio * static_cast<double>(i) / static_cast<double>(*points - 1));
      std::string why;
      add(number_value(column_.parameter, x, why), at, why);
      const std::size_t n = column_.values.size();
      const auto* last = n >= 2 ? std::get_if<std::int64_t>(&column_.values[n - 1]) : nullptr;
      if (ok_ && last && *last == std::get<std::int64_t>(column_.values[n - 2]))
        error(at + "/points", std::to_string(*points) + " points repeat the integer value " + std::to_string(*last) +
                                  " after rounding; use fewer points");
    }
  }

  void read_random(const core::Json& json, const std::string& at) {
    const core::Json* form = form_object(json, at, "random", {"min", "max", "count", "seed", "log"});
    if (!form) return;
    const auto min = number(*form, at, "min"), max = number(*form, at, "max");
    const auto n = count(*form, at, "count", 1);
    const auto seed_it = form->find("seed");
    if (seed_it == form->end())
      error(at + "/seed", "missing required key (a non-negative integer: the same seed gives the same values)");
    else if (!seed_it->is_number_unsigned() && !(seed_it->is_number_integer() && seed_it->get<std::int64_t>() >= 0))
      error(at + "/seed", "expected a non-negative integer (got " + core::describe_value(*seed_it) + ")");
    bool log = false;
    if (const auto it = form->find("log"); it != form->end()) {
      if (it->is_boolean())
        log = it->get<bool>();
      else
        error(at + "/log", "expected true or false (got " + core::describe_value(*it) + ")");
    }
    if (!min || !max || !n || !ok_) return;
    if (!(*min < *max)) {
      error(at + "/max", "must be > min (" + core::format_number(*min) + "), got " + core::format_number(*max));
      return;
    }
    if (log && !(*min > 0)) {
      error(at + "/min", "must be > 0 when log is true (got " + core::format_number(*min) + ")");
      return;
    }
    if (!within_bounds(*min, at + "/min") || !within_bounds(*max, at + "/max")) return;
    // Integer parameters draw from the whole numbers in [min, max].
    double low = *min, high = *max;
    if (column_.parameter.type == ValueType::integer) {
      low = std::ceil(*min);
      high = std::floor(*max);
      if (low > high) {
        error(at, "no whole number lies between min and max");
        return;
      }
    }
    const std::uint64_t seed = seed_it->get<std::uint64_t>();
    for (std::size_t i = 0; i < *n && ok_; ++i) {
      const double u = random_unit(seed, i);
      double x = log ? std::exp(std::log(*min) + u * (std::log(*max) - std::log(*min))) : *min + u * (*max - *min);
      x = std::clamp(column_.parameter.type == ValueType::integer ? std::round(x) : x, low, high);
      std::string why;
      add(number_value(column_.parameter, x, why), at, why);
    }
  }

  const std::string& file_;
  const std::string& pointer_;
  core::ConfigErrors& errors_;
  std::size_t max_values_;
  Column column_;
  bool ok_ = true;
};

}  // namespace

std::optional<Column> read_column(const core::Json& axis, const std::string& file, const std::string& pointer,
                                  core::ConfigErrors& errors, std::size_t max_values) {
  return AxisReader(file, pointer, errors, max_values).read(axis);
}

}  // namespace cascadesim::sim::sweep
