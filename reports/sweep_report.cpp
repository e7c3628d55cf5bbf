// The sweep report: sweep.json read with its JSON pointers, points.csv streamed once (memory bounded by the cells the
// plots need, not by the number of points), and the report document built from both.
#include "reports/sweep_report.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "core/config_node.hpp"
#include "core/input_limits.hpp"
#include "sim/sweep/pareto_front.hpp"
#include "sim/sweep/sweep_output.hpp"

namespace cascadesim::sim::sweep {
namespace {

namespace fs = std::filesystem;
using reports::CellState;

constexpr std::size_t npos = static_cast<std::size_t>(-1);
// Entries of an axis above which it is not drawn as heat map cells.
constexpr std::size_t max_heat_map_entries = 64;
// A numeric axis with at least this many entries is drawn along x of a line plot when the other axis has at most
// max_line_series entries: lines read better than a wide grid there.
constexpr std::size_t line_plot_min_entries = 8;
constexpr std::size_t max_line_series = 6;
constexpr std::size_t max_reason_rows = 10;
constexpr std::size_t max_distinct_reasons = 1000;

// Shortest round-trip text of a number; whole numbers below 2^53 as integers, as the sweep writes them.
std::string number_text(double v) {
  std::array<char, 32> buffer{};
  if (v == std::trunc(v) && std::abs(v) < 0x1.0p53) {
    const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), static_cast<std::int64_t>(v));
    return std::string(buffer.data(), r.ptr);
  }
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v);
  return std::string(buffer.data(), r.ptr);
}

// Four significant digits, for tables and captions.
std::string short_number(double v) {
  if (!std::isfinite(v)) return number_text(v);
  std::array<char, 32> buffer{};
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v, std::chars_format::general, 4);
  double rounded = v;
  std::from_chars(buffer.data(), r.ptr, rounded);
  return number_text(rounded);
}

std::optional<double> parse_double(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::string scalar_text(const core::Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  return number_text(v.get<double>());
}

// A value for labels and tables: fractional numbers to 6 significant digits (a random axis's values have 17), whole
// ones as they are.
std::string display_text(const core::Json& v) {
  if (!v.is_number_float()) return scalar_text(v);
  const double x = v.get<double>();
  if (x == std::trunc(x) && std::abs(x) < 0x1.0p53) return number_text(x);
  std::array<char, 32> buffer{};
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x, std::chars_format::general, 6);
  double rounded = x;
  std::from_chars(buffer.data(), r.ptr, rounded);
  return number_text(rounded);
}

bool same_value(const core::Json& a, const core::Json& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return x == y || std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y));
  }
  return a == b;
}

// Whether a CSV cell holds the value the sweep wrote for v.
bool cell_matches(std::string_view cell, const core::Json& v) {
  if (v.is_number()) {
    const std::optional<double> x = parse_double(cell);
    return x && same_value(core::Json(*x), v);
  }
  return cell == scalar_text(v);
}

