// Builders for the config-loader tests: a valid study as JSON to break one thing at a time, the shipped presets,
// and temporary config trees on disk.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "sim/config/study_loader.hpp"
#include "tests/temp_dir.hpp"

namespace cascadesim::sim::testing {

namespace fs = std::filesystem;

inline const fs::path source_dir{CASCADESIM_SOURCE_DIR};

// The seed 002 Kascade setup (h100-sxm, llama-3.2-1b, 32K-token prefill, tile 128, top_k 5, 1D+3A+12R). Valid:
// each test changes one thing.
inline core::Json valid_study() {
  return core::Json::parse(R"({
    "schema_version": 1,
    "name": "test-study",
    "hardware": "h100-sxm",
    "model": "llama-3.2-1b",
    "workload": {"phase": "prefill", "seq_len": 32768, "tile_tokens": 128, "top_k": 5, "schedule": "1D+3A+12R"}
  })");
}

// The same study on ViT-B/16 (12 bidirectional layers, all dense), the base for cascade and early-exit cases.
inline core::Json valid_vit_study() {
  return core::Json::parse(R"({
    "schema_version": 1,
    "name": "test-vit",
    "hardware": "a100-sxm-80gb",
    "model": "vit-b-16",
    "workload": {"phase": "prefill", "seq_len": 4096, "tile_tokens": 128}
  })");
}

// doc with value written at the JSON pointer (parents created as needed).
inline core::Json with(core::Json doc, const std::string& pointer, core::Json value) {
  doc[core::Json::json_pointer(pointer)] = std::move(value);
  return doc;
}

// doc with the key or list entry at the JSON pointer removed.
inline core::Json without(core::Json doc, const std::string& pointer) {
  const core::Json::json_pointer at(pointer);
  core::Json& parent = doc.at(at.parent_pointer());
  if (parent.is_array()) {
    parent.erase(static_cast<std::size_t>(std::stoul(at.back())));
  } else {
    parent.erase(at.back());
  }
  return doc;
}

// Loads doc as the text of a study labelled "study.json".
inline LoadedStudy load(const core::Json& doc, const LoadOptions& options = {}) {
  return load_study_text(doc.dump(2), "study.json", options);
}

// The issues a load reports; empty when it succeeds.
inline std::vector<core::ConfigIssue> issues_of(const core::Json& doc, const LoadOptions& options = {}) {
  try {
    load(doc, options);
  } catch (const core::ConfigError& e) {
    return e.issues();
  }
  return {};
}

// doctest::Contains for a message built at run time (it takes only doctest::String).
inline doctest::Contains contains_text(const std::string& text) { return doctest::Contains(text.c_str()); }

// A shipped preset, e.g. shipped_preset("hw", "h100-sxm") reads configs/hw/h100-sxm.json.
inline core::Json shipped_preset(const std::string& kind, const std::string& name) {
  std::ifstream in(source_dir / "configs" / kind / (name + ".json"));
  REQUIRE(in);
  return core::Json::parse(in);
}

// The shipped files of one configs/ folder, sorted.
inline std::vector<fs::path> shipped_configs(const std::string& kind) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(source_dir / "configs" / kind))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The shared temporary folder, also writing JSON documents.
class TempDir : public cascadesim::testing::TempDir {
 public:
  using cascadesim::testing::TempDir::write;
  fs::path write(const std::string& relative, const core::Json& doc) const { return write(relative, doc.dump(2)); }
};

}  // namespace cascadesim::sim::testing
