// A sweep spec (configs/sweeps/NAME.json): the base study, the axes, constraints, the backend, the objectives
// and the Pareto objectives. Loading checks everything a point could get wrong from the spec alone and reports
// every problem at once as "file: /json/pointer: message" (one ConfigError), before any point runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hw/system/machine_area.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/sweep/sweep_axes.hpp"
#include "sim/sweep/sweep_objectives.hpp"

namespace cascadesim::sim::sweep {

inline constexpr int sweep_schema_version = 1;
// Point indices stay exact in doubles and in every tool that reads the outputs.
inline constexpr std::uint64_t max_points = std::uint64_t{1} << 53;

struct Axis {
  std::string pointer;          // "/axes/2"
  std::vector<Column> columns;  // one, or a zip's members, all of one length
  // Per entry: "" when the constraints admit it, else the reason; empty when no constraint bounds the axis.
  std::vector<std::string> exclusions;
  std::size_t size() const { return columns.front().values.size(); }
};

struct Constraint {
  std::string pointer;  // "/constraints/0"
  Parameter parameter;  // numeric
  std::optional<double> min, max;
  // "" when number satisfies the constraint, else e.g. "/hardware/sram_per_core_bytes 300000 > max 262144".
  std::string violation(double number) const;
};

// A hardware preset that a "/hardware" axis swaps in, loaded once when the spec is.
struct HardwareVariant {
  std::string reference;      // what a point's study document names: the preset name, or an absolute path
  models::HardwareSpec spec;  // as loaded
  hw::MachineArea area;       // its components' areas (filled when area_mm2 is an objective)
};

// An axis's column: axes[axis].columns[column].
struct ColumnAt {
  std::size_t axis = 0, column = 0;
};

struct SweepSpec {
  std::string file;  // where the spec came from, as named in messages
  std::string name;
  std::string description;
  std::string study_reference;  // as written: a path or a built-in study name
  LoadedStudy study;            // the base study; study.files.front() is the file it came from
  LoadOptions point_load;       // loads a point's study text: the spec's options plus the study's config root
  std::vector<Axis> axes;
  std::vector<Constraint> constraints;
  Backend backend = Backend::analytical;
  std::vector<Objective> objectives;               // the objective columns, in order
  std::vector<std::size_t> pareto_minimize;        // indices into objectives
  std::vector<std::size_t> pareto_maximize;        // indices into objectives
  std::uint64_t point_count = 0;                   // product of the axis sizes
  std::optional<ColumnAt> hardware_axis;           // the "/hardware" column, if any
  std::vector<HardwareVariant> hardware_variants;  // one per value of that column
  hw::MachineArea base_area;  // the base study's hardware components (filled when area_mm2 is an objective)
  // A document override is swept: every point's study is loaded from its document (the loader checks it).
  bool load_points = false;
  core::Json resolved;  // the spec as loaded (axes expanded, the study's documents and resolved values)
  std::string hash;     // "fnv1a64:<16 hex digits>" of resolved without its description and the study's file names

  std::vector<std::size_t> radices() const;
  bool has_pareto() const { return !pareto_minimize.empty() || !pareto_maximize.empty(); }
  bool has_objective(Objective objective) const;
};

// Contract (both): throws ConfigError with every problem found. The study is a path relative to the working
// directory, "builtin:configs/...", or the name of a built-in study (configs/studies/NAME.json); its presets
// are found as load_study finds them, with load.config_dirs searched first.
SweepSpec load_sweep_spec(const std::string& path, const LoadOptions& load = {});
SweepSpec load_sweep_spec_text(std::string_view text, const std::string& label, const LoadOptions& load = {});

// FNV-1a, 64 bits, as "fnv1a64:" and 16 lowercase hex digits.
std::string fnv1a64_text(std::string_view bytes);

}  // namespace cascadesim::sim::sweep
