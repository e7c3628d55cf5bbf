// `cascadesim describe`: every config parameter and every registered component with its parameters and
// statistics (unit, bounds, default, meaning), and the JSON schema of study files.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/config_node.hpp"

namespace cascadesim::sim {

struct DescribeOptions {
  bool json = false;
  std::string schema_path;  // when set, the JSON schema of study files is written there
};

extern const char* const describe_usage;
DescribeOptions parse_describe_args(const std::vector<std::string>& args);
void run_describe(const DescribeOptions& options, std::ostream& out);

// Everything describe lists, as one JSON object: sections (study config) and components (by role).
core::Json describe_json();

// A JSON Schema (draft 2020-12) for study files, built from the same declarations the loader reads.
core::Json study_json_schema();

}  // namespace cascadesim::sim
