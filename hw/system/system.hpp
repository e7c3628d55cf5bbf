// The machine assembled from a hardware config: each core's DMA engine -> interconnect -> shared L2 ->
// off-chip memory, the cores' matrix and vector units, and one component for every other registered role the
// config has a section for (e.g. a top-k engine), which the engine finds by role: a new role needs no code here.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hw/compute/matrix_unit.hpp"
#include "hw/compute/vector_unit.hpp"
#include "hw/memory/dma.hpp"
#include "hw/memory/memory_level.hpp"
#include "models/hardware_spec.hpp"

namespace cascadesim::hw {

class System {
 public:
  // The study's top-level hardware figures the simulated machine reads; the others (matrix_dtype, the analytical
  // model's matrix_efficiency) change no simulated time.
  static constexpr std::array<std::string_view, 4> spec_fields_read{"cores", "clock_GHz", "kernel_launch_us",
                                                                    "sram_per_core_bytes"};

  // Fills spec's figures that the component sections state (peak MACs and FLOPs per cycle per core, memory
  // bandwidth and capacity, L2 capacity) by building the "memory", "l2", "matrix_unit" and "vector_unit"
  // sections, and every section's energy figures (hw::energy_figures), so that a preset writes each figure once. A
  // missing or broken section is recorded in hardware.errors(), naming where it belongs; spec is left unchanged then.
  static void take_roofline_figures(const core::ConfigNode& hardware, models::HardwareSpec& spec);
  // The interconnect, when present, gives the devices and links the collectives' closed forms read; the host memory
  // its link's bandwidth and its capacity.
  static constexpr std::array<std::string_view, 6> roofline_roles{"memory",      "l2",           "matrix_unit",
                                                                  "vector_unit", "interconnect", "host_memory"};
  static bool roofline_role(std::string_view role) {
    return std::find(roofline_roles.begin(), roofline_roles.end(), role) != roofline_roles.end();
  }

  // The roles every machine has, wired into the memory hierarchy and the cores; sections of any other
  // registered role are optional.
  static constexpr std::array<std::string_view, 6> wired_roles{"memory", "l2",          "noc",
                                                               "dma",    "matrix_unit", "vector_unit"};

  // Builds every component from its section of the hardware config: the wired roles (a missing one is an error
  // naming where it belongs) and any other registered role present. Returns nullptr after recording errors in
  // hardware.errors().
  static std::unique_ptr<System> build(const core::ConfigNode& hardware, const models::HardwareSpec& spec);

  const models::HardwareSpec& spec() const { return spec_; }
  std::int64_t cores() const { return spec_.cores; }
  double ns_per_cycle() const { return 1.0 / spec_.clock_GHz; }
  double launch_ns() const { return spec_.kernel_launch_us * 1e3; }

  MemoryLevel& port() { return *noc_; }  // where every core's requests enter the hierarchy
  const MemoryLevel& memory() const { return *memory_; }
  const MemoryLevel& l2() const { return *l2_; }
  const MemoryLevel& noc() const { return *noc_; }
  Dma& dma(std::int64_t core) { return *dmas_[static_cast<std::size_t>(core)]; }
  MatrixUnit& matrix_unit() { return *matrix_; }
  VectorUnit& vector_unit() { return *vector_; }
  // The component of an optional role, or nullptr when the config has no section for it.
  template <class Interface>
  Interface* find(std::string_view role) const {
    for (const Optional& o : optional_)
      if (o.role == role) return dynamic_cast<Interface*>(o.component.get());
    return nullptr;
  }

  // Contract: forgets all timing, cache and statistics state (between two runs).
  void reset();

  struct Part {
    std::string name;  // the config section
    const hw::Component* component;
  };
  // One entry per section; the DMA engines are summed under "dma".
  std::vector<Part> parts() const;
  core::StatSet dma_totals() const;
  // The entries the parts were built from, in parts() order, then the DMA engines'.
  std::vector<const ComponentEntry*> part_entries() const;

 private:
  explicit System(const models::HardwareSpec& spec) : spec_(spec) {}
  models::HardwareSpec spec_;
  std::unique_ptr<MemoryLevel> memory_, l2_, noc_;
  std::vector<std::unique_ptr<Dma>> dmas_;
  std::unique_ptr<MatrixUnit> matrix_;
  std::unique_ptr<VectorUnit> vector_;
  struct Optional {
    std::string role;
    std::unique_ptr<Component> component;
  };
  std::vector<Optional> optional_;
};

}  // namespace cascadesim::hw
