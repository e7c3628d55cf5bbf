// Turns a Hugging Face config.json (LLaMA, Mistral, Mixtral, Qwen2/2.5/3 and their MoE forms, DeepSeek-V2/V3) into a
// model preset of this repo's format (configs/models/*.json), each figure citing the key it came from.
#pragma once

#include <string>

#include "core/config_node.hpp"

namespace cascadesim::sim {

// Contract: `config` is the parsed config.json, `file` its path (named in errors and citations), `name` the preset's
// name. Throws core::ConfigError, one issue per key the model format cannot represent (an unknown model_type, a
// non-SiLU activation, an active sliding window, MoE layers that are not every layer past the first ...), each with
// the JSON pointer of that key. Pure.
core::Json import_hf_config(const core::Json& config, const std::string& file, const std::string& name);

}  // namespace cascadesim::sim
