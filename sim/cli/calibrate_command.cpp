// `cascadesim calibrate`: argument parsing, the run and its tables.
#include "sim/cli/calibrate_command.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "core/atomic_file.hpp"
#include "core/finite_result.hpp"
#include "reports/calibration_report.hpp"
#include "sim/calibration/measured_points.hpp"
#include "sim/calibration/record_kernels.hpp"
#include "sim/cli/arguments.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/engine/work_estimate.hpp"

namespace cascadesim::sim {

const char* const calibrate_usage =
    "usage: cascadesim calibrate --hw PRESET --measured FILE... --out CALIBRATED.json [--max-iterations N]\n"
    "                            [--fit time,energy,analytical | --transfer-from CALIBRATED.json]\n"
    "                            [--families F,...] [--commit REV] [--config-dir DIR]\n"
    "\n"
    "Fits the simulator's free parameters (matrix-unit efficiency, softmax throughput, off-chip latency, launch\n"
    "gap) and the analytical model's matrix efficiency to measured records by least squares on relative errors,\n"
    "training on every second measured sequence length and reporting the others as held out. A micro-benchmark\n"
    "file among --measured sets the achievable memory bandwidth as measured. The result is a hardware preset that\n"
    "predict, simulate and report accept like any other (--hw CALIBRATED.json). Records that measured the board's\n"
    "energy under sustained load (validate --energy-s) also fit the components' action energies, static power and\n"
    "the voltage's slope with the clock (docs/energy.md). --fit names what to fit (default time,energy, time\n"
    "including the analytical efficiency): --fit energy on a calibrated preset keeps its time figures and adds\n"
    "the energy fit to its provenance; --fit analytical refits the analytical matrix efficiency alone over the\n"
    "preset's simulator figures, as after a change to the analytical model's closed forms. --transfer-from carries\n"
    "a calibrated preset's fitted time figures to --hw, another card of the same chip, fitting nothing: every\n"
    "record is held out, and a micro-benchmark file still sets this card's bandwidths. --families fits the named\n"
    "kernel families' own figures alone (e.g. fa3-style after new fa3-style measurements), holding the machine's\n"
    "shared figures and the other families' as --hw gives them.\n";

namespace {
// "a,b,,c" -> {"a", "b", "", "c"}: an option's comma-separated list, empty items kept for the caller to refuse.
std::vector<std::string> comma_items(const std::string& list) {
  std::vector<std::string> items;
  std::size_t from = 0;
  for (std::size_t comma = list.find(','); comma != std::string::npos; comma = list.find(',', from)) {
    items.push_back(list.substr(from, comma - from));
    from = comma + 1;
  }
  items.push_back(list.substr(from));
  return items;
}
}  // namespace

CalibrateCommandOptions parse_calibrate_args(const std::vector<std::string>& args) {
  const Arguments a(args, {{"--hw", Arity::one},
                           {"--measured", Arity::list},
                           {"--out", Arity::one},
                           {"--max-iterations", Arity::one},
                           {"--commit", Arity::one},
                           {"--fit", Arity::one},
                           {"--transfer-from", Arity::one},
                           {"--families", Arity::one},
                           {"--config-dir", Arity::repeatable}});
  CalibrateCommandOptions o;
  o.calibrate.hardware_preset = a.value("--hw");
  o.calibrate.measured_paths = a.values("--measured");
  o.out_path = a.value("--out");
  if (a.has("--max-iterations")) {
    const std::string v = a.value("--max-iterations");
    int n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < 1)
      throw UsageError("--max-iterations must be a positive integer (got '" + v + "')");
    o.calibrate.max_iterations = n;
  }
  if (a.has("--commit")) o.calibrate.commit = a.value("--commit");
  if (a.has("--fit")) {
    o.calibrate.fit_time = o.calibrate.fit_energy = false;
    const std::string fit = a.value("--fit");
    for (const std::string& item : comma_items(fit)) {
      if (item == "time")
        o.calibrate.fit_time = true;
      else if (item == "energy")
        o.calibrate.fit_energy = true;
      else if (item == "analytical")
        o.calibrate.fit_analytical = true;
      else
        throw UsageError("--fit takes time, energy, analytical or a list of them (got '" + fit + "')");
    }
  }
  if (a.has("--transfer-from")) {
    if (a.has("--fit")) throw UsageError("--transfer-from fits nothing, so --fit cannot be given with it");
    o.calibrate.transfer_from = a.value("--transfer-from");
  }
  if (a.has("--families")) {
    if (a.has("--transfer-from"))
      throw UsageError("--transfer-from fits nothing, so --families cannot be given with it");
    o.calibrate.families = comma_items(a.value("--families"));
    if (std::find(o.calibrate.families.begin(), o.calibrate.families.end(), "") != o.calibrate.families.end())
      throw UsageError("--families takes kernel family names separated by commas");
    if (!o.calibrate.fit_time && !o.calibrate.fit_analytical)
      throw UsageError("--families names what --fit time or --fit analytical fits; --fit energy fits no family");
  }
  o.calibrate.config_dirs = a.values("--config-dir");
  if (o.calibrate.hardware_preset.empty()) throw UsageError("--hw PRESET is required");
  if (o.calibrate.measured_paths.empty()) throw UsageError("--measured FILE... is required");
  if (o.out_path.empty()) throw UsageError("--out CALIBRATED.json is required");
  return o;
}

