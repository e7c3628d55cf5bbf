// Parsing and checking of layer schedules (seed 002 §3: "1D + 3A + 12R").
#include "models/layer_schedule.hpp"

#include <cctype>
#include <charconv>

namespace cascadesim::models {

std::string_view to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::dense:
      return "dense";
    case LayerKind::anchor:
      return "anchor";
    case LayerKind::reuse:
      return "reuse";
  }
  return "?";
}

LayerCounts LayerSchedule::counts() const {
  LayerCounts c;
  for (LayerKind k : layers) {
    switch (k) {
      case LayerKind::dense:
        ++c.dense;
        break;
      case LayerKind::anchor:
        ++c.anchor;
        break;
      case LayerKind::reuse:
        ++c.reuse;
        break;
    }
  }
  return c;
}

std::string LayerSchedule::compact() const {
  std::string out;
  for (std::size_t i = 0; i < layers.size();) {
    std::size_t j = i;
    while (j < layers.size() && layers[j] == layers[i]) ++j;
    if (!out.empty()) out += '+';
    out += std::to_string(j - i);
    out += static_cast<char>(std::toupper(to_string(layers[i])[0]));
    i = j;
  }
  return out;
}

LayerKind parse_layer_kind(std::string_view text) {
  if (text == "D" || text == "dense") return LayerKind::dense;
  if (text == "A" || text == "anchor") return LayerKind::anchor;
  if (text == "R" || text == "reuse") return LayerKind::reuse;
  throw ScheduleError("unknown layer kind '" + std::string(text) + "' (expected D/dense, A/anchor or R/reuse)");
}

namespace {
// Above this a schedule term is certainly a typo; it also keeps the expansion bounded.
constexpr std::int64_t max_layers_per_term = 1 << 16;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

LayerSchedule parse_layer_schedule(std::string_view text) {
  LayerSchedule schedule;
  if (trim(text).empty()) throw ScheduleError("empty layer schedule (expected terms like \"1D+3A+12R\")");
  std::size_t start = 0;
  int term_index = 0;
  while (start <= text.size()) {
    std::size_t plus = text.find('+', start);
    if (plus == std::string_view::npos) plus = text.size();
    const std::string_view term = trim(text.substr(start, plus - start));
    ++term_index;
    const std::string where = "term " + std::to_string(term_index) + " '" + std::string(term) + "'";
    if (term.empty()) throw ScheduleError(where + ": empty term (two '+' in a row, or a leading/trailing '+')");
    std::size_t digits = 0;
    while (digits < term.size() && std::isdigit(static_cast<unsigned char>(term[digits]))) ++digits;
    std::int64_t count = 1;
    if (digits > 0) {
      auto [ptr, ec] = std::from_chars(term.data(), term.data() + digits, count);
      if (ec != std::errc() || count > max_layers_per_term) throw ScheduleError(where + ": layer count too large");
      if (count == 0) throw ScheduleError(where + ": layer count must be >= 1");
    }
    const std::string_view letter = trim(term.substr(digits));
    if (letter.size() != 1) throw ScheduleError(where + ": expected a count and one of D, A, R (e.g. \"3A\")");
    LayerKind kind;
    try {
      kind = parse_layer_kind(letter);
    } catch (const ScheduleError&) {
      throw ScheduleError(where + ": unknown layer kind '" + std::string(letter) + "' (expected D, A or R)");
    }
    schedule.layers.insert(schedule.layers.end(), static_cast<std::size_t>(count), kind);
    if (schedule.layers.size() > static_cast<std::size_t>(max_layers_per_term))
      throw ScheduleError("layer schedule longer than " + std::to_string(max_layers_per_term) + " layers");
    start = plus + 1;
  }
  return schedule;
}

void check_layer_schedule(const LayerSchedule& schedule, std::int64_t n_layers, bool reuse_needs_anchor) {
  const auto size = static_cast<std::int64_t>(schedule.layers.size());
  if (size != n_layers)
    throw ScheduleError("schedule has " + std::to_string(size) + " layers but the model has " +
                        std::to_string(n_layers));
  if (!reuse_needs_anchor) return;
  for (std::int64_t i = 0; i < size; ++i) {
    if (schedule.layers[static_cast<std::size_t>(i)] == LayerKind::anchor) return;
    if (schedule.layers[static_cast<std::size_t>(i)] == LayerKind::reuse)
      throw ScheduleError("reuse layer " + std::to_string(i) + " has no anchor layer before it to reuse");
  }
}

LayerSchedule dense_schedule(std::int64_t n_layers) {
  return LayerSchedule{std::vector<LayerKind>(static_cast<std::size_t>(n_layers), LayerKind::dense)};
}

}  // namespace cascadesim::models
