// `cascadesim import-model CONFIG.json [--out PATH]`: a Hugging Face config.json as a model preset
// (sim/config/hf_import.hpp), printed or written to a new file.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cascadesim::sim {

struct ImportModelOptions {
  std::string config_path;
  std::string out_path;  // empty: print the preset
  std::string name;      // the preset's name; empty: from the config's file name
};

extern const char* const import_model_usage;
ImportModelOptions parse_import_model_args(const std::vector<std::string>& args);
// Throws core::ConfigError for a config it cannot represent and core::OutputError for an --out that exists.
void run_import_model(const ImportModelOptions& options, std::ostream& out);

}  // namespace cascadesim::sim