std::string last_token(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

// ---- sweep.json ----

struct AxisInfo {
  std::string pointer;                          // "/sweep/axes/2" in sweep.json
  std::vector<std::string> paths;               // one per column (a zip has several)
  std::vector<std::vector<core::Json>> values;  // [column][entry]
  std::vector<std::string> names;               // per entry: its values as display_text, joined by " / " for a zip
  std::vector<double> numbers;                  // per entry, when the axis is one numeric column without repeats
  std::vector<std::size_t> order;               // entries in drawing order: increasing numbers, else as listed
  bool log = false;                             // numeric, every number > 0, spanning more than a decade
  std::size_t slice = 0;                        // the entry held fixed in plots that do not show this axis
  std::string slice_reason;

  std::size_t size() const { return names.size(); }
  bool numeric() const { return !numbers.empty(); }
  std::string label() const { return join(paths, " + "); }
  std::string short_label() const {
    std::vector<std::string> tokens;
    for (const std::string& p : paths) tokens.push_back(last_token(p));
    return join(tokens, " + ");
  }
};

struct SweepMeta {
  std::string file;  // DIR/sweep.json
  std::string name, description, spec_file, study, backend, hash;
  std::vector<AxisInfo> axes;
  std::vector<std::string> objectives;
  std::vector<std::size_t> minimize, maximize;  // indices into objectives, in that order: the Pareto objectives
  std::vector<std::string> constraints;         // as text
  std::uint64_t points = 0;
  std::vector<std::uint64_t> strides;  // per axis: the index step of one entry (the last axis fastest)

  std::vector<std::size_t> pareto() const {
    std::vector<std::size_t> all = minimize;
    all.insert(all.end(), maximize.begin(), maximize.end());
    return all;
  }
  std::size_t entry(std::uint64_t index, std::size_t axis) const {
    return static_cast<std::size_t>((index / strides[axis]) % axes[axis].size());
  }
};

// Reads sweep.json's fields, collecting every problem with its pointer.
class MetaReader {
 public:
  MetaReader(std::string file, core::ConfigErrors& errors) : file_(std::move(file)), errors_(errors) {}

  // The member key of object at pointer, checked by ok; records "missing" or "must be what" and returns nullptr.
  template <typename Check>
  const core::Json* member(const core::Json& object, const std::string& pointer, std::string_view key,
                           std::string_view what, Check ok, bool required = true) {
    const std::string at = core::child_pointer(pointer, key);
    const auto it = object.find(std::string(key));
    if (it == object.end()) {
      if (required) errors_.add(file_, at, "missing: not the record of a cascadesim sweep");
      return nullptr;
    }
    if (!ok(*it)) {
      errors_.add(file_, at, "must be " + std::string(what) + " (got " + core::describe_value(*it) + ")");
      return nullptr;
    }
    return &*it;
  }
  std::optional<std::string> string(const core::Json& object, const std::string& pointer, std::string_view key,
                                    bool required = true) {
    const core::Json* v = member(
        object, pointer, key, "a string", [](const core::Json& j) { return j.is_string(); }, required);
    return v ? std::optional<std::string>(v->get<std::string>()) : std::nullopt;
  }
  void add(const std::string& pointer, std::string message) { errors_.add(file_, pointer, std::move(message)); }

 private:
  std::string file_;
  core::ConfigErrors& errors_;
};

bool is_object(const core::Json& j) { return j.is_object(); }
bool is_array(const core::Json& j) { return j.is_array(); }
bool is_scalar(const core::Json& j) { return j.is_number() || j.is_string() || j.is_boolean(); }

// Chooses the entry held fixed when the axis is not on a plot: the base study's value when it is among the entries,
// else the number nearest it (by ratio when all are positive), else the middle entry in drawing order.
void choose_slice(AxisInfo& axis, const core::Json* base_study) {
  std::vector<std::string> base_texts;
  bool all_found = base_study != nullptr;
  std::vector<const core::Json*> base_values;
  for (const std::string& path : axis.paths) {
    const core::Json* found = nullptr;
    if (base_study) {
      try {
        const core::Json::json_pointer pointer(path);
        if (base_study->contains(pointer)) found = &base_study->at(pointer);
      } catch (const core::Json::exception&) {
        found = nullptr;
      }
    }
    all_found = all_found && found && is_scalar(*found);
    base_values.push_back(found);
    if (found && is_scalar(*found)) base_texts.push_back(scalar_text(*found));
  }
  if (all_found) {
    for (std::size_t e = 0; e < axis.size(); ++e) {
      bool match = true;
      for (std::size_t c = 0; c < axis.paths.size() && match; ++c)
        match = same_value(axis.values[c][e], *base_values[c]);
      if (match) {
        axis.slice = e;
        axis.slice_reason = "the base study's value";
        return;
      }
    }
  }
  if (all_found && axis.numeric() && base_values[0]->is_number()) {
    const double base = base_values[0]->get<double>();
    const bool log = base > 0 && axis.numbers[axis.order.front()] > 0;
    const auto distance = [&](std::size_t e) {
      return log ? std::abs(std::log(axis.numbers[e] / base)) : std::abs(axis.numbers[e] - base);
    };
    axis.slice = axis.order.front();
    for (const std::size_t e : axis.order)
      if (distance(e) < distance(axis.slice)) axis.slice = e;
    axis.slice_reason = "the value nearest the base study's " + base_texts[0];
    return;
  }
  axis.slice = axis.order[(axis.size() - 1) / 2];
  if (axis.size() == 1) {
    axis.slice_reason = "its only value";
  } else if (all_found) {
    axis.slice_reason = "the middle of its values; the base study's " + join(base_texts, " / ") + " is not among them";
  } else {
    axis.slice_reason = "the middle of its values";
  }
}

void read_axis(MetaReader& r, const core::Json& axis_json, const std::string& pointer, const core::Json* base_study,
               std::vector<AxisInfo>& axes) {
  AxisInfo axis;
  axis.pointer = pointer;
  const core::Json* columns = r.member(axis_json, pointer, "columns", "a non-empty array",
                                       [](const core::Json& j) { return j.is_array() && !j.empty(); });
  if (!columns) return;
  bool ok = true;
  for (std::size_t c = 0; c < columns->size(); ++c) {
    const std::string at = core::child_pointer(core::child_pointer(pointer, "columns"), c);
    const core::Json& column = (*columns)[c];
    if (!column.is_object()) {
      r.add(at, "must be an object (got " + core::describe_value(column) + ")");
      ok = false;
      continue;
    }
    const std::optional<std::string> path = r.string(column, at, "path");
    const core::Json* values = r.member(
        column, at, "values", "a non-empty array of numbers, strings or booleans",
        [](const core::Json& j) { return j.is_array() && !j.empty() && std::all_of(j.begin(), j.end(), is_scalar); });
    if (!path || !values) {
      ok = false;
      continue;
    }
    if (!axis.values.empty() && values->size() != axis.values.front().size()) {
      r.add(core::child_pointer(at, "values"), "has " + std::to_string(values->size()) + " values but " +
                                                   core::child_pointer(core::child_pointer(pointer, "columns"), 0) +
                                                   " has " + std::to_string(axis.values.front().size()));
      ok = false;
      continue;
    }
    axis.paths.push_back(*path);
    axis.values.emplace_back(values->begin(), values->end());
  }
  if (!ok) return;
  const std::size_t n = axis.values.front().size();
  for (std::size_t e = 0; e < n; ++e) {
    std::vector<std::string> parts;
    for (const std::vector<core::Json>& column : axis.values) parts.push_back(display_text(column[e]));
    axis.names.push_back(join(parts, " / "));
  }
  axis.order.resize(n);
  for (std::size_t e = 0; e < n; ++e) axis.order[e] = e;
  if (axis.values.size() == 1 &&
      std::all_of(axis.values[0].begin(), axis.values[0].end(), [](const core::Json& j) { return j.is_number(); })) {
    std::vector<double> numbers;
    for (const core::Json& j : axis.values[0]) numbers.push_back(j.get<double>());
    std::sort(axis.order.begin(), axis.order.end(),
              [&](std::size_t a, std::size_t b) { return numbers[a] < numbers[b]; });
    bool distinct = std::all_of(numbers.begin(), numbers.end(), [](double v) { return std::isfinite(v); });
    for (std::size_t k = 1; k < n && distinct; ++k) distinct = numbers[axis.order[k - 1]] < numbers[axis.order[k]];
    if (distinct) {
      axis.numbers = std::move(numbers);
      const double lo = axis.numbers[axis.order.front()], hi = axis.numbers[axis.order.back()];
      axis.log = lo > 0 && hi / lo > 10;
    } else {
      for (std::size_t e = 0; e < n; ++e) axis.order[e] = e;
    }
  }
  choose_slice(axis, base_study);
  axes.push_back(std::move(axis));
}

SweepMeta read_meta(const std::string& dir) {
  SweepMeta meta;
  meta.file = (fs::path(dir) / "sweep.json").string();
  core::ConfigErrors errors;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    errors.add(dir, "",
               fs::exists(dir, ec) ? "not a folder: expected a sweep's output folder"
                                   : "no such folder: expected a sweep's output folder");
    errors.throw_if_any();
  }
  if (!fs::exists(meta.file, ec)) {
    errors.add(meta.file, "", "missing: " + dir + " is not a sweep's output folder (cascadesim sweep --out)");
    errors.throw_if_any();
  }
  const std::optional<core::Json> doc = core::load_json_file(meta.file, errors);
  errors.throw_if_any();
  MetaReader r(meta.file, errors);
  if (!doc->is_object()) {
    r.add("", "must be an object (got " + core::describe_value(*doc) + ")");
    errors.throw_if_any();
  }
  if (const core::Json* v =
          r.member(*doc, "", "schema_version", "1", [](const core::Json& j) { return j.is_number_integer(); })) {
    if (v->get<std::int64_t>() != 1)
      r.add("/schema_version", "is " + core::describe_value(*v) + "; this cascadesim reads version 1");
  }
  meta.hash = r.string(*doc, "", "hash").value_or("");
  meta.spec_file = r.string(*doc, "", "spec_file", false).value_or("");
  const core::Json* sweep = r.member(*doc, "", "sweep", "an object", is_object);
  if (!sweep) errors.throw_if_any();
  const std::string sp = "/sweep";
  meta.name = r.string(*sweep, sp, "name").value_or("");
  meta.description = r.string(*sweep, sp, "description", false).value_or("");
  meta.backend = r.string(*sweep, sp, "backend").value_or("");
  const core::Json* base_study = nullptr;
  if (const core::Json* study = r.member(*sweep, sp, "study", "an object", is_object)) {
    meta.study = r.string(*study, sp + "/study", "reference").value_or("");
    base_study = r.member(*study, sp + "/study", "resolved", "an object", is_object, false);
  }
  if (const core::Json* objectives =
          r.member(*sweep, sp, "objectives", "a non-empty array of names", [](const core::Json& j) {
            return j.is_array() && !j.empty() &&
                   std::all_of(j.begin(), j.end(), [](const core::Json& o) { return o.is_string(); });
          })) {
    for (const core::Json& o : *objectives) meta.objectives.push_back(o.get<std::string>());
  }
  if (const core::Json* pareto = r.member(*sweep, sp, "pareto", "an object", is_object, false)) {
    for (const char* key : {"minimize", "maximize"}) {
      const std::string at = sp + "/pareto";
      const core::Json* list = r.member(*pareto, at, key, "an array of objective names", is_array, false);
      if (!list) continue;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const core::Json& o = (*list)[i];
        const auto it = o.is_string() ? std::find(meta.objectives.begin(), meta.objectives.end(), o.get<std::string>())
                                      : meta.objectives.end();
        if (it == meta.objectives.end()) {
          r.add(core::child_pointer(core::child_pointer(at, key), i),
                "is not one of /sweep/objectives (got " + core::describe_value(o) + ")");
          continue;
        }
        const auto index = static_cast<std::size_t>(it - meta.objectives.begin());
        (std::string_view(key) == "minimize" ? meta.minimize : meta.maximize).push_back(index);
      }
    }
  }
  if (const core::Json* constraints = r.member(*sweep, sp, "constraints", "an array", is_array, false)) {
    for (const core::Json& c : *constraints) {
      if (!c.is_object() || !c.contains("path") || !c["path"].is_string()) continue;
      std::string text = c["path"].get<std::string>();
      if (c.contains("min") && c["min"].is_number()) text += " >= " + number_text(c["min"].get<double>());
      if (c.contains("max") && c["max"].is_number()) text += " <= " + number_text(c["max"].get<double>());
      meta.constraints.push_back(text);
    }
  }
  if (const core::Json* axes = r.member(*sweep, sp, "axes", "a non-empty array",
                                        [](const core::Json& j) { return j.is_array() && !j.empty(); })) {
    for (std::size_t a = 0; a < axes->size(); ++a) {
      const std::string at = core::child_pointer(sp + "/axes", a);
      if (!(*axes)[a].is_object()) {
        r.add(at, "must be an object (got " + core::describe_value((*axes)[a]) + ")");
        continue;
      }
      read_axis(r, (*axes)[a], at, base_study, meta.axes);
    }
  }
  const core::Json* points = r.member(*sweep, sp, "points", "a whole number >= 1", [](const core::Json& j) {
    return j.is_number_unsigned() && j.get<std::uint64_t>() >= 1;
  });
  errors.throw_if_any();
  meta.points = points->get<std::uint64_t>();
  std::uint64_t product = 1;
  bool overflow = false;
  meta.strides.assign(meta.axes.size(), 1);
  for (std::size_t a = meta.axes.size(); a-- > 0;) {
    meta.strides[a] = product;
    overflow = overflow || product > std::numeric_limits<std::uint64_t>::max() / meta.axes[a].size();
    if (!overflow) product *= meta.axes[a].size();
  }
  if (overflow || product != meta.points) {
    r.add(sp + "/points", "is " + std::to_string(meta.points) + " but the axes give " +
                              (overflow ? std::string("more than 2^64") : std::to_string(product)) + " points");
  }
  errors.throw_if_any();
  return meta;
}

