// Loads a study JSON (with hardware and model presets by name, file or inline, plus overrides) into a Study,
// checking every value; all problems are reported together as one ConfigError.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.hpp"
#include "models/study.hpp"

namespace cascadesim::sim {

inline constexpr int supported_schema_version = 1;
inline constexpr std::string_view default_study_path = "configs/studies/kascade-llama-3.2-1b-32k.json";
inline constexpr std::string_view builtin_prefix = "builtin:";

struct LoadOptions {
  // Config roots (folders holding hw/ and models/) searched for presets before the built-in copies.
  std::vector<std::string> config_dirs;
  // When set, replaces the study's hardware section with this preset (name or path).
  std::string hardware_preset;
};

struct LoadedStudy {
  models::Study study;
  std::vector<std::string> files;  // every file read, study first, then presets in order of use
  // The hardware section as read (override layers over presets), for the simulator's component sections;
  // the layers point into `documents`, which this keeps alive.
  std::vector<core::ConfigNode::Layer> hardware_layers;
  std::shared_ptr<const std::deque<core::Json>> documents;
};

// The study a command reads when given path: path itself, or the built-in default study when it is empty.
std::string study_path_or_default(const std::string& path);

// path "builtin:configs/..." reads a compiled-in file. Presets named in a study are looked up in
// options.config_dirs, then in the config root of the study file itself (its grandparent folder when the study
// sits in <root>/studies/), then among the built-in configs. Throws ConfigError.
LoadedStudy load_study(const std::string& path, const LoadOptions& options);

// The same from text already in memory; label names it in messages.
LoadedStudy load_study_text(std::string_view text, const std::string& label, const LoadOptions& options);

// The study as resolved JSON (every field, presets applied) in the study file format, for records and reports.
core::Json study_to_json(const models::Study& study);

// The tensors the study document gives no /workload/precision take the study's hardware's matrix_dtype: the loader's
// defaults, applied again by a sweep that swaps the hardware of a loaded study.
void default_precisions(const core::Json& study_document, models::Study& study);

}  // namespace cascadesim::sim
