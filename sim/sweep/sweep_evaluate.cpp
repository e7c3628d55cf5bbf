// Point evaluation: analytical objectives from models::predict (exact accounting), simulated ones from the
// point's study loaded from text (the base study document with the values as overrides) and simulated.
#include "sim/sweep/sweep_evaluate.hpp"

#include <cmath>

#include "models/prediction.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/config/study_checks.hpp"

namespace cascadesim::sim::sweep {

PointEvaluator::PointEvaluator(const SweepSpec& spec) : spec_(spec), study_(spec.study.study) {}

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
  // Every point sets every swept field, so the previous point's values never leak into this one.
  for (std::size_t a = 0; a < spec_.axes.size(); ++a)
    for (const Column& c : spec_.axes[a].columns) apply_value(c.parameter, c.values[digits[a]], study_);
  if (const auto problem = first_cross_field_problem(study_)) {
    out.status = PointStatus::invalid;
    out.reason = problem->pointer + ": " + problem->message;
    return;
  }
  out.status = PointStatus::ok;
  if (spec_.backend != Backend::simulate) analytical(out);
  if (spec_.backend != Backend::analytical) simulated(digits, out);
  if (out.status != PointStatus::ok) return;
  for (std::size_t i = 0; i < out.objectives.size(); ++i) {
    if (std::isfinite(out.objectives[i])) continue;
    out.status = PointStatus::invalid;
    out.reason = std::string(info(spec_.objectives[i]).name) + " is not finite";
    return;
  }
}

void PointEvaluator::analytical(PointResult& out) const {
  const models::Prediction p = models::predict(study_, models::Accounting::exact);
  for (std::size_t i = 0; i < spec_.objectives.size(); ++i) {
    double& v = out.objectives[i];
    switch (spec_.objectives[i]) {
      case Objective::time_s:
        v = p.schedule_model.time.total_s;
        break;
      case Objective::dense_time_s:
        v = p.dense_model.time.total_s;
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
      case Objective::simulated_time_s:
      case Objective::simulated_speedup:
        break;
    }
  }
}

namespace {

// doc[section] as an object that overrides can be written into: a preset name becomes {"preset": name}.
Json& section_object(Json& doc, Section section) {
  Json& s = doc[std::string(to_string(section))];
  if (s.is_string()) s = Json{{"preset", s.get<std::string>()}};
  return s;
}

std::string issues_text(const ConfigError& e) {
  std::string out;
  for (const ConfigIssue& i : e.issues()) {
    if (!out.empty()) out += "; ";
    out += (i.pointer.empty() ? "/" : i.pointer) + ": " + i.message;
  }
  return out;
}

}  // namespace

void PointEvaluator::simulated(std::span<const std::size_t> digits, PointResult& out) const {
  Json doc = spec_.study.documents->front();
  for (std::size_t a = 0; a < spec_.axes.size(); ++a)
    for (const Column& c : spec_.axes[a].columns)
      section_object(doc, c.parameter.section)[std::string(c.parameter.key())] =
          value_to_json(c.parameter, c.values[digits[a]]);
  try {
    const Simulation s = simulate_loaded(load_study_text(doc.dump(), spec_.study.files.front(), spec_.point_load));
    for (std::size_t i = 0; i < spec_.objectives.size(); ++i) {
      if (spec_.objectives[i] == Objective::simulated_time_s) out.objectives[i] = s.schedule.total_ns * 1e-9;
      if (spec_.objectives[i] == Objective::simulated_speedup) out.objectives[i] = s.speedup;
    }
  } catch (const ConfigError& e) {
    out.status = PointStatus::invalid;
    out.reason = issues_text(e);
  }
}

}  // namespace cascadesim::sim::sweep