std::string current_commit() {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen("git rev-parse --short HEAD 2>/dev/null", "r"), pclose);
  if (!pipe) return "";
  char buffer[64] = {};
  if (!std::fgets(buffer, sizeof buffer, pipe.get())) return "";
  std::string commit(buffer);
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
  return commit;
}

namespace {

// calibrate simulates every measured point on --hw's machine, pass after pass while it fits: one pass is held to the
// limits of a simulation (sim/engine/work_estimate), checked before the first, naming the preset's file.
void refuse_unrunnable_calibration(const CalibrateOptions& settings) {
  // In calibrate's order (measurements, then the preset), so that bad input gets the same first lines.
  const MeasuredSet measured = load_measured(settings.measured_paths);
  const core::Json study = {
      {"schema_version", 1},
      {"name", "calibration"},
      {"hardware", settings.hardware_preset},
      {"model", "llama-3.2-1b"},
      {"workload", {{"phase", "prefill"}, {"seq_len", 1024}, {"batch", 1}, {"tile_tokens", 128}}}};
  LoadOptions load;
  load.config_dirs = settings.config_dirs;
  const LoadedStudy loaded = load_study_text(study.dump(), "--hw", load);
  const models::HardwareSpec& hardware = loaded.study.hardware;
  double bytes = 0, longest_ns = 0, request_bytes = 1;
  for (const MeasuredPoint& p : measured.points) {
    double point_s = 0;
    try {
      for (const models::OpCost& cost : record_analytical_costs(p, hardware)) {
        bytes += cost.hbm_bytes;
        point_s += models::roofline_time(cost, hardware).time_s;
      }
    } catch (const std::invalid_argument&) {
      continue;  // a record calibrate cannot use: it reports it, naming the record
    }
    longest_ns = std::max(longest_ns, point_s * 1e9);
    request_bytes = std::max(request_bytes, static_cast<double>(p.tile_k * p.head_dim * 2));
  }
  core::ConfigErrors errors;
  add_work_problems(estimate_work(hardware, bytes, request_bytes, longest_ns), loaded, errors);
  errors.throw_if_any();
}

}  // namespace

CalibrationResult calibrate_to_file(const CalibrateCommandOptions& options) {
  CalibrateOptions settings = options.calibrate;
  if (settings.commit.empty()) settings.commit = current_commit();
  std::vector<std::string> inputs = settings.measured_paths;
  inputs.push_back(settings.hardware_preset);
  if (!settings.transfer_from.empty()) inputs.push_back(settings.transfer_from);
  core::refuse_output_over_inputs(options.out_path, inputs, "--out");
  refuse_unrunnable_calibration(settings);
  const CalibrationResult result = calibrate(settings);
  core::require_finite_result(result.calibrated_preset, settings.measured_paths.front());
  core::write_file_atomically(options.out_path, result.calibrated_preset.dump(2) + "\n");
  return result;
}

void run_calibrate(const CalibrateCommandOptions& options, std::ostream& out) {
  const CalibrationResult result = calibrate_to_file(options);
  out << "Calibrated " << result.calibrated_preset.value("name", "") << " from " << result.points.size()
      << " measured points; split " << result.split_rule << ".\n"
      << "Simulator fit: " << result.simulator_evaluations << " evaluations of the training set.\n\n";
  out << "| parameter | model | how | before | after |\n|---|---|---|---|---|\n";
  for (const CalibratedParameter& p : result.parameters) {
    char before[32], after[32];
    std::snprintf(before, sizeof before, "%.4g", p.before);
    std::snprintf(after, sizeof after, "%.4g", p.after);
    out << "| " << p.key << " | " << p.model << " | " << p.how << " | " << before << " | " << after << " |\n";
  }
  out << "\nErrors against the measurements (APE: absolute percentage error; speedups: sparse and cascade over "
         "dense, scheduled stacks over all-dense):\n\n";
  out << table_markdown(error_table(result.points));
  out << "\nwrote " << options.out_path << '\n';
}

}  // namespace cascadesim::sim
