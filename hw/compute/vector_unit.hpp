// The per-core vector / special-function unit: softmax, scaling, tile maxima, top-k compares.
#pragma once

#include "hw/component_registry.hpp"

namespace cascadesim::hw {

class VectorUnit : public hw::Component {
 public:
  // Contract: flops, exps >= 0; returns the core cycles for that many elementwise operations and
  // exponentials (separate pipelines that overlap: the slower one sets the time).
  virtual double cycles(double flops, double exps) const = 0;
  // Contract: the unit's peak elementwise operations per cycle (for the roofline and utilization). Pure.
  virtual double peak_flops_per_cycle() const = 0;
  // Contract: the unit's peak exponentials per cycle on their own pipe (the closed form's rate for them). Pure.
  virtual double peak_exps_per_cycle() const = 0;
  virtual void count(double cycles, double flops, double exps) = 0;
  bool per_core() const override { return true; }
};

}  // namespace cascadesim::hw
