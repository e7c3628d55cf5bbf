// The JSON files under configs/, compiled into the binary so that it runs without the source tree.
#pragma once

#include <span>
#include <string_view>

namespace cascadesim::sim {

struct EmbeddedFile {
  std::string_view path;  // relative to the repository root, e.g. "configs/hw/h100-sxm.json"
  std::string_view text;
};

// Generated at build time from configs/**/*.json (cmake/embed_configs.cmake).
std::span<const EmbeddedFile> embedded_configs();

const EmbeddedFile* find_embedded_config(std::string_view path);

}  // namespace cascadesim::sim
