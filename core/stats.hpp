// Statistics: each declared once (name, unit, meaning) so `cascadesim describe` can list them, and counted in
// plain doubles at run time; derived figures (utilization, bandwidth) are computed once, at the end.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::core {

struct StatInfo {
  std::string_view name;  // snake_case with its unit: busy_cycles, read_bytes, achieved_bandwidth_GBps
  std::string_view unit;  // "" for counts
  std::string_view doc;
  // True when the value sums what the work did, so a repeated stretch of work (a layer the engine reuses) adds its
  // share again; false for a count of distinct things (ports that carried traffic), which repetition leaves alone.
  bool sums_work = true;
};

// The values of one component's statistics, in the order of its StatInfo table.
class StatSet {
 public:
  explicit StatSet(std::span<const StatInfo> infos) : infos_(infos), values_(infos.size(), 0.0) {}

  // Contract: index < infos().size(); the table is the component's own static declaration.
  double& operator[](std::size_t index) { return values_[index]; }
  double operator[](std::size_t index) const { return values_[index]; }
  double value(std::string_view name) const;  // throws std::out_of_range for an undeclared name
  void reset() { values_.assign(values_.size(), 0.0); }

  std::span<const StatInfo> infos() const { return infos_; }
  const std::vector<double>& values() const { return values_; }

 private:
  std::span<const StatInfo> infos_;
  std::vector<double> values_;
};

}  // namespace cascadesim::core