// ---- points.csv ----

enum class Status { ok, invalid, excluded };

struct StoredPoint {
  Status status = Status::ok;
  std::vector<double> objectives;
};

struct RowScan {
  std::uint64_t rows = 0, ok = 0, invalid = 0, excluded = 0;
  bool torn_last_line = false;
  std::unordered_map<std::uint64_t, StoredPoint> needed;              // filled for the keys present beforehand
  std::vector<std::optional<std::pair<std::uint64_t, double>>> best;  // per objective: index and value
  std::vector<std::pair<double, double>> scatter;                     // the first two Pareto objectives
  std::uint64_t scatter_step = 1;
  std::map<std::string, std::uint64_t> reasons;  // "invalid: ..." and "excluded: ..." with their counts
  std::uint64_t other_reasons = 0;
  std::optional<ParetoFront> front;  // over the rows present; its rows are the CSV lines
};

std::vector<std::string> expected_header(const SweepMeta& meta) {
  std::vector<std::string> header = {"index"};
  for (const AxisInfo& a : meta.axes) header.insert(header.end(), a.paths.begin(), a.paths.end());
  header.push_back("status");
  header.insert(header.end(), meta.objectives.begin(), meta.objectives.end());
  header.push_back("backend");
  return header;
}

// Reads the CSV's lines: f(line_number, line, cells) for each complete row after the header. Checks the header. A last
// line without its '\n' is left out and reported through torn.
template <typename RowFunction>
void read_csv(const std::string& path, const SweepMeta& meta, bool& torn, RowFunction f) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::ConfigError({{path, "", "cannot open: a sweep's folder holds it (cascadesim sweep --out)"}});
  std::string line;
  std::vector<std::string> cells;
  const std::vector<std::string> header = expected_header(meta);
  const auto too_long = [&](std::uint64_t number) {
    return core::ConfigError({{path, "",
                               "line " + std::to_string(number) + ": longer than " +
                                   std::to_string(core::max_line_bytes) + " bytes, which no sweep writes"}});
  };
  const core::LineRead first = core::read_line(in, line);
  if (first == core::LineRead::too_long) throw too_long(1);
  if (first != core::LineRead::line) {
    throw core::ConfigError({{path, "", "has no complete header line (expected '" + join(header, ",") + "')"}});
  }
  split_csv(line, cells);
  if (cells != header) {
    throw core::ConfigError({{path, "",
                              "line 1: the header differs from " + meta.file + "'s columns: expected '" +
                                  join(header, ",") + "', got '" + line + "'"}});
  }
  for (std::uint64_t number = 2;; ++number) {
    const core::LineRead read = core::read_line(in, line);
    if (read == core::LineRead::end) break;
    if (read == core::LineRead::too_long) throw too_long(number);
    if (read == core::LineRead::unterminated) {
      torn = true;
      break;
    }
    split_csv(line, cells);
    if (cells.size() != header.size()) {
      throw core::ConfigError({{path, "",
                                "line " + std::to_string(number) + ": " + std::to_string(cells.size()) +
                                    " cells, but the header has " + std::to_string(header.size())}});
    }
    f(number, line, cells);
  }
  if (in.bad()) throw core::ConfigError({{path, "", "cannot read"}});
}

struct ParsedRow {
  std::uint64_t index = 0;
  Status status = Status::ok;
  std::vector<double> objectives;  // when ok
};

