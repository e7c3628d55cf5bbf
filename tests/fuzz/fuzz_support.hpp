// What the fuzz targets share. The contract they check: every input either loads or is refused with a
// ConfigError (one line per problem, each with its file and JSON pointer); a study that loads gives finite
// predictions and a buildable machine. Any other exception, a crash, a hang or unbounded memory is a finding.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/config_error.hpp"
#include "core/config_node.hpp"
#include "hw/system/system.hpp"
#include "models/prediction.hpp"
#include "sim/config/study_loader.hpp"

namespace cascadesim::fuzz {

[[noreturn]] inline void finding(const char* what, double value) {
  std::fprintf(stderr, "fuzz finding: %s = %g\n", what, value);
  std::abort();
}

inline void require_finite_positive(const char* what, double value) {
  if (!std::isfinite(value) || value <= 0) finding(what, value);
}

// A study that loaded: both accountings predict finite, positive figures, every error line names its file and
// pointer, and the hardware sections build the simulator's machine or are refused the same way.
inline void check_loaded_study(const sim::LoadedStudy& loaded) {
  const auto both = models::predict_both(loaded.study);
  for (const models::Prediction* p : {&both.seed, &both.exact}) {
    require_finite_positive("dense stack time", p->dense_model.time.time_s);
    require_finite_positive("scheduled stack time", p->schedule_model.time.time_s);
    require_finite_positive("end-to-end speedup", p->end_to_end_speedup);
    require_finite_positive("effective attention speedup", p->effective_attention_speedup);
    require_finite_positive("Amdahl speedup", p->amdahl_speedup);
  }
  core::ConfigErrors errors;
  const core::ConfigNode hardware(loaded.hardware_layers, errors);
  const auto system = hw::System::build(hardware, loaded.study.hardware);
  if (!system && errors.empty()) finding("a machine refused without an error", 0);
}

// Loads a study; refusals are expected, everything else is checked.
inline void load_and_check(std::string_view text, const std::string& label, const sim::LoadOptions& options) {
  sim::LoadedStudy loaded;
  try {
    loaded = sim::load_study_text(text, label, options);
  } catch (const core::ConfigError& e) {
    if (e.issues().empty()) finding("a ConfigError without issues", 0);
    return;
  }
  check_loaded_study(loaded);
}

// A config root in a temporary folder holding the fuzzed preset as <kind>/fuzz.json ("hw" or "models"). The folder's
// name holds no process id: paths reach error messages, whose compared bytes libFuzzer feeds back into its
// mutations, so a name that changed from run to run changed the inputs one seed explores (two instances of one
// target must not run at once).
class PresetRoot {
 public:
  explicit PresetRoot(const char* kind)
      : root_(std::filesystem::temp_directory_path() / (std::string("cascadesim-fuzz-") + kind)),
        file_(root_ / kind / "fuzz.json") {
    std::filesystem::create_directories(file_.parent_path());
  }
  void write(std::string_view text) const {
    std::ofstream out(file_, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  std::string root() const { return root_.string(); }

 private:
  std::filesystem::path root_, file_;
};

}  // namespace cascadesim::fuzz
