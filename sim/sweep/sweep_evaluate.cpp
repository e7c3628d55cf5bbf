// Point evaluation: analytical objectives from models::predict (exact accounting), simulated ones from the point's
// study loaded from text (the base study document with the values as overrides) and simulated, the area from the
// hardware's component sections.
#include "sim/sweep/sweep_evaluate.hpp"

#include <cmath>
#include <optional>

#include "models/parallel.hpp"
#include "models/prediction.hpp"
#include "sim/config/study_checks.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/engine/simulation.hpp"

namespace cascadesim::sim::sweep {

namespace {

std::string issues_text(const core::ConfigError& e) {
  std::string out;
  for (const core::ConfigIssue& i : e.issues()) {
    if (!out.empty()) out += "; ";
    out += (i.pointer.empty() ? "/" : i.pointer) + ": " + i.message;
  }
  return out;
}

void mark_invalid(PointResult& out, std::string reason) {
  out.status = PointStatus::invalid;
  out.reason = std::move(reason);
}

}  // namespace

PointEvaluator::PointEvaluator(const SweepSpec& spec)
    : spec_(spec), area_(spec.has_objective(Objective::area_mm2)), study_(spec.study.study) {}

void PointEvaluator::evaluate(std::span<const std::size_t> digits, PointResult& out) {
  out.reason.clear();
  out.objectives.assign(spec_.objectives.size(), 0.0);
  for (std::size_t a = 0; a < spec_.axes.size(); ++a) {
    const std::vector<std::string>& exclusions = spec_.axes[a].exclusions;
    if (exclusions.empty() || exclusions[digits[a]].empty()) continue;
    const std::string& why = exclusions[digits[a]];
    out.status = PointStatus::excluded;
    out.reason = why;
    return;
  }
  out.status = PointStatus::ok;
  if (spec_.load_points) {
    evaluate_loaded(digits, out);
  } else {
    const HardwareVariant* variant = nullptr;
    if (spec_.hardware_axis) {
      variant = &spec_.hardware_variants[digits[spec_.hardware_axis->axis]];
      study_.hardware = variant->spec;
      default_precisions(spec_.study.documents->front(), study_);
    }
    // Every point sets every swept field, so the previous point's values never leak into this one.
    for (std::size_t a = 0; a < spec_.axes.size(); ++a)
      for (const Column& c : spec_.axes[a].columns) apply_value(c.parameter, c.values[digits[a]], study_);
    if (const auto problem = first_cross_field_problem(study_)) {
      mark_invalid(out, problem->pointer + ": " + problem->message);
      return;
    }
    if (spec_.backend != Backend::simulate) analytical(study_, out);
    if (area_) area(variant ? variant->area : spec_.base_area, study_.hardware.cores, out);
    if (spec_.backend != Backend::analytical) {
      try {
        simulated(load_study_text(point_document(digits).dump(), spec_.study.files.front(), spec_.point_load), out);
      } catch (const core::ConfigError& e) {
        mark_invalid(out, issues_text(e));
      }
    }
  }
  if (out.status != PointStatus::ok) return;
  for (std::size_t i = 0; i < out.objectives.size(); ++i) {
    if (std::isfinite(out.objectives[i])) continue;
    mark_invalid(out, std::string(info(spec_.objectives[i]).name) + " is not finite");
    return;
  }
}

void PointEvaluator::evaluate_loaded(std::span<const std::size_t> digits, PointResult& out) const {
  try {
    LoadedStudy loaded = load_study_text(point_document(digits).dump(), spec_.study.files.front(), spec_.point_load);
    if (spec_.backend != Backend::simulate) analytical(loaded.study, out);
    if (area_) {
      core::ConfigErrors errors;
      const hw::MachineArea machine = hw::machine_area(core::ConfigNode(loaded.hardware_layers, errors));
      if (!machine.complete()) {
        mark_invalid(out, "area_mm2: the hardware gives no area figures for " + hw::section_list(machine.missing));
        return;
      }
      area(machine, loaded.study.hardware.cores, out);
    }
    if (spec_.backend != Backend::analytical) simulated(std::move(loaded), out);
  } catch (const core::ConfigError& e) {
    mark_invalid(out, issues_text(e));
  }
}

void PointEvaluator::analytical(const models::Study& study, PointResult& out) const {
  const models::Prediction p = models::predict(study, models::Accounting::exact);
  // Many devices only when asked for: a plan enumerates every device's share of the tiles.
  std::optional<models::ParallelPrediction> parallel;
  for (Objective o : spec_.objectives)
    if (!parallel &&
        (o == Objective::parallel_time_ms || o == Objective::parallel_speedup || o == Objective::parallel_link_ms))
      parallel = models::predict_parallel(study);
  for (std::size_t i = 0; i < spec_.objectives.size(); ++i) {
    double& v = out.objectives[i];
    switch (spec_.objectives[i]) {
      case Objective::time_ms:
        v = p.schedule_model.time.time_s * 1e3;
        break;
      case Objective::dense_time_ms:
        v = p.dense_model.time.time_s * 1e3;
        break;
      case Objective::speedup:
        v = p.end_to_end_speedup;
        break;
      case Objective::attention_speedup:
        v = p.effective_attention_speedup;
        break;
      case Objective::amdahl_speedup:
        v = p.amdahl_speedup;
        break;
      case Objective::hbm_bytes:
        v = p.schedule_model.cost.hbm_bytes;
        break;
      case Objective::cascade_speedup:
        v = p.cascade ? p.cascade->practical_speedup : std::nan("");
        break;
      case Objective::energy_J:
        v = p.schedule_model.energy.total_J();
        break;
      case Objective::edp_Js:
        v = p.schedule_model.energy.edp_Js();
        break;
      case Objective::parallel_time_ms:
        v = parallel->time_s * 1e3;
        break;
      case Objective::parallel_speedup:
        v = parallel->speedup();
        break;
      case Objective::parallel_link_ms: {
        const models::LayerCounts& n = parallel->counts;
        double link_s = 0;
        for (std::size_t k = 0; k < models::layer_kinds; ++k)
          link_s += static_cast<double>(k == 0 ? n.dense : (k == 1 ? n.anchor : n.reuse)) *
                    (parallel->layers[k].exposed_link_s + parallel->layers[k].collective_s);
        v = link_s * 1e3;
        break;
      }
      case Objective::decode_tokens_per_s:
        v = p.decode ? p.decode->tokens_per_s() : std::nan("");
        break;
      case Objective::decode_speedup:
        v = p.decode ? p.decode->speedup() : std::nan("");
        break;
      default:
        break;
    }
  }
}

void PointEvaluator::area(const hw::MachineArea& machine, std::int64_t cores, PointResult& out) const {
  for (std::size_t i = 0; i < spec_.objectives.size(); ++i)
    if (spec_.objectives[i] == Objective::area_mm2) out.objectives[i] = machine.total_mm2(cores);
}

core::Json PointEvaluator::point_document(std::span<const std::size_t> digits) const {
  core::Json doc = spec_.study.documents->front();
  // The preset first, so that the other hardware values override it.
  if (spec_.hardware_axis)
    write_into_document(doc, spec_.axes[spec_.hardware_axis->axis].columns[spec_.hardware_axis->column].parameter,
                        core::Json(spec_.hardware_variants[digits[spec_.hardware_axis->axis]].reference));
  for (std::size_t a = 0; a < spec_.axes.size(); ++a) {
    for (const Column& c : spec_.axes[a].columns) {
      if (c.parameter.type == ValueType::preset) continue;
      // Values were written into the base document once when the spec was loaded, so this cannot fail.
      write_into_document(
          doc, c.parameter,
          c.parameter.by_document() ? c.documents[digits[a]] : value_to_json(c.parameter, c.values[digits[a]]));
    }
  }
  return doc;
}

void PointEvaluator::simulated(LoadedStudy loaded, PointResult& out) const {
  const double batch = static_cast<double>(loaded.study.workload.batch);
  const Simulation s = simulate_loaded(std::move(loaded));
  for (std::size_t i = 0; i < spec_.objectives.size(); ++i) {
    double& v = out.objectives[i];
    switch (spec_.objectives[i]) {
      case Objective::simulated_time_ms:
        v = s.schedule.time_ns * 1e-6;
        break;
      case Objective::simulated_speedup:
        v = s.speedup;
        break;
      case Objective::simulated_cascade_speedup:
        v = s.cascade ? s.cascade->speedup : std::nan("");
        break;
      case Objective::simulated_sequences_per_s:
        v = batch / (s.schedule.time_ns * 1e-9);
        break;
      case Objective::simulated_energy_J:
        v = s.schedule.energy.total_J();
        break;
      case Objective::simulated_edp_Js:
        v = s.schedule.energy.edp_Js();
        break;
      case Objective::simulated_hbm_bytes:
        v = s.schedule.memory.moved_bytes();
        break;
      case Objective::simulated_decode_tokens_per_s:
        v = s.decode ? s.decode->tokens_per_s() : std::nan("");
        break;
      case Objective::simulated_decode_speedup:
        v = s.decode ? s.decode->speedup() : std::nan("");
        break;
      default:
        break;
    }
  }
}

}  // namespace cascadesim::sim::sweep
