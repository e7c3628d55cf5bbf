// The report of a calibration: predicted against measured times and speedups, the error tables before and after
// calibration, the anchor overhead, the layer stacks, and the Kascade seed's own figures beside this tool's.
#pragma once

#include <string>
#include <vector>

#include "models/study.hpp"
#include "reports/render/report_document.hpp"
#include "sim/calibration/calibration.hpp"

namespace cascadesim::sim {

// The Kascade seed's configuration as this tool sees it (seed 002: 1.96x theoretical, 1.74x measured).
struct SeedComparison {
  bool present = false;
  double seed_f = 0, seed_s = 0, seed_amdahl = 0;     // this tool in the seed's accounting
  double exact_f = 0, exact_s = 0, exact_amdahl = 0;  // exact accounting
  double simulated_end_to_end = 0;                    // cascadesim simulate, calibrated hardware (0: not run)
  double measured_attention_s = 0;                    // the measured stack at the study's shape (0: not measured)
};

struct ReportInputs {
  models::Study study;              // the configuration whose analytical speedups the report plots
  std::string study_label;          // its file
  core::Json hardware_before;       // flat preset as shipped
  core::Json hardware_after;        // flat preset as calibrated (equal to before when it carries no calibration)
  std::vector<PointResult> points;  // every measured point with both models' predictions
  std::vector<std::string> measured_files;
  std::string split_rule;
  SeedComparison seed;
};

// The error table: per model (simulator, analytical), before and after calibration, training and held-out, the
// median and max absolute percentage error of kernel times and of speedups (speedup_pairs).
reports::Table error_table(const std::vector<PointResult>& points);

// The kernel-time errors per kernel type (dense, anchor, sparse, cascade, stack) and split: the simulator before and
// after calibration, the analytical model after.
reports::Table error_by_kernel_table(const std::vector<PointResult>& points);

// A table as Markdown rows (header, rule, rows), for the commands' terminal output.
std::string table_markdown(const reports::Table& table);

// Every point, one row each (CSV text with a header row); the report's tables and plots are computed from the same
// PointResult values.
std::string points_csv(const std::vector<PointResult>& points);

// The whole report document.
reports::ReportDocument build_calibration_report(const ReportInputs& inputs);

}  // namespace cascadesim::sim