// Checks a row against the point sweep.json puts at its index. Throws ConfigError naming path and line.
ParsedRow parse_row(const SweepMeta& meta, const std::string& path, std::uint64_t line,
                    const std::vector<std::string>& cells) {
  const auto fail = [&](const std::string& message) {
    throw core::ConfigError({{path, "", "line " + std::to_string(line) + ": " + message}});
  };
  ParsedRow row;
  const std::optional<double> index = parse_double(cells[0]);
  if (!index || *index < 0 || *index != std::trunc(*index) || *index >= static_cast<double>(meta.points))
    fail("index '" + cells[0] + "' is not a point of the sweep's " + std::to_string(meta.points));
  row.index = static_cast<std::uint64_t>(*index);
  std::size_t cell = 1;
  for (std::size_t a = 0; a < meta.axes.size(); ++a) {
    const AxisInfo& axis = meta.axes[a];
    const std::size_t entry = meta.entry(row.index, a);
    for (std::size_t c = 0; c < axis.paths.size(); ++c, ++cell) {
      if (!cell_matches(cells[cell], axis.values[c][entry])) {
        fail(axis.paths[c] + " is '" + cells[cell] + "', but point " + std::to_string(row.index) + " has " +
             scalar_text(axis.values[c][entry]) + " in " + meta.file + ": the rows are not this sweep's");
      }
    }
  }
  const std::string& status = cells[cell];
  if (status == "ok") {
    row.status = Status::ok;
  } else if (status.rfind("invalid", 0) == 0) {
    row.status = Status::invalid;
  } else if (status.rfind("excluded", 0) == 0) {
    row.status = Status::excluded;
  } else {
    fail("status '" + status + "' is not ok, invalid or excluded");
  }
  if (row.status == Status::ok) {
    for (std::size_t o = 0; o < meta.objectives.size(); ++o) {
      const std::string& text = cells[cell + 1 + o];
      const std::optional<double> v = parse_double(text);
      if (!v) fail(meta.objectives[o] + " '" + text + "' is not a number");
      // A sweep writes only finite figures; times, speedups and rates are positive, bytes and areas not negative.
      // Anything else did not come from a sweep, and would win the best-point and Pareto tables.
      const std::string& name = meta.objectives[o];
      const bool positive = name.find("time") != std::string::npos || name.find("speedup") != std::string::npos ||
                            name.find("_per_s") != std::string::npos;
      if (!std::isfinite(*v) || *v < 0 || (positive && *v == 0))
        fail(name + " '" + text + "' is not a figure a sweep writes (" +
             (positive ? "a finite number > 0" : "a finite number >= 0") + ")");
      row.objectives.push_back(*v);
    }
  }
  return row;
}

// Whether objective o is better when smaller: as the Pareto set says, else by name (speedups are maximized,
// rates "..._per_s" too; times, bytes, areas and the rest minimized).
bool minimized(const SweepMeta& meta, std::size_t o) {
  if (std::find(meta.maximize.begin(), meta.maximize.end(), o) != meta.maximize.end()) return false;
  if (std::find(meta.minimize.begin(), meta.minimize.end(), o) != meta.minimize.end()) return true;
  const std::string& name = meta.objectives[o];
  const bool rate = name.size() > 6 && name.compare(name.size() - 6, 6, "_per_s") == 0;
  return name.find("speedup") == std::string::npos && !rate;
}

std::string goal_text(const SweepMeta& meta, std::size_t o) {
  const bool in_pareto = std::find(meta.minimize.begin(), meta.minimize.end(), o) != meta.minimize.end() ||
                         std::find(meta.maximize.begin(), meta.maximize.end(), o) != meta.maximize.end();
  return std::string(minimized(meta, o) ? "minimize" : "maximize") + (in_pareto ? "" : " (by its name)");
}

RowScan scan_rows(const SweepMeta& meta, const std::string& path, std::unordered_map<std::uint64_t, StoredPoint> needed,
                  std::size_t max_scatter_points) {
  RowScan scan;
  scan.needed = std::move(needed);
  scan.best.resize(meta.objectives.size());
  const std::vector<std::size_t> pareto = meta.pareto();
  scan.scatter_step =
      std::max<std::uint64_t>(1, (meta.points + max_scatter_points - 1) / std::max<std::size_t>(max_scatter_points, 1));
  if (!pareto.empty()) scan.front.emplace(meta.minimize, meta.maximize);
  std::uint64_t ok_seen = 0;
  read_csv(path, meta, scan.torn_last_line,
           [&](std::uint64_t line, const std::string& text, const std::vector<std::string>& cells) {
             ParsedRow row = parse_row(meta, path, line, cells);
             if (row.index != scan.rows) {
               throw core::ConfigError(
                   {{path, "",
                     "line " + std::to_string(line) + ": point " + std::to_string(row.index) +
                         ", but the rows run in index order and point " + std::to_string(scan.rows) + " comes next"}});
             }
             ++scan.rows;
             const std::string& status = cells[cells.size() - meta.objectives.size() - 2];
             switch (row.status) {
               case Status::ok:
                 ++scan.ok;
                 break;
               case Status::invalid:
                 ++scan.invalid;
                 break;
               case Status::excluded:
                 ++scan.excluded;
                 break;
             }
             if (row.status != Status::ok) {
               if (const auto it = scan.reasons.find(status); it != scan.reasons.end()) {
                 ++it->second;
               } else if (scan.reasons.size() < max_distinct_reasons) {
                 scan.reasons.emplace(status, 1);
               } else {
                 ++scan.other_reasons;
               }
             }
             if (const auto it = scan.needed.find(row.index); it != scan.needed.end()) {
               it->second.status = row.status;
               it->second.objectives = row.objectives;
             }
             if (row.status != Status::ok) return;
             for (std::size_t o = 0; o < row.objectives.size(); ++o) {
               const double v = row.objectives[o];
               if (!std::isfinite(v)) continue;
               auto& best = scan.best[o];
               if (!best || (minimized(meta, o) ? v < best->second : v > best->second)) best.emplace(row.index, v);
             }
             if (pareto.size() >= 2 && ok_seen++ % scan.scatter_step == 0)
               scan.scatter.emplace_back(row.objectives[pareto[0]], row.objectives[pareto[1]]);
             if (scan.front) scan.front->offer(row.objectives, text);
           });
  return scan;
}

// pareto.csv's rows, each checked against sweep.json like a row of points.csv.
std::vector<ParsedRow> read_pareto_file(const SweepMeta& meta, const std::string& path) {
  std::vector<ParsedRow> rows;
  bool torn = false;
  read_csv(path, meta, torn, [&](std::uint64_t line, const std::string&, const std::vector<std::string>& cells) {
    ParsedRow row = parse_row(meta, path, line, cells);
    if (row.status != Status::ok)
      throw core::ConfigError({{path, "", "line " + std::to_string(line) + ": a Pareto row must have status ok"}});
    rows.push_back(std::move(row));
  });
  if (torn) throw core::ConfigError({{path, "", "ends in a partly written line"}});
  return rows;
}

// ---- plots ----

struct PlotPlan {
  std::size_t objective = 0;
  std::size_t x = npos, y = npos;  // axes; y is the heat map's rows or the line plot's series; npos: none
  bool heat = true;
  std::vector<std::size_t> series_entries;  // line plots: the entries of y drawn, in drawing order
  bool series_subset = false;               // fewer lines than y has entries
};

