// Assembly of the components named in a hardware config.
#include "hw/system/system.hpp"

#include "hw/interconnect/interconnect.hpp"
#include "hw/system/machine_energy.hpp"

namespace cascadesim::hw {

namespace {
template <class Interface>
std::unique_ptr<Interface> required(const core::ConfigNode& hardware, const char* role) {
  if (!hardware.has(role)) {
    hardware.error_at(role, "missing section (a {\"impl\": ...} object describing the machine's " + std::string(role) +
                                "; `cascadesim describe` lists the models)");
    return nullptr;
  }
  return hw::make_component_as<Interface>(role, hardware.child(role));
}
}  // namespace

void System::take_roofline_figures(const core::ConfigNode& hardware, models::HardwareSpec& spec) {
  const std::size_t before = hardware.errors().size();
  const std::unique_ptr<MemoryLevel> memory = required<MemoryLevel>(hardware, "memory");
  const std::unique_ptr<MemoryLevel> l2 = required<MemoryLevel>(hardware, "l2");
  const std::unique_ptr<MatrixUnit> matrix = required<MatrixUnit>(hardware, "matrix_unit");
  const std::unique_ptr<VectorUnit> vector = required<VectorUnit>(hardware, "vector_unit");
  std::unique_ptr<Interconnect> interconnect;
  if (hardware.has("interconnect"))
    interconnect = make_component_as<Interconnect>("interconnect", hardware.child("interconnect"));
  std::unique_ptr<MemoryLevel> noc;
  if (hardware.has("noc")) noc = make_component_as<MemoryLevel>("noc", hardware.child("noc"));
  std::unique_ptr<MemoryLevel> host;
  if (hardware.has("host_memory")) host = make_component_as<MemoryLevel>("host_memory", hardware.child("host_memory"));
  if (hardware.errors().size() != before) return;
  if (interconnect) spec.interconnect = interconnect->figures();
  if (host) {
    spec.host_bandwidth_GBps = host->peak_bandwidth_GBps(spec.cores);
    spec.host_bytes = host->capacity_bytes();
  }
  spec.matrix_macs_per_cycle = matrix->peak_macs_per_cycle();
  for (std::size_t r = 0; r < models::matrix_rate_count; ++r)
    spec.declared_matrix_macs_per_cycle[r] = matrix->declared_macs_per_cycle(r);
  if (const std::size_t own = models::matrix_rate(spec.matrix_dtype); spec.declared_matrix_macs_per_cycle[own] > 0)
    hardware.child("matrix_unit")
        .error_at(matrix_rate_keys[own], "the matrix_dtype's (" + std::string(models::to_string(spec.matrix_dtype)) +
                                             ") rate is the unit's own peak; remove this key or change matrix_dtype");
  spec.vector_flops_per_cycle = vector->peak_flops_per_cycle();
  spec.vector_exps_per_cycle = vector->peak_exps_per_cycle();
  spec.hbm_bandwidth_GBps = memory->peak_bandwidth_GBps(spec.cores);
  spec.l2_hit_latency_ns = l2->latency_ns() + (noc ? noc->latency_ns() : 0.0);
  spec.load_latency_ns = spec.l2_hit_latency_ns + memory->latency_ns();
  if (noc) spec.core_port_bandwidth_GBps = noc->peak_bandwidth_GBps(1);
  spec.hbm_bytes = memory->capacity_bytes();
  spec.l2_bytes = l2->capacity_bytes();
  spec.l2_bandwidth_GBps = l2->peak_bandwidth_GBps(spec.cores);
  spec.energy = std::make_shared<const models::EnergyFigures>(energy_figures(hardware));
}

std::unique_ptr<System> System::build(const core::ConfigNode& hardware, const models::HardwareSpec& spec) {
  const std::size_t before = hardware.errors().size();
  std::unique_ptr<System> s(new System(spec));
  s->memory_ = required<MemoryLevel>(hardware, "memory");
  s->l2_ = required<MemoryLevel>(hardware, "l2");
  s->noc_ = required<MemoryLevel>(hardware, "noc");
  s->matrix_ = required<MatrixUnit>(hardware, "matrix_unit");
  s->vector_ = required<VectorUnit>(hardware, "vector_unit");
  for (const std::string& role : ComponentCatalog::instance().machine_roles()) {
    if (!hardware.has(role) || std::find(wired_roles.begin(), wired_roles.end(), role) != wired_roles.end()) continue;
    if (std::unique_ptr<Component> c = make_component(role, hardware.child(role)))
      s->optional_.push_back({role, std::move(c)});
  }
  if (hardware.has("dma")) {
    for (std::int64_t c = 0; c < spec.cores && hardware.errors().size() == before; ++c)
      s->dmas_.push_back(hw::make_component_as<Dma>("dma", hardware.child("dma")));
  } else {
    required<Dma>(hardware, "dma");
  }
  if (hardware.errors().size() != before) return nullptr;
  s->noc_->bind_next(s->l2_.get());
  s->l2_->bind_next(s->memory_.get());
  return s;
}

void System::reset() {
  memory_->reset();
  l2_->reset();
  noc_->reset();
  for (auto& d : dmas_) d->reset();
  matrix_->reset();
  vector_->reset();
  for (Optional& o : optional_) o.component->reset();
}

std::vector<System::Part> System::parts() const {
  std::vector<Part> out{{"memory", memory_.get()},
                        {"l2", l2_.get()},
                        {"noc", noc_.get()},
                        {"matrix_unit", matrix_.get()},
                        {"vector_unit", vector_.get()}};
  for (const Optional& o : optional_) out.push_back({o.role, o.component.get()});
  return out;
}

std::vector<const ComponentEntry*> System::part_entries() const {
  std::vector<const ComponentEntry*> out;
  for (const Part& p : parts()) out.push_back(p.component->entry());
  out.push_back(dmas_.front()->entry());
  return out;
}

core::StatSet System::dma_totals() const {
  core::StatSet total(dmas_.front()->stats().infos());
  for (const auto& d : dmas_)
    for (std::size_t i = 0; i < total.values().size(); ++i) total[i] += d->stats()[i];
  return total;
}

}  // namespace cascadesim::hw
