// Collected configuration errors and the "did you mean" hint.
#include "core/config_error.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace cascadesim::core {

std::string ConfigIssue::line() const {
  std::string out = file;
  out.append(": ").append(pointer.empty() ? std::string_view("/") : std::string_view(pointer));
  out.append(": ").append(message);
  return out;
}

namespace {
std::string join_lines(const std::vector<ConfigIssue>& issues) {
  std::string out;
  for (const ConfigIssue& i : issues) {
    if (!out.empty()) out += '\n';
    out += i.line();
  }
  return out;
}
}  // namespace

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(join_lines(issues)), issues_(std::move(issues)) {}

void ConfigErrors::add(std::string file, std::string pointer, std::string message) {
  issues_.push_back(ConfigIssue{std::move(file), std::move(pointer), std::move(message)});
}

void ConfigErrors::throw_if_any() const {
  if (!issues_.empty()) throw ConfigError(issues_);
}

std::string json_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string child_pointer(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out.push_back('/');
  out.append(json_pointer_token(key));
  return out;
}

std::string child_pointer(std::string_view parent, std::size_t index) {
  return child_pointer(parent, std::to_string(index));
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string closest_key(std::string_view unknown, const std::vector<std::string_view>& known) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, unknown.size() / 3) + 1;
  for (std::string_view k : known) {
    const std::size_t d = edit_distance(unknown, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  if (!best.empty() || unknown.empty()) return std::string(best);
  // A key missing its unit or prefix ("latency" for "latency_ns", "REFI" for "tREFI") is a likely typo too.
  std::size_t best_extra = 8;
  for (std::string_view k : known) {
    const bool contains = k.size() > unknown.size() && k.find(unknown) != std::string_view::npos;
    if (contains && k.size() - unknown.size() < best_extra) {
      best_extra = k.size() - unknown.size();
      best = k;
    }
  }
  return std::string(best);
}

}  // namespace cascadesim::core