// The point index with the given entries on the plotted axes and every other axis at its slice.
std::uint64_t point_index(const SweepMeta& meta, std::size_t x, std::size_t x_entry, std::size_t y,
                          std::size_t y_entry) {
  std::uint64_t index = 0;
  for (std::size_t a = 0; a < meta.axes.size(); ++a) {
    const std::size_t e = a == x ? x_entry : a == y ? y_entry : meta.axes[a].slice;
    index += meta.strides[a] * e;
  }
  return index;
}

// How a pair of axes is drawn, or nothing when neither a heat map nor a line plot fits.
std::optional<PlotPlan> plan_pair(const SweepMeta& meta, std::size_t a, std::size_t b) {
  const AxisInfo& A = meta.axes[a];
  const AxisInfo& B = meta.axes[b];
  PlotPlan plan;
  // A line plot: a numeric axis with many entries along x, few lines.
  const auto line_along = [&](std::size_t x, std::size_t y) {
    plan.heat = false;
    plan.x = x;
    plan.y = y;
    const AxisInfo& Y = meta.axes[y];
    if (Y.size() <= max_line_series) {
      plan.series_entries = Y.order;
    } else {
      for (std::size_t k = 0; k < max_line_series; ++k)
        plan.series_entries.push_back(Y.order[k * (Y.size() - 1) / (max_line_series - 1)]);
      plan.series_subset = true;
    }
    return plan;
  };
  const bool a_long = A.numeric() && A.size() >= line_plot_min_entries;
  const bool b_long = B.numeric() && B.size() >= line_plot_min_entries;
  if (a_long && B.size() <= max_line_series) return line_along(a, b);
  if (b_long && A.size() <= max_line_series) return line_along(b, a);
  if (A.size() <= max_heat_map_entries && B.size() <= max_heat_map_entries) {
    // Numbers along x; a categorical axis (names are easier to read stacked) on y.
    bool a_on_x = true;
    if (A.numeric() != B.numeric()) {
      a_on_x = A.numeric();
    } else if (A.numeric()) {
      a_on_x = A.size() >= B.size();
    } else {
      std::size_t a_len = 0, b_len = 0;
      for (const std::string& n : A.names) a_len = std::max(a_len, n.size());
      for (const std::string& n : B.names) b_len = std::max(b_len, n.size());
      a_on_x = a_len <= b_len;
    }
    plan.x = a_on_x ? a : b;
    plan.y = a_on_x ? b : a;
    return plan;
  }
  if (A.numeric() && (!B.numeric() || A.size() >= B.size())) return line_along(a, b);
  if (B.numeric()) return line_along(b, a);
  return std::nullopt;
}

// The plot over a single varying axis: a line when it is numeric, else one column of cells.
std::optional<PlotPlan> plan_single(const SweepMeta& meta, std::size_t a) {
  const AxisInfo& A = meta.axes[a];
  PlotPlan plan;
  if (A.numeric()) {
    plan.heat = false;
    plan.x = a;
    return plan;
  }
  if (A.size() > max_heat_map_entries) return std::nullopt;
  plan.y = a;
  return plan;
}

std::vector<std::uint64_t> plan_indices(const SweepMeta& meta, const PlotPlan& plan) {
  std::vector<std::uint64_t> indices;
  const std::vector<std::size_t> none = {0};
  const std::vector<std::size_t>& xs = plan.x == npos ? none : meta.axes[plan.x].order;
  const std::vector<std::size_t>& ys =
      plan.y == npos ? none : (plan.heat ? meta.axes[plan.y].order : plan.series_entries);
  for (const std::size_t ye : ys)
    for (const std::size_t xe : xs) indices.push_back(point_index(meta, plan.x, xe, plan.y, ye));
  return indices;
}

std::string plot_id_token(const AxisInfo& axis, std::size_t a) {
  if (axis.paths.size() != 1) return "axis" + std::to_string(a);
  std::string token;
  for (const char c : axis.paths[0]) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    token += ok ? c : '_';
  }
  while (!token.empty() && token.front() == '_') token.erase(0, 1);
  return token.empty() ? "axis" + std::to_string(a) : token;
}

std::string safe_token(const std::string& text) {
  std::string token;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    token += ok ? c : '_';
  }
  return token;
}

// "/workload/seq_len = 8192 (the base study's value)" for every axis not on the plot, or "".
std::string slice_text(const SweepMeta& meta, std::size_t x, std::size_t y) {
  std::vector<std::string> parts;
  for (std::size_t a = 0; a < meta.axes.size(); ++a) {
    const AxisInfo& axis = meta.axes[a];
    if (a == x || a == y || axis.size() < 2) continue;
    parts.push_back(axis.label() + " = " + axis.names[axis.slice] + " (" + axis.slice_reason + ")");
  }
  return parts.empty() ? "" : "Other axes fixed at " + join(parts, "; ") + ".";
}

CellState state_of(const RowScan& scan, std::uint64_t index, std::size_t objective, double& value) {
  value = 0;
  const auto it = scan.needed.find(index);
  if (index >= scan.rows || it == scan.needed.end()) return CellState::missing;
  const StoredPoint& p = it->second;
  if (p.status == Status::excluded) return CellState::excluded;
  if (p.status == Status::invalid) return CellState::invalid;
  value = p.objectives[objective];
  // A non-finite figure cannot be colored or drawn: shown like an invalid point.
  return std::isfinite(value) ? CellState::value : CellState::invalid;
}

// Counts of the cells without a value, as caption text ("2 of 6 points invalid (hatched)"), or "".
std::string gaps_text(const std::array<std::size_t, 4>& counts, std::size_t total, bool heat) {
  std::vector<std::string> parts;
  const auto add = [&](CellState s, std::string_view what, std::string_view look) {
    const std::size_t n = counts[static_cast<std::size_t>(s)];
    if (n > 0)
      parts.push_back(std::to_string(n) + " " + std::string(what) + (heat ? " (" + std::string(look) + ")" : ""));
  };
  add(CellState::invalid, "invalid", "hatched");
  add(CellState::excluded, "excluded by the constraints", "light grey");
  add(CellState::missing, "not run yet", "white, dashed outline");
  if (parts.empty()) return "";
  return "Of the " + std::to_string(total) + " points shown, " + join(parts, ", ") +
         (heat ? "; these cells carry no value." : ": gaps in the lines.");
}

// How the cells of a heat map axis are spaced, as caption text.
std::string cell_spacing_text(const SweepMeta& meta, std::size_t a, std::string_view which) {
  if (a == npos) return "";
  const AxisInfo& axis = meta.axes[a];
  if (axis.log) return " Along " + std::string(which) + " the cells are centered on the swept values on a log scale.";
  if (axis.numeric()) return " Along " + std::string(which) + " the values increase, one equal cell each.";
  return "";
}

