// `cascadesim predict`: the analytical prediction for a study, as a table or as one JSON object.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/config_node.hpp"
#include "models/prediction.hpp"
#include "sim/config/study_loader.hpp"

namespace cascadesim::sim {

struct PredictOptions {
  std::string study_path;  // empty: the built-in default study
  models::Accounting accounting = models::Accounting::exact;
  bool json = false;
  bool sustained = false;  // also both stacks repeated back to back under the hardware's power limit
  LoadOptions load;
};

// Thrown for malformed command lines; main() prints it and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

PredictOptions parse_predict_args(const std::vector<std::string>& args);
extern const char* const predict_usage;

// Loads, predicts in both accountings and writes the selected one (with the differences) to out.
// Throws ConfigError on bad input.
void run_predict(const PredictOptions& options, std::ostream& out);

// The object `predict --json` prints for a loaded study: both accountings predicted, `accounting` chosen, every
// figure checked finite (ConfigError naming the study otherwise). The Python module returns it as a dict. sustained:
// with the "sustained" block (UsageError naming --sustained when the hardware has no power limit).
core::Json predict_json(const LoadedStudy& loaded, models::Accounting accounting, bool sustained = false);

// The JSON object `predict --json` prints.
core::Json prediction_to_json(const LoadedStudy& loaded, const models::Prediction& chosen,
                              const models::Prediction& other);

// The table `predict` prints.
void write_prediction_table(std::ostream& out, const LoadedStudy& loaded, const models::Prediction& chosen,
                            const models::Prediction& other);

}  // namespace cascadesim::sim
