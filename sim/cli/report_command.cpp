// `cascadesim report`: argument parsing, gathering the predictions, writing the files.
#include "sim/cli/report_command.hpp"

#include <cmath>
#include <filesystem>

#include "core/atomic_file.hpp"
#include "models/prediction.hpp"
#include "reports/sweep_report.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/config/embedded_configs.hpp"

namespace cascadesim::sim {

const char* const report_usage =
    "usage: cascadesim report --measured FILE... --hw CALIBRATED.json --out DIR [--study STUDY.json]\n"
    "                         [--base-hw PRESET] [--no-simulate-study] [--config-dir DIR]\n"
    "       cascadesim report --sweep SWEEP_DIR --out DIR\n"
    "\n"
    "Compares the simulator and the analytical model with GPU measurements, before calibration (the preset the\n"
    "calibrated one names, or --base-hw) and after (--hw), on the split calibrate used. Writes DIR/report.html\n"
    "(self-contained, plots inline), DIR/report.md with DIR/plots/*.svg, and DIR/points.csv. The study (default:\n"
    "the built-in default) supplies the schedule and model of the speedup plots and the seed comparison.\n"
    "\n"
    "With --sweep, reports the folder `cascadesim sweep --out` wrote (also while it is still running): a heat map or\n"
    "line plot per objective and pair of axes (the other axes held at a stated value), the Pareto front, and the best\n"
    "point per objective, into DIR/report.html and DIR/report.md with DIR/plots/*.svg.\n";

ReportOptions parse_report_args(const std::vector<std::string>& args) {
  const Arguments a(args, {{"--measured", Arity::list},
                           {"--hw", Arity::one},
                           {"--base-hw", Arity::one},
                           {"--study", Arity::one},
                           {"--out", Arity::one},
                           {"--no-simulate-study", Arity::flag},
                           {"--config-dir", Arity::repeatable},
                           {"--sweep", Arity::one}});
  ReportOptions o;
  o.measured_paths = a.values("--measured");
  o.hardware = a.value("--hw");
  o.base_hardware = a.value("--base-hw");
  o.study_path = a.value("--study");
  o.out_dir = a.value("--out");
  o.simulate_study = !a.has("--no-simulate-study");
  o.config_dirs = a.values("--config-dir");
  o.sweep_dir = a.value("--sweep");
  if (!o.sweep_dir.empty()) {
    if (!o.measured_paths.empty() || !o.hardware.empty() || !o.base_hardware.empty() || !o.study_path.empty() ||
        !o.simulate_study || !o.config_dirs.empty())
      throw UsageError("--sweep takes only --out: the calibration options do not apply to a sweep");
    if (o.out_dir.empty()) throw UsageError("--out DIR is required");
    return o;
  }
  if (o.measured_paths.empty()) throw UsageError("--measured FILE... (or --sweep DIR) is required");
  if (o.out_dir.empty()) throw UsageError("--out DIR is required");
  return o;
}

ReportInputs gather_report_inputs(const ReportOptions& options) {
  const std::string study_path = study_path_or_default(options.study_path);
  LoadOptions load;
  load.config_dirs = options.config_dirs;
  load.hardware_preset = options.hardware;
  const LoadedStudy loaded = load_study(study_path, load);
  ReportInputs in;
  in.study = loaded.study;
  in.study_label = loaded.files.front();

  // The calibrated preset and the one it started from.
  const std::string after_name = options.hardware.empty() ? loaded.study.hardware.name : options.hardware;
  in.hardware_after = options.hardware.empty()
                          ? flatten_hardware_preset(loaded.study.hardware.name, options.config_dirs)
                          : flatten_hardware_preset(options.hardware, options.config_dirs);
  std::string base = options.base_hardware;
  if (base.empty()) {
    if (const auto c = in.hardware_after.find("calibration"); c != in.hardware_after.end() && c->is_object())
      base = c->value("base_preset", std::string());
  }
  in.hardware_before = base.empty() ? in.hardware_after : flatten_hardware_preset(base, options.config_dirs);

  const MeasuredSet set = load_measured(options.measured_paths);
  in.measured_files = set.files;
  const std::vector<MeasuredPoint> points = usable_points(set, in.hardware_after, options.measured_paths.front());
  // The study must share a shape with the measurements, or its speedup plots and seed comparison say nothing.
  bool overlap = false;
  for (const MeasuredPoint& p : points)
    overlap |= p.head_dim == loaded.study.model.head_dim && p.heads == loaded.study.model.n_heads;
  if (!overlap) {
    core::ConfigErrors errors;
    errors.add(in.study_label, "/model",
               "no measured point has the study's head_dim " + std::to_string(loaded.study.model.head_dim) + " and " +
                   std::to_string(loaded.study.model.n_heads) +
                   " heads; the study and the measurements do not overlap");
    errors.throw_if_any();
  }
  const Split split = split_points(points);
  in.split_rule = split.rule;
  // Without calibration provenance before and after are one preset: simulate it once.
  const std::vector<PointPrediction> sim_after = simulate_points(in.hardware_after, points);
  std::vector<double> sim_before;
  if (in.hardware_before == in.hardware_after)
    for (const PointPrediction& p : sim_after) sim_before.push_back(p.time_ms);
  else
    sim_before = simulate_points_ms(in.hardware_before, points);
  const std::vector<double> ana_before = analytical_points_ms(in.hardware_before, points);
  const std::vector<PointPrediction> ana_after = analytical_points(in.hardware_after, points);
  for (std::size_t i = 0; i < points.size(); ++i)
    in.points.push_back({points[i],
                         split.held_out[i],
                         sim_before[i],
                         sim_after[i].time_ms,
                         ana_before[i],
                         ana_after[i].time_ms,
                         sim_after[i].energy_J(),
                         ana_after[i].energy_J(),
                         {},
                         {}});
  add_sustained_runs(in.hardware_after, in.points, sim_after, ana_after);

  // The seed comparison, on the study with the calibrated hardware.
  if (!loaded.study.workload.schedule.layers.empty()) {
    SeedComparison& c = in.seed;
    c.present = true;
    const models::BothAccountings both = models::predict_both(loaded.study);
    c.seed_f = both.seed.attention_fraction;
    c.seed_s = both.seed.effective_attention_speedup;
    c.seed_amdahl = both.seed.amdahl_speedup;
    c.exact_f = both.exact.attention_fraction;
    c.exact_s = both.exact.effective_attention_speedup;
    c.exact_amdahl = both.exact.amdahl_speedup;
    if (options.simulate_study) c.simulated_end_to_end = simulate_study(study_path, load).speedup;
    for (const SpeedupPair& pair : speedup_pairs(in.points)) {
      const MeasuredPoint& v = in.points[pair.variant].point;
      if (v.kernel == "stack" && v.seq_len == loaded.study.workload.seq_len &&
          v.head_dim == loaded.study.model.head_dim && v.schedule == loaded.study.workload.schedule.compact() &&
          v.top_k == loaded.study.workload.top_k)
        c.measured_attention_s = in.points[pair.baseline].point.time_ms / v.time_ms;
    }
  }
  return in;
}

sweep::SweepReport write_sweep_report_files(const std::string& sweep_dir, const std::string& out_dir) {
  sweep::SweepReportOptions sweep_options;
  sweep_options.sweep_dir = sweep_dir;
  sweep::SweepReport report = sweep::build_sweep_report(sweep_options);
  sweep::write_sweep_report(report, out_dir);
  return report;
}

ReportInputs write_calibration_report_files(const ReportOptions& options) {
  ReportInputs in = gather_report_inputs(options);
  const reports::ReportDocument doc = build_calibration_report(in);
  reports::write_report(doc, options.out_dir);
  core::write_file_atomically((std::filesystem::path(options.out_dir) / "points.csv").string(), points_csv(in.points));
  return in;
}

void run_report(const ReportOptions& options, std::ostream& out) {
  if (!options.sweep_dir.empty()) {
    const sweep::SweepReport report = write_sweep_report_files(options.sweep_dir, options.out_dir);
    out << "sweep " << report.name << ": " << report.rows << " of " << report.points << " points (" << report.ok
        << " ok, " << report.invalid << " invalid, " << report.excluded << " excluded, " << report.points - report.rows
        << " not run yet)";
    if (!report.pareto_indices.empty()) out << ", " << report.pareto_indices.size() << " on the Pareto front";
    out << "\nwrote " << options.out_dir << "/report.html, report.md and plots/ (" << report.axis_plots
        << " plots over the axes";
    if (report.axis_plots_left_out > 0) out << ", " << report.axis_plots_left_out << " left out";
    out << ")\n";
    return;
  }
  const ReportInputs in = write_calibration_report_files(options);
  out << table_markdown(error_table(in.points));
  out << "wrote " << options.out_dir << "/report.html, report.md, plots/ and points.csv (" << in.points.size()
      << " points)\n";
}

}  // namespace cascadesim::sim
