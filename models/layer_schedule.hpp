// Which layers compute dense attention, which are Kascade anchors and which reuse an anchor's top-k tiles.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::models {

enum class LayerKind : std::uint8_t { dense, anchor, reuse };

std::string_view to_string(LayerKind kind);

// Thrown for a malformed schedule; the config loader adds the file and JSON path.
class ScheduleError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct LayerCounts {
  std::int64_t dense = 0;
  std::int64_t anchor = 0;
  std::int64_t reuse = 0;
  std::int64_t total() const { return dense + anchor + reuse; }
};

struct LayerSchedule {
  std::vector<LayerKind> layers;  // one entry per layer, in execution order

  LayerCounts counts() const;
  std::string compact() const;  // run-length form, e.g. "1D+3A+12R"
};

// Parses the compact form "1D+3A+12R": terms N<kind> joined by '+', kind D (dense), A (anchor), R (reuse),
// in layer order; a bare letter means one layer. Contract: throws ScheduleError naming the offending term.
LayerSchedule parse_layer_schedule(std::string_view text);

// Parses one explicit list entry: "D"/"dense", "A"/"anchor", "R"/"reuse". Throws ScheduleError otherwise.
LayerKind parse_layer_kind(std::string_view text);

// Checks a schedule against a model: exactly n_layers entries, and (reuse_needs_anchor) every reuse layer has an
// anchor before it (it reuses that anchor's top-k lists). Throws ScheduleError describing the first violation.
void check_layer_schedule(const LayerSchedule& schedule, std::int64_t n_layers, bool reuse_needs_anchor = true);

// All-dense schedule of n layers: the baseline every speedup is measured against.
LayerSchedule dense_schedule(std::int64_t n_layers);

}  // namespace cascadesim::models