reports::Plot heat_plot(const SweepMeta& meta, const RowScan& scan, const PlotPlan& plan, std::string id) {
  const std::string& objective = meta.objectives[plan.objective];
  reports::Plot plot;
  plot.id = std::move(id);
  reports::HeatMap map;
  map.value_label = objective;
  const auto axis_of = [&](std::size_t a, reports::HeatAxis& out, bool& log, std::string& label) {
    if (a == npos) {
      out.names = {objective};
      label = "";
      return;
    }
    const AxisInfo& axis = meta.axes[a];
    // Cells spaced by value on a log axis; in increasing order, of equal width, otherwise.
    for (const std::size_t e : axis.order) {
      out.names.push_back(axis.names[e]);
      if (axis.log) out.numbers.push_back(axis.numbers[e]);
    }
    log = axis.log;
    label = axis.label() + (axis.log ? " (log spacing)" : "");
  };
  axis_of(plan.x, map.x, plot.log_x, plot.x_label);
  axis_of(plan.y, map.y, plot.log_y, plot.y_label);
  const std::vector<std::uint64_t> indices = plan_indices(meta, plan);
  std::array<std::size_t, 4> counts{};
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const std::uint64_t index : indices) {
    double v = 0;
    const CellState s = state_of(scan, index, plan.objective, v);
    ++counts[static_cast<std::size_t>(s)];
    map.values.push_back(v);
    map.states.push_back(s);
    if (s == CellState::value) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  map.log_values = lo > 0 && hi / lo > 10;
  plot.heat_map = std::move(map);
  if (plan.x != npos && plan.y != npos) {
    plot.title = objective + " by " + meta.axes[plan.x].short_label() + " and " + meta.axes[plan.y].short_label();
  } else {
    plot.title = objective + " by " + meta.axes[plan.y == npos ? plan.x : plan.y].short_label();
  }
  std::vector<std::string> caption;
  caption.push_back("Heat map of " + objective + ": one cell per point, colored by its value" +
                    (plot.heat_map->log_values ? " on a log scale" : "") + "." + cell_spacing_text(meta, plan.x, "x") +
                    cell_spacing_text(meta, plan.y, "y"));
  if (const std::string s = slice_text(meta, plan.x, plan.y); !s.empty()) caption.push_back(s);
  if (const std::string g = gaps_text(counts, indices.size(), true); !g.empty()) caption.push_back(g);
  plot.caption = join(caption, " ");
  return plot;
}

reports::Plot line_plot(const SweepMeta& meta, const RowScan& scan, const PlotPlan& plan, std::string id) {
  const std::string& objective = meta.objectives[plan.objective];
  const AxisInfo& X = meta.axes[plan.x];
  reports::Plot plot;
  plot.id = std::move(id);
  plot.x_label = X.label();
  plot.y_label = objective;
  plot.log_x = X.log;
  std::array<std::size_t, 4> counts{};
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::size_t total = 0;
  const std::vector<std::size_t> single = {0};
  const std::vector<std::size_t>& lines = plan.y == npos ? single : plan.series_entries;
  for (const std::size_t ye : lines) {
    reports::Series series;
    series.style = reports::Series::Style::line_points;
    if (plan.y != npos) series.label = meta.axes[plan.y].short_label() + " = " + meta.axes[plan.y].names[ye];
    for (const std::size_t xe : X.order) {
      double v = 0;
      const CellState s = state_of(scan, point_index(meta, plan.x, xe, plan.y, ye), plan.objective, v);
      ++counts[static_cast<std::size_t>(s)];
      ++total;
      series.x.push_back(X.numbers[xe]);
      series.y.push_back(s == CellState::value ? v : std::numeric_limits<double>::quiet_NaN());
      if (s == CellState::value) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    plot.series.push_back(std::move(series));
  }
  plot.log_y = lo > 0 && hi / lo > 10;
  plot.title = objective + " by " + X.short_label() + (plan.y == npos ? "" : " and " + meta.axes[plan.y].short_label());
  std::vector<std::string> caption;
  std::string first = objective + " against " + X.label() + (X.log ? " (log scale)" : "");
  if (plan.y != npos) {
    first += ", one line per value of " + meta.axes[plan.y].label();
    if (plan.series_subset)
      first += " (" + std::to_string(lines.size()) + " of its " + std::to_string(meta.axes[plan.y].size()) +
               " values, evenly spaced)";
  }
  caption.push_back(first + (plot.log_y ? "; " + objective + " on a log scale." : "."));
  if (const std::string s = slice_text(meta, plan.x, plan.y); !s.empty()) caption.push_back(s);
  if (const std::string g = gaps_text(counts, total, false); !g.empty()) caption.push_back(g);
  plot.caption = join(caption, " ");
  if (counts[static_cast<std::size_t>(CellState::value)] == 0) plot.caption += " No point of this slice has a value.";
  return plot;
}

std::vector<std::string> axis_cells(const SweepMeta& meta, std::uint64_t index) {
  std::vector<std::string> cells;
  for (std::size_t a = 0; a < meta.axes.size(); ++a) cells.push_back(meta.axes[a].names[meta.entry(index, a)]);
  return cells;
}

std::string values_summary(const AxisInfo& axis) {
  constexpr std::size_t shown = 8;
  std::vector<std::string> names;
  for (const std::size_t e : axis.order) names.push_back(axis.names[e]);
  if (names.size() <= shown) return join(names, ", ");
  std::vector<std::string> head(names.begin(), names.begin() + shown - 1);
  return join(head, ", ") + ", ... " + names.back();
}

}  // namespace

