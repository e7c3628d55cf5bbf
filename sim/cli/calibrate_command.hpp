// `cascadesim calibrate`: fits a hardware preset to GPU measurements and writes the calibrated preset.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sim/calibration/calibration.hpp"

namespace cascadesim::sim {

struct CalibrateCommandOptions {
  CalibrateOptions calibrate;
  std::string out_path;
};

extern const char* const calibrate_usage;
CalibrateCommandOptions parse_calibrate_args(const std::vector<std::string>& args);

// Calibrates and writes the calibrated preset to options.out_path atomically, after refusing an output over an input
// and a calibration whose passes exceed a simulation's limits; without options.calibrate.commit, records
// current_commit(). Throws ConfigError, OutputError.
CalibrationResult calibrate_to_file(const CalibrateCommandOptions& options);

// Calibrates, writes the preset atomically and prints the parameters and the error tables.
void run_calibrate(const CalibrateCommandOptions& options, std::ostream& out);

// The current git revision of the working directory, or "" outside a checkout.
std::string current_commit();

}  // namespace cascadesim::sim
