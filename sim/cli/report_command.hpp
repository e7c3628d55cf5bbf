// `cascadesim report`: predicted against measured, before and after calibration, as an HTML page, a Markdown
// summary with SVG plots, and a CSV of every point; or, with --sweep, a sweep's folder as such a report.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "reports/calibration_report.hpp"
#include "reports/sweep_report.hpp"
#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

struct ReportOptions {
  std::string study_path;  // empty: the built-in default study
  std::vector<std::string> measured_paths;
  std::string hardware;       // the calibrated preset (name or path); empty: the study's hardware
  std::string base_hardware;  // the preset as shipped; empty: the one the calibrated preset names
  std::string out_dir;
  bool simulate_study = true;  // run the study end to end for the seed comparison
  std::vector<std::string> config_dirs;
  std::string sweep_dir;  // set: report this sweep's output folder instead (sim/sweep/sweep_report)
};

extern const char* const report_usage;
ReportOptions parse_report_args(const std::vector<std::string>& args);

// Everything the report shows, computed once. Throws ConfigError for bad input (measurements from another device,
// no overlap between the study and the measurements, malformed files).
ReportInputs gather_report_inputs(const ReportOptions& options);

// Writes report.html, report.md, plots/*.svg and points.csv into options.out_dir; returns what they show.
ReportInputs write_calibration_report_files(const ReportOptions& options);
// Writes the report of the sweep folder sweep_dir (report.html, report.md, plots/*.svg) into out_dir.
sweep::SweepReport write_sweep_report_files(const std::string& sweep_dir, const std::string& out_dir);

// Writes report.html, report.md, plots/*.svg and points.csv into out_dir and prints the error table; with a
// sweep_dir, the sweep's report.html, report.md and plots/*.svg, and a one-line summary.
void run_report(const ReportOptions& options, std::ostream& out);

}  // namespace cascadesim::sim
