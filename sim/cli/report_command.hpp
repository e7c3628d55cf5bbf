// `cascadesim report`: predicted against measured, before and after calibration, as an HTML page, a Markdown
// summary with SVG plots, and a CSV of every point.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sim/calibration/calibration_report.hpp"
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
};

extern const char* const report_usage;
ReportOptions parse_report_args(const std::vector<std::string>& args);

// Everything the report shows, computed once. Throws ConfigError for bad input (measurements from another device,
// no overlap between the study and the measurements, malformed files).
ReportInputs gather_report_inputs(const ReportOptions& options);

// Writes report.html, report.md, plots/*.svg and points.csv into out_dir and prints the error table.
void run_report(const ReportOptions& options, std::ostream& out);

}  // namespace cascadesim::sim
