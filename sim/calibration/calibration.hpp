// Calibration of a hardware preset against GPU measurements: the simulator's free parameters and the analytical
// model's matrix efficiency fitted by least squares on a training split, errors reported on the held-out split,
// and the result written as a new preset that every command accepts.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/config_node.hpp"
#include "models/hardware_spec.hpp"
#include "sim/calibration/measured_points.hpp"

namespace cascadesim::sim {

// A hardware preset (name or path) as one self-contained JSON object: its preset chain merged, "preset" removed.
// Throws ConfigError for an unknown or broken preset.
core::Json flatten_hardware_preset(const std::string& preset, const std::vector<std::string>& config_dirs);

// The figures of a flat hardware object as the analytical model reads them. Throws ConfigError.
models::HardwareSpec hardware_spec_of(const core::Json& hardware);

// Times in ms of each point's kernels on the simulator / the analytical roofline, under a flat hardware object.
std::vector<double> simulate_points_ms(const core::Json& hardware, const std::vector<MeasuredPoint>& points);
std::vector<double> analytical_points_ms(const core::Json& hardware, const std::vector<MeasuredPoint>& points);

// A point's kernels predicted: their time and their energy (the breakdown with its per-action counts, which a fit
// of measured energy takes as regressors; unavailable when the hardware gives no energy figures).
struct PointPrediction {
  double time_ms = 0;
  models::EnergyBreakdown energy;
  double energy_J() const;  // total, NaN when the hardware's sections lack energy figures
};
std::vector<PointPrediction> simulate_points(const core::Json& hardware, const std::vector<MeasuredPoint>& points);
std::vector<PointPrediction> analytical_points(const core::Json& hardware, const std::vector<MeasuredPoint>& points);

// The points' kernels repeated back to back for seconds, as the energy records measured them: each point's clock
// under the hardware's power limit (models/power_limit.hpp), from the backend's times at the reference clock
// (reference, as simulate_points or analytical_points gave them) and at models::probe_clock_scale, and its time,
// power and energy per run there. Without a power limit, or without energy figures: the reference run.
using PointPredictor = std::vector<PointPrediction> (*)(const core::Json&, const std::vector<MeasuredPoint>&);
std::vector<models::SustainedRun> sustained_points(const core::Json& hardware, const std::vector<MeasuredPoint>& points,
                                                   const std::vector<PointPrediction>& reference,
                                                   PointPredictor predictor);

// The records of `set` that this preset stands for (measured_device_names) and that the dataflow can describe.
// Throws ConfigError listing every record from another device, every record it cannot describe, and an empty result
// (label names the measurements in that message).
std::vector<MeasuredPoint> usable_points(const MeasuredSet& set, const core::Json& hardware, const std::string& label);

// The split rule: per implementation, its kernels' distinct sequence lengths in ascending order, every second one
// (the 2nd, 4th, ...) held out, so that training and held-out points interleave over the whole range and
// near-duplicates never straddle it; and every whole-layer stack held out (the fit sees kernels only and predicts
// the stacks). Throws std::invalid_argument when no point is left to train on.
struct Split {
  std::vector<bool> held_out;  // per point
  std::string rule;            // the rule with each implementation's held-out lengths
};
Split split_points(const std::vector<MeasuredPoint>& points);
// The family a record is split, fitted and reported by: gemm and decode records their own, attention records their
// implementation's; stacks of a model's whole layers, which run several families, "layers".
std::string record_family(const MeasuredPoint& p);

struct CalibratedParameter {
  std::string key;    // JSON pointer in the preset
  std::string model;  // "simulator", "analytical" or "both"
  std::string how;    // "fitted" or "measured" (taken from a micro-benchmark)
  double before = 0;
  double after = 0;
  std::string meaning;
};

// The energy figures fitted to the training records that measured the board's energy under sustained load
// (energy_J with its sustained time and SM clock): per component section one factor on its action energies, one
// factor on every static power, and voltage_clock_slope (scanned), by least squares on relative errors with a weak
// pull towards the preset's cited figures. Rewrites those fields of hardware; returns what changed. Nothing when no
// training record measured energy or the sections lack figures.
std::vector<CalibratedParameter> fit_energy_figures(core::Json& hardware, const std::vector<MeasuredPoint>& training);

struct PointResult {
  MeasuredPoint point;
  bool held_out = false;
  double simulated_before_ms = 0, simulated_after_ms = 0;
  double analytical_before_ms = 0, analytical_after_ms = 0;
  // Predicted energy of one run on the calibrated hardware at its reference clock (NaN when its sections give no
  // energy figures), and the run repeated back to back under the power limit (what energy records measure).
  double simulated_after_J = std::numeric_limits<double>::quiet_NaN();
  double analytical_after_J = std::numeric_limits<double>::quiet_NaN();
  models::SustainedRun simulated_sustained, analytical_sustained;
};

// Fills the sustained runs of the results that measured energy, on both backends, from their predictions at the
// reference clock (simulated and analytical, one per result).
void add_sustained_runs(const core::Json& hardware, std::vector<PointResult>& results,
                        const std::vector<PointPrediction>& simulated, const std::vector<PointPrediction>& analytical);

struct CalibrateOptions {
  std::string hardware_preset;              // name or path
  std::vector<std::string> measured_paths;  // records and micro-benchmark files
  std::vector<std::string> config_dirs;
  std::string commit;  // recorded in the output's provenance
  int max_iterations = 12;
  // Which figures to fit: the time figures (kernel families, latencies, the analytical matrix efficiency) and the
  // energy figures (from records that measured energy); the others keep the preset's values. fit_analytical alone
  // refits the analytical matrix efficiency over the simulator's figures as they are (after the closed forms change).
  bool fit_time = true, fit_energy = true, fit_analytical = false;
  // A calibrated preset of the same chip (an H100's for an H200) whose fitted time figures are carried over as they
  // are: nothing is fitted, every record is held out, and this card's micro-benchmarks still set its bandwidths.
  std::string transfer_from;
  // Kernel families (models/kernel_families.hpp names) whose own figures alone are fitted, the machine's shared ones
  // (off-chip latency, launch gap, the analytical model's one efficiency) and every other family's held as the preset
  // gives them: a family with new measurements is fitted without moving what the others were fitted with. Empty:
  // every family with training records, and the shared figures.
  std::vector<std::string> families;
};

struct CalibrationResult {
  core::Json calibrated_preset;  // flat, self-contained, with "calibration" provenance and citations
  std::vector<CalibratedParameter> parameters;
  std::vector<PointResult> points;
  std::string split_rule;
  int simulator_evaluations = 0;
};

// Throws ConfigError for bad input: unreadable or malformed measurements (with file and pointer), records from a
// device the preset does not name in measured_device_names, or no record the dataflow can describe.
CalibrationResult calibrate(const CalibrateOptions& options);

// Median and maximum absolute percentage error of predictions against measurements (|p - m| / m), over the
// entries where `select` is true. Count 0 gives zeros.
struct ErrorSummary {
  std::size_t count = 0;
  double median_ape = 0;
  double max_ape = 0;
};
ErrorSummary summarize_errors(const std::vector<double>& predicted, const std::vector<double>& measured,
                              const std::vector<bool>& select);

// Speedups a measured set contains: each sparse and cascade point against the dense point of the same shape, and
// each scheduled stack against the all-dense stack of the same shape and depth. Indices into the points.
struct SpeedupPair {
  std::size_t baseline = 0;  // dense kernel or all-dense stack
  std::size_t variant = 0;
};
std::vector<SpeedupPair> speedup_pairs(const std::vector<PointResult>& points);

}  // namespace cascadesim::sim
