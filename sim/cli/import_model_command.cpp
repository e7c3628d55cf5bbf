// `cascadesim import-model`: reads the config, converts it, writes the preset without replacing any file.
#include "sim/cli/import_model_command.hpp"

#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "core/config_node.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/config/hf_import.hpp"

namespace cascadesim::sim {

const char* const import_model_usage =
    "usage: cascadesim import-model CONFIG.json [--out PATH] [--name NAME]\n"
    "\n"
    "Turns a Hugging Face config.json (model_type llama, mistral, qwen2, qwen3, mixtral, qwen2_moe, qwen3_moe,\n"
    "deepseek_v2, deepseek_v3) into a model preset: every figure cites the config key it came from. A key the model\n"
    "format cannot represent is refused, one line naming the file and its JSON pointer (exit 2).\n"
    "\n"
    "  --out PATH   write the preset there (refused if PATH exists); without it the preset is printed\n"
    "  --name NAME  the preset's name (default: the config's file name, or its folder's for config.json)\n";

ImportModelOptions parse_import_model_args(const std::vector<std::string>& args) {
  const Arguments a(args, {{"--out", Arity::one}, {"--name", Arity::one}}, "config", 1);
  if (a.positionals().empty()) throw UsageError("a Hugging Face config.json is required");
  ImportModelOptions o;
  o.config_path = a.positionals().front();
  o.out_path = a.value("--out");
  o.name = a.value("--name");
  return o;
}

void run_import_model(const ImportModelOptions& options, std::ostream& out) {
  namespace fs = std::filesystem;
  if (!options.out_path.empty() && fs::exists(fs::symlink_status(options.out_path)))
    throw core::OutputError("--out '" + options.out_path + "' exists: import-model never replaces a file");
  core::ConfigErrors errors;
  const std::optional<core::Json> config = core::load_json_file(options.config_path, errors);
  errors.throw_if_any();
  std::string name = options.name;
  if (name.empty()) {
    const fs::path path(options.config_path);
    name = path.stem() == "config" && path.has_parent_path() ? path.parent_path().filename().string()
                                                             : path.stem().string();
  }
  const std::string text = import_hf_config(*config, options.config_path, name).dump(2) + "\n";
  if (options.out_path.empty()) {
    out << text;
    return;
  }
  core::write_file_atomically(options.out_path, text);
  out << "cascadesim import-model: wrote " << options.out_path << "\n";
}

}  // namespace cascadesim::sim
