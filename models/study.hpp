// A study: one machine, one model, one workload; the unit every command evaluates.
#pragma once

#include <string>

#include "models/hardware_spec.hpp"
#include "models/transformer_model.hpp"
#include "models/workload.hpp"

namespace cascadesim::models {

struct Study {
  std::string name;
  HardwareSpec hardware;
  TransformerModel model;
  Workload workload;
};

}  // namespace cascadesim::models