SweepReport build_sweep_report(const SweepReportOptions& options) {
  const SweepMeta meta = read_meta(options.sweep_dir);
  const std::string csv_path = (fs::path(options.sweep_dir) / "points.csv").string();
  const std::string pareto_path = (fs::path(options.sweep_dir) / "pareto.csv").string();

  // The plots and the points they need.
  std::vector<std::size_t> varying;
  for (std::size_t a = 0; a < meta.axes.size(); ++a)
    if (meta.axes[a].size() >= 2) varying.push_back(a);
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  if (varying.size() == 1) pairs.emplace_back(varying[0], npos);
  for (std::size_t i = 0; i < varying.size(); ++i)
    for (std::size_t j = i + 1; j < varying.size(); ++j) pairs.emplace_back(varying[i], varying[j]);
  const std::size_t per_objective =
      std::max<std::size_t>(1, options.max_axis_plots / std::max<std::size_t>(1, meta.objectives.size()));
  std::vector<PlotPlan> plans;
  std::vector<std::string> undrawable, over_limit;
  for (std::size_t o = 0; o < meta.objectives.size(); ++o) {
    std::size_t drawn = 0;
    for (const auto& [a, b] : pairs) {
      const std::string pair_name =
          b == npos ? meta.axes[a].short_label() : meta.axes[a].short_label() + " x " + meta.axes[b].short_label();
      std::optional<PlotPlan> plan = b == npos ? plan_single(meta, a) : plan_pair(meta, a, b);
      if (!plan) {
        if (o == 0) undrawable.push_back(pair_name);
        continue;
      }
      if (drawn == per_objective || plans.size() == options.max_axis_plots) {
        over_limit.push_back(meta.objectives[o] + " by " + pair_name);
        continue;
      }
      plan->objective = o;
      plans.push_back(std::move(*plan));
      ++drawn;
    }
  }
  std::unordered_map<std::uint64_t, StoredPoint> needed;
  for (const PlotPlan& plan : plans)
    for (const std::uint64_t index : plan_indices(meta, plan)) needed.emplace(index, StoredPoint{});

  // The rows; the front from pareto.csv when the sweep is complete and wrote one, else from the rows present.
  const std::vector<std::size_t> pareto = meta.pareto();
  std::error_code ec;
  std::optional<std::vector<ParsedRow>> pareto_file;
  if (!pareto.empty() && fs::exists(pareto_path, ec)) {
    pareto_file = read_pareto_file(meta, pareto_path);
    for (const ParsedRow& row : *pareto_file) needed.emplace(row.index, StoredPoint{});
  }
  RowScan scan = scan_rows(meta, csv_path, std::move(needed), options.max_scatter_points);
  SweepReport report;
  report.name = meta.name;
  report.points = meta.points;
  report.rows = scan.rows;
  report.ok = scan.ok;
  report.invalid = scan.invalid;
  report.excluded = scan.excluded;
  report.torn_last_line = scan.torn_last_line;
  const bool complete = scan.rows == meta.points;
  std::string front_source;
  std::vector<ParsedRow> front_rows;
  if (complete && pareto_file) {
    for (const ParsedRow& row : *pareto_file) {
      if (scan.needed.at(row.index).status != Status::ok) {
        throw core::ConfigError({{pareto_path, "",
                                  "point " + std::to_string(row.index) +
                                      " is on the front, but points.csv does not list it as ok: the files disagree"}});
      }
    }
    front_rows = std::move(*pareto_file);
    report.pareto_from_file = true;
    front_source = "read from pareto.csv";
  } else if (scan.front) {
    std::vector<std::string> cells;
    for (const std::string_view line : scan.front->rows()) {
      split_csv(line, cells);
      front_rows.push_back(parse_row(meta, csv_path, 0, cells));
    }
    front_source = complete ? "computed from points.csv (the folder has no pareto.csv)"
                            : "computed from the " + std::to_string(scan.rows) +
                                  " rows present; it may change as the sweep goes on";
  }
  std::sort(front_rows.begin(), front_rows.end(),
            [](const ParsedRow& a, const ParsedRow& b) { return a.index < b.index; });
  std::unordered_map<std::uint64_t, std::vector<double>> front_points;
  for (const ParsedRow& row : front_rows) {
    report.pareto_indices.push_back(row.index);
    front_points[row.index] = row.objectives;
  }

  // The document.
  reports::ReportDocument& doc = report.document;
  doc.title = "Sweep " + meta.name;
  if (!meta.description.empty()) doc.preamble.push_back(meta.description);
  doc.preamble.push_back("Base study " + meta.study + "; backend " + meta.backend +
                         (meta.spec_file.empty() ? "" : "; spec " + meta.spec_file) + "; spec hash " + meta.hash + ".");
  const std::uint64_t missing = meta.points - scan.rows;
  std::string counts = "Points: " + std::to_string(scan.ok) + " ok, " + std::to_string(scan.invalid) + " invalid, " +
                       std::to_string(scan.excluded) + " excluded by the constraints, " + std::to_string(missing) +
                       " not run yet; " + std::to_string(scan.rows) + " of " + std::to_string(meta.points) +
                       " points are in points.csv";
  counts += complete ? "." : ": the sweep is still running or was stopped, and this report covers the rows present.";
  if (scan.torn_last_line) counts += " The last line of points.csv was partly written and is left out.";
  doc.preamble.push_back(counts);

  reports::Section axes_section;
  axes_section.title = "Axes";
  reports::Table axes_table;
  axes_table.header = {"axis", "path", "values", "count", "plotted as", "fixed at (plots without this axis)"};
  for (const AxisInfo& axis : meta.axes) {
    axes_table.rows.push_back({axis.pointer.substr(std::string("/sweep").size()), axis.label(), values_summary(axis),
                               std::to_string(axis.size()),
                               axis.numeric() ? (axis.log ? "numbers, log scale" : "numbers, linear scale")
                                              : "categories, in the spec's order",
                               axis.names[axis.slice] + " (" + axis.slice_reason + ")"});
  }
  axes_section.tables.push_back(std::move(axes_table));
  axes_section.paragraphs.push_back(meta.constraints.empty() ? "No constraints."
                                                             : "Constraints: " + join(meta.constraints, "; ") + ".");
  doc.sections.push_back(std::move(axes_section));

  reports::Section best_section;
  best_section.title = "Best point per objective";
  best_section.paragraphs.push_back(
      "Over the ok points present. The Pareto set gives each objective's direction; objectives outside it are "
      "maximized when their name says speedup or ends in _per_s, and minimized otherwise. Ties go to the lowest "
      "index.");
  reports::Table best_table;
  best_table.header = {"objective", "goal", "best", "index"};
  for (const AxisInfo& axis : meta.axes) best_table.header.push_back(axis.label());
  for (std::size_t o = 0; o < meta.objectives.size(); ++o) {
    std::vector<std::string> row = {meta.objectives[o], goal_text(meta, o)};
    if (const auto& best = scan.best[o]) {
      row.push_back(short_number(best->second));
      row.push_back(std::to_string(best->first));
      const std::vector<std::string> cells = axis_cells(meta, best->first);
      row.insert(row.end(), cells.begin(), cells.end());
    } else {
      row.push_back("no ok point");
      row.resize(best_table.header.size());
    }
    best_table.rows.push_back(std::move(row));
  }
  best_section.tables.push_back(std::move(best_table));
  doc.sections.push_back(std::move(best_section));

  reports::Section pareto_section;
  pareto_section.title = "Pareto front";
  if (pareto.empty()) {
    pareto_section.paragraphs.push_back("The sweep names no Pareto objectives.");
  } else {
    std::vector<std::string> goals;
    for (const std::size_t o : meta.minimize) goals.push_back("minimize " + meta.objectives[o]);
    for (const std::size_t o : meta.maximize) goals.push_back("maximize " + meta.objectives[o]);
    pareto_section.paragraphs.push_back(join(goals, ", ") + ": " + std::to_string(report.pareto_indices.size()) +
                                        " points on the front, " + front_source + ".");
    std::vector<std::uint64_t> sorted = report.pareto_indices;
    const std::size_t first = pareto[0];
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](std::uint64_t a, std::uint64_t b) { return front_points[a][first] < front_points[b][first]; });
    if (pareto.size() >= 2 && !sorted.empty()) {
      const std::size_t second = pareto[1];
      reports::Plot plot;
      plot.id = "pareto_front";
      plot.title = "Pareto front: " + meta.objectives[first] + " and " + meta.objectives[second];
      plot.x_label = meta.objectives[first];
      plot.y_label = meta.objectives[second];
      reports::Series all{"ok points", {}, {}, reports::Series::Style::points, "#a6a6a6"};
      for (const auto& [x, y] : scan.scatter) {
        all.x.push_back(x);
        all.y.push_back(y);
      }
      reports::Series front{"Pareto front", {}, {}, reports::Series::Style::line_points, ""};
      for (const std::uint64_t i : sorted) {
        front.x.push_back(front_points[i][first]);
        front.y.push_back(front_points[i][second]);
      }
      const auto spans_decades = [](const std::vector<double>& a, const std::vector<double>& b) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (const std::vector<double>* v : {&a, &b}) {
          for (const double x : *v) {
            if (!std::isfinite(x)) continue;
            lo = std::min(lo, x);
            hi = std::max(hi, x);
          }
        }
        return lo > 0 && hi / lo > 10;
      };
      plot.log_x = spans_decades(all.x, front.x);
      plot.log_y = spans_decades(all.y, front.y);
      std::string caption = "Grey: the ok points";
      if (scan.scatter_step > 1) {
        caption += " (1 in " + std::to_string(scan.scatter_step) + " of the " + std::to_string(scan.ok) +
                   ", to keep the plot small)";
      }
      caption += "; highlighted and joined in order of " + meta.objectives[first] + ": the " +
                 std::to_string(sorted.size()) + " points on the front.";
      if (pareto.size() > 2) {
        caption += " The front is over " + std::to_string(pareto.size()) +
                   " objectives, drawn on the first two: some of its points may look dominated here.";
      }
      if (plot.log_x || plot.log_y) caption += " Axes spanning more than a decade are on a log scale.";
      plot.caption = caption;
      plot.series = {std::move(all), std::move(front)};
      pareto_section.plots.push_back(std::move(plot));
    } else if (pareto.size() < 2) {
      pareto_section.paragraphs.push_back("One Pareto objective: the front is its best points; no plot.");
    }
    reports::Table table;
    table.title = "Points on the front, by " + meta.objectives[first];
    table.header = {"index"};
    for (const AxisInfo& axis : meta.axes) table.header.push_back(axis.label());
    table.header.insert(table.header.end(), meta.objectives.begin(), meta.objectives.end());
    for (std::size_t k = 0; k < sorted.size() && k < options.max_table_rows; ++k) {
      std::vector<std::string> row = {std::to_string(sorted[k])};
      const std::vector<std::string> cells = axis_cells(meta, sorted[k]);
      row.insert(row.end(), cells.begin(), cells.end());
      for (const double v : front_points[sorted[k]]) row.push_back(short_number(v));
      table.rows.push_back(std::move(row));
    }
    if (sorted.size() > options.max_table_rows) {
      pareto_section.paragraphs.push_back("The table lists the first " + std::to_string(options.max_table_rows) +
                                          " of the " + std::to_string(sorted.size()) + " points on the front" +
                                          (report.pareto_from_file ? "; pareto.csv holds them all." : "."));
    }
    if (!sorted.empty()) pareto_section.tables.push_back(std::move(table));
  }
  doc.sections.push_back(std::move(pareto_section));

  // One section per objective with its plots over the axes.
  std::set<std::string> ids = {"pareto_front"};
  for (std::size_t o = 0; o < meta.objectives.size(); ++o) {
    reports::Section section;
    section.title = meta.objectives[o] + " over the axes";
    for (const PlotPlan& plan : plans) {
      if (plan.objective != o) continue;
      std::string id = safe_token(meta.objectives[o]);
      for (const std::size_t a : {plan.x, plan.y}) {
        if (a == npos) continue;
        id += '-';
        id += plot_id_token(meta.axes[a], a);
      }
      const std::string base_id = id;
      for (std::size_t k = 2; !ids.insert(id).second; ++k) id = base_id + '-' + std::to_string(k);
      section.plots.push_back(plan.heat ? heat_plot(meta, scan, plan, id) : line_plot(meta, scan, plan, id));
    }
    if (section.plots.empty()) {
      section.paragraphs.push_back(varying.empty() ? "Every axis has a single value: nothing to plot."
                                                   : "No plot of this objective is drawn (see below).");
    }
    report.axis_plots += section.plots.size();
    doc.sections.push_back(std::move(section));
  }
  report.axis_plots_left_out = over_limit.size() + undrawable.size() * meta.objectives.size();
  if (!over_limit.empty() || !undrawable.empty()) {
    reports::Section left_out;
    left_out.title = "Plots left out";
    if (!over_limit.empty()) {
      constexpr std::size_t named = 12;
      std::vector<std::string> shown(over_limit.begin(), over_limit.begin() + std::min(named, over_limit.size()));
      left_out.paragraphs.push_back(
          std::to_string(over_limit.size()) + " plots over axis pairs are left out to keep the report at most " +
          std::to_string(options.max_axis_plots) + " such plots (" + std::to_string(per_objective) +
          " per objective, pairs in axis order): " + join(shown, "; ") +
          (over_limit.size() > named ? "; and " + std::to_string(over_limit.size() - named) + " more." : "."));
    }
    if (!undrawable.empty()) {
      left_out.paragraphs.push_back("Axis pairs with more than " + std::to_string(max_heat_map_entries) +
                                    " entries each and no numeric axis to draw lines along, for every objective: " +
                                    join(undrawable, "; ") + ".");
    }
    doc.sections.push_back(std::move(left_out));
  }

  if (!scan.reasons.empty()) {
    reports::Section reasons;
    reasons.title = "Invalid and excluded points";
    std::vector<std::pair<std::string, std::uint64_t>> sorted(scan.reasons.begin(), scan.reasons.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    reports::Table table;
    table.header = {"status and reason", "points"};
    for (std::size_t k = 0; k < sorted.size() && k < max_reason_rows; ++k)
      table.rows.push_back({sorted[k].first, std::to_string(sorted[k].second)});
    std::uint64_t rest = scan.other_reasons;
    for (std::size_t k = max_reason_rows; k < sorted.size(); ++k) rest += sorted[k].second;
    if (rest > 0) table.rows.push_back({"other reasons", std::to_string(rest)});
    reasons.tables.push_back(std::move(table));
    doc.sections.push_back(std::move(reasons));
  }
  return report;
}

void write_sweep_report(const SweepReport& report, const std::string& out_dir) {
  std::vector<reports::ReportFile> files;
  try {
    files = reports::render_report_files(report.document);
  } catch (const std::invalid_argument& e) {
    throw std::logic_error(std::string("the sweep report is malformed: ") + e.what());
  }
  const fs::path root(out_dir);
  std::error_code ec;
  fs::create_directories(root / "plots", ec);
  if (ec) throw core::OutputError((root / "plots").string() + ": cannot create the folder: " + ec.message());
  for (const reports::ReportFile& file : files) core::write_file_atomically((root / file.path).string(), file.text);
}

}  // namespace cascadesim::sim::sweep
