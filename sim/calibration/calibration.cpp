// Fitting a hardware preset to measurements, and the predictions both models make for measured points.
#include "sim/calibration/calibration.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include <Eigen/Dense>

#include "hw/system/system.hpp"
#include "models/dataflow/attention_implementation.hpp"
#include "models/kernel_families.hpp"
#include "models/layer_schedule.hpp"
#include "models/roofline.hpp"
#include "sim/calibration/least_squares.hpp"
#include "sim/calibration/record_kernels.hpp"
#include "sim/config/schemas.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/engine/engine.hpp"

namespace cascadesim::sim {

namespace {

// A study around a hardware section: the model and workload only satisfy the loader; calibration builds each
// measured point's kernels itself.
LoadedStudy load_hardware(const core::Json& hardware, const std::vector<std::string>& config_dirs,
                          const std::string& label) {
  const core::Json study = {
      {"schema_version", 1},
      {"name", "calibration"},
      {"hardware", hardware},
      {"model", "llama-3.2-1b"},
      {"workload", {{"phase", "prefill"}, {"seq_len", 1024}, {"batch", 1}, {"tile_tokens", 128}}}};
  LoadOptions options;
  options.config_dirs = config_dirs;
  return load_study_text(study.dump(), label, options);
}

// A fitted figure of a flat hardware object, by JSON pointer; model says which backends read it.
struct SimulatorKnob {
  std::string key;
  std::string model;
  std::string meaning;
  double lower, upper, initial;
};

double read_number(const core::Json& hardware, const std::string& pointer, double fallback) {
  const core::Json::json_pointer p(pointer);
  return hardware.contains(p) && hardware.at(p).is_number() ? hardware.at(p).get<double>() : fallback;
}

// Per kernel family, the training records that ran kernels of it.
using FamilyCounts = std::array<std::size_t, models::kernel_family_count>;
FamilyCounts records_per_family(const std::vector<MeasuredPoint>& training) {
  std::array<std::size_t, models::kernel_family_count> count{};
  for (const MeasuredPoint& p : training) {
    std::array<bool, models::kernel_family_count> seen{};
    for (const models::dataflow::Kernel& k : record_kernels(p)) seen[models::dataflow::kernel_family(k)] = true;
    for (std::size_t f = 0; f < seen.size(); ++f) count[f] += seen[f] ? 1 : 0;
  }
  return count;
}

// The families whose figures calibrate fits: the attention implementations, GEMMs, decode and elementwise streams
// (the layers' norms and activation), each measured on its own.
bool fitted_family(std::size_t family) {
  const std::string_view name = models::kernel_family_names[family];
  return models::dataflow::attention_implementation_index(name) >= 0 || name == "gemm" || name == "decode" ||
         name == "elementwise";
}

// What the calibrated preset says of every family: fitted, or left at the components' own rates and why.
core::Json family_provenance(const FamilyCounts& count) {
  core::Json out = core::Json::object();
  for (std::size_t f = 0; f < count.size(); ++f) {
    const std::string n = std::to_string(count[f]);
    out[std::string(models::kernel_family_names[f])] =
        count[f] == 0 ? "no measurements: the components' own rates, not another family's figures"
        : fitted_family(f)
            ? "fitted on " + n + " training records"
            : "not fitted: measured only inside " + n + " records of other kernels; the components' own rates";
  }
  return out;
}

// Whether a fit that names `families` (CalibrateOptions::families; none: every family) fits this one's figures.
bool fits_family(const std::vector<std::string>& families, const std::string& family) {
  return families.empty() || std::find(families.begin(), families.end(), family) != families.end();
}

// The machine's figures every kernel shares, then the own figures of each fitted family (attention implementations,
// GEMMs, decode, elementwise) that the training records ran (models/kernel_families.hpp). Selection kernels are
// measured only inside anchor and cascade records, too small a share of those times to fit on their own: they keep
// the components' rates. With the launch gap measured (launch_measured) each family fits its own per-kernel cost
// beside it; without, the gap is fitted and the families' per-kernel costs, which only it could tell apart from
// the gap, are left at theirs.
// With `only` given, the named families' own figures alone.
std::vector<SimulatorKnob> simulator_knobs(const core::Json& hardware, const FamilyCounts& count, bool launch_measured,
                                           const std::vector<std::string>& only) {
  std::vector<SimulatorKnob> knobs;
  if (only.empty()) {
    knobs.push_back({"/memory/latency_ns", "simulator",
                     "off-chip latency: the fixed cost of each work unit's Q load and O store", 10.0, 20000.0, 0});
    if (!launch_measured)
      knobs.push_back({"/kernel_launch_us", "both", "launch and synchronisation gap per kernel", 0.2, 100.0, 0});
  }
  for (SimulatorKnob& k : knobs) k.initial = std::clamp(read_number(hardware, k.key, k.lower), k.lower, k.upper);
  for (std::size_t f = 0; f < count.size(); ++f) {
    if (count[f] == 0 || !fitted_family(f)) continue;
    const std::string family(models::kernel_family_names[f]);
    if (!fits_family(only, family)) continue;
    const std::string at = "/kernel_families/" + family + "/";
    const bool gemm = family == "gemm", elementwise = family == "elementwise";
    if (!elementwise)  // streams' matrix work (pooled scores) is too small a share of their time to fit
      knobs.push_back({at + "matrix_time_scale", "both",
                       family + " kernels' matrix work over the matrix unit's own cycles (1 / sustained fraction; "
                                "no kernel beats the unit's peak)",
                       1.0, 30.0, std::max(1.0, read_number(hardware, at + "matrix_time_scale", 1.0))});
    if (!gemm)
      knobs.push_back(
          {at + "vector_time_scale", "both",
           family + (elementwise ? " kernels' arithmetic" : " kernels' softmax") + " over the vector unit's own cycles",
           0.02, 50.0, read_number(hardware, at + "vector_time_scale", 1.0)});
    const std::int64_t implementation = models::dataflow::attention_implementation_index(family);
    if (implementation >= 0 &&
        models::dataflow::attention_implementation(implementation).overlap == models::dataflow::SoftmaxOverlap::serial)
      knobs.push_back({at + "softmax_overlap", "both",
                       family + " kernels' share of a block's softmax beside its matrix work", 0.01, 1.0,
                       std::max(0.3, read_number(hardware, at + "softmax_overlap", 0.0))});
    knobs.push_back({at + "unit_fixed_ns", "both",
                     family + " kernels' fixed cost per work unit: block start, prologue, epilogue", 1.0, 50000.0,
                     std::max(1000.0, read_number(hardware, at + "unit_fixed_ns", 0.0))});
    if (launch_measured)
      knobs.push_back({at + "kernel_fixed_us", "both",
                       family + " kernels' fixed cost per kernel beside the launch gap: ramp-up, drain, host launch "
                                "as timed",
                       0.01, 100.0, std::max(1.0, read_number(hardware, at + "kernel_fixed_us", 0.0))});
  }
  return knobs;
}

void apply_knob(core::Json& hardware, const SimulatorKnob& knob, double value) {
  hardware[core::Json::json_pointer(knob.key)] = value;
}

// The analytical model's free figure, fitted after the simulator's.
SimulatorKnob matrix_efficiency_knob() {
  return {"/matrix_efficiency",
          "analytical",
          "the analytical model's achievable fraction of the matrix unit's peak",
          0.02,
          1.0,
          1.0};
}

// What the loader takes for a figure a preset leaves out: a kernel family's field defaults (a time scale of 1, no
// fixed cost); 0 elsewhere, as every other transferred figure is one the presets give.
double figure_default(const std::string& key) {
  const std::string family_prefix = "/kernel_families/";
  if (key.rfind(family_prefix, 0) != 0) return 0;
  const core::Json defaults = core::fields_to_json(kernel_family_fields(), models::KernelFamilyFigures{});
  return read_number(defaults, key.substr(key.rfind('/')), 0);
}

// Whether a calibrated preset's provenance says `how` of the figure at `key` (fitted, measured).
bool provenance_says(const core::Json& preset, const std::string& key, std::string_view how) {
  const core::Json::json_pointer list("/calibration/parameters");
  if (!preset.contains(list) || !preset.at(list).is_array()) return false;
  for (const core::Json& p : preset.at(list))
    if (p.is_object() && p.value("key", "") == key && p.value("how", "") == how) return true;
  return false;
}

// A calibrated preset's time figures carried to another card of the same chip (an H100's kernel families on an
// H200: the same SMs beside other memory). The figures are the knobs calibrate fits for time and the analytical
// matrix efficiency, where the source fitted them. Bandwidths are this card's to measure; energy figures describe
// the source's board, so neither is carried. A launch gap the source measured is carried when this card's
// micro-benchmarks do not give one, as its families' per-kernel costs were fitted beside it.
void transfer_time_figures(const CalibrateOptions& options, bool launch_measured, core::Json& hardware,
                           CalibrationResult& result) {
  const core::Json source = flatten_hardware_preset(options.transfer_from, options.config_dirs);
  const bool source_launch_measured = provenance_says(source, "/kernel_launch_us", "measured");
  FamilyCounts every{};
  every.fill(1);
  std::vector<SimulatorKnob> knobs = simulator_knobs(source, every, source_launch_measured, {});
  knobs.push_back(matrix_efficiency_knob());
  for (std::string_view family : models::kernel_family_names)
    knobs.push_back(
        {"/kernel_families/" + std::string(family) + "/analytical_matrix_efficiency", "analytical",
         "the analytical model's achievable fraction of the matrix peak for " + std::string(family) + " kernels", 0, 1,
         0});
  if (source_launch_measured && !launch_measured)
    knobs.push_back({"/kernel_launch_us", "both", "graph launch gap, measured on the source's card", 0, 0, 0});
  std::size_t carried = 0;
  for (const SimulatorKnob& k : knobs) {
    const bool measured_launch = k.key == "/kernel_launch_us" && source_launch_measured;
    if (!provenance_says(source, k.key, measured_launch ? "measured" : "fitted")) continue;
    const double value = read_number(source, k.key, 0);
    result.parameters.push_back(
        {k.key, k.model, "transferred", read_number(hardware, k.key, figure_default(k.key)), value, k.meaning});
    apply_knob(hardware, k, value);
    ++carried;
  }
  if (carried == 0) {
    core::ConfigErrors errors;
    errors.add(options.transfer_from, "/calibration/parameters",
               "names no fitted time figure to transfer: not a preset that cascadesim calibrate fitted");
    errors.throw_if_any();
  }
}

std::string format_value(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

void append_source(core::Json& hardware, const std::string& key, const std::string& text) {
  core::Json& source = hardware["source"];
  if (source.contains(key) && source[key].is_string())
    source[key] = source[key].get<std::string>() + " | " + text;
  else
    source[key] = text;
}

}  // namespace

core::Json flatten_hardware_preset(const std::string& preset, const std::vector<std::string>& config_dirs) {
  const LoadedStudy loaded = load_hardware(core::Json(preset), config_dirs, "--hw");
  core::ConfigErrors errors;
  core::Json flat = core::ConfigNode(loaded.hardware_layers, errors).resolved();
  flat.erase("preset");
  return flat;
}

models::HardwareSpec hardware_spec_of(const core::Json& hardware) {
  return load_hardware(hardware, {}, "calibrated hardware").study.hardware;
}

double PointPrediction::energy_J() const {
  return energy.figures && energy.figures->complete() ? energy.total_J() : std::numeric_limits<double>::quiet_NaN();
}

std::vector<PointPrediction> simulate_points(const core::Json& hardware, const std::vector<MeasuredPoint>& points) {
  const LoadedStudy loaded = load_hardware(hardware, {}, "calibrated hardware");
  core::ConfigErrors errors;
  const core::ConfigNode node(loaded.hardware_layers, errors);
  std::unique_ptr<hw::System> system = hw::System::build(node, loaded.study.hardware);
  errors.throw_if_any();
  std::vector<PointPrediction> out;
  out.reserve(points.size());
  for (const MeasuredPoint& p : points) {
    RunResult r = run_kernels(*system, record_kernels(p), RunOptions{});
    out.push_back(PointPrediction{r.time_ns * 1e-6, std::move(r.energy)});
  }
  return out;
}

std::vector<double> simulate_points_ms(const core::Json& hardware, const std::vector<MeasuredPoint>& points) {
  std::vector<double> out;
  for (const PointPrediction& p : simulate_points(hardware, points)) out.push_back(p.time_ms);
  return out;
}

std::vector<PointPrediction> analytical_points(const core::Json& hardware, const std::vector<MeasuredPoint>& points) {
  const models::HardwareSpec spec = hardware_spec_of(hardware);
  const bool on_engine = spec.energy && spec.energy->selection_on_engine;
  std::vector<PointPrediction> out;
  out.reserve(points.size());
  for (const MeasuredPoint& p : points) {
    double seconds = 0;
    models::OpCost total;
    for (const models::OpCost& cost : record_analytical_costs(p, spec)) {
      seconds += models::roofline_time(cost, spec).time_s;
      total += cost;
    }
    // A record's kernels priced as one run (of the dense kind: records carry no layer schedule).
    out.push_back(PointPrediction{
        seconds * 1e3, models::analytical_energy(spec.energy, spec.cores, {models::work_counts(total, on_engine)},
                                                 {1, 0, 0}, {seconds, 0, 0})});
  }
  return out;
}

std::vector<double> analytical_points_ms(const core::Json& hardware, const std::vector<MeasuredPoint>& points) {
  std::vector<double> out;
  for (const PointPrediction& p : analytical_points(hardware, points)) out.push_back(p.time_ms);
  return out;
}

std::vector<models::SustainedRun> sustained_points(const core::Json& hardware, const std::vector<MeasuredPoint>& points,
                                                   const std::vector<PointPrediction>& reference,
                                                   PointPredictor predictor) {
  const models::HardwareSpec spec = hardware_spec_of(hardware);
  const models::PowerLimit power = spec.power_limit();
  std::vector<models::SustainedRun> out;
  out.reserve(points.size());
  const bool limited = power.limited() && spec.energy && spec.energy->complete();
  std::vector<PointPrediction> probe;
  if (limited) {
    core::Json slower = hardware;
    slower["clock_GHz"] = spec.clock_GHz * models::probe_clock_scale;
    probe = predictor(slower, points);
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double reference_s = reference[i].time_ms * 1e-3;
    const models::ClockedTime time =
        limited ? models::clocked_time(reference_s, probe[i].time_ms * 1e-3, models::probe_clock_scale)
                : models::ClockedTime{reference_s, 0};
    const models::RunEnergy energy = models::run_energy(reference[i].energy);
    out.push_back(limited ? models::sustained_run(power, spec.clock_GHz, time, energy)
                          : models::run_at_clock(power, spec.clock_GHz, 1.0, time, energy));
  }
  return out;
}

namespace {

// Non-negative least squares, min |A x - b| with x >= 0, by Lawson and Hanson's active-set method ("Solving Least
// Squares Problems", 1974, ch. 23): a handful of unknowns, so dense QR solves throughout.
Eigen::VectorXd non_negative_least_squares(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  const Eigen::Index n = A.cols();
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(static_cast<std::size_t>(n), false);
  auto solve_passive = [&]() {
    std::vector<Eigen::Index> cols;
    for (Eigen::Index j = 0; j < n; ++j)
      if (passive[static_cast<std::size_t>(j)]) cols.push_back(j);
    Eigen::MatrixXd Ap(A.rows(), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t k = 0; k < cols.size(); ++k) Ap.col(static_cast<Eigen::Index>(k)) = A.col(cols[k]);
    const Eigen::VectorXd zp = Ap.colPivHouseholderQr().solve(b);
    Eigen::VectorXd z = Eigen::VectorXd::Zero(n);
    for (std::size_t k = 0; k < cols.size(); ++k) z[cols[k]] = zp[static_cast<Eigen::Index>(k)];
    return z;
  };
  for (int outer = 0; outer < 3 * n; ++outer) {
    const Eigen::VectorXd w = A.transpose() * (b - A * x);
    Eigen::Index best = -1;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!passive[static_cast<std::size_t>(j)] && w[j] > 1e-12 && (best < 0 || w[j] > w[best])) best = j;
    if (best < 0) break;
    passive[static_cast<std::size_t>(best)] = true;
    for (int inner = 0; inner < 3 * n; ++inner) {
      const Eigen::VectorXd z = solve_passive();
      bool feasible = true;
      double alpha = 1;
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<std::size_t>(j)] && z[j] <= 0) {
          feasible = false;
          alpha = std::min(alpha, x[j] / (x[j] - z[j]));
        }
      if (feasible) {
        x = z;
        break;
      }
      x += alpha * (z - x);
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[static_cast<std::size_t>(j)] && x[j] <= 1e-12)
          passive[static_cast<std::size_t>(j)] = false, x[j] = 0;
    }
  }
  return x;
}

}  // namespace

std::vector<CalibratedParameter> fit_energy_figures(core::Json& hardware, const std::vector<MeasuredPoint>& training) {
  std::vector<MeasuredPoint> measured;
  for (const MeasuredPoint& p : training)
    if (std::isfinite(p.energy_J) && std::isfinite(p.sustained_ms) && std::isfinite(p.sustained_sm_clock_MHz))
      measured.push_back(p);
  const models::HardwareSpec spec = hardware_spec_of(hardware);
  if (measured.empty() || !spec.energy || !spec.energy->complete()) return {};
  const std::vector<PointPrediction> predicted = simulate_points(hardware, measured);
  const std::vector<models::ComponentFigures>& components = spec.energy->components;
  const Eigen::Index n_components = static_cast<Eigen::Index>(components.size());
  const Eigen::Index rows = static_cast<Eigen::Index>(measured.size());
  // Unknowns: one factor per component's action energies, then one on the static power. Each record's row is its
  // relative error, E_model / E_measured - 1, at its measured sustained time and clock; the pull rows keep a factor
  // that the records cannot tell apart from the others (the L2 and the NoC both scale with bytes moved) at 1, and
  // the slope at the preset's.
  constexpr double pull_weight = 0.1;
  models::PowerLimit power = spec.power_limit();
  double best_cost = -1, best_slope = power.voltage_clock_slope;
  Eigen::VectorXd best;
  for (double slope = 0; slope <= 2.0 + 1e-9; slope += 0.05) {
    power.voltage_clock_slope = slope;
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(rows + n_components + 1, n_components + 1);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(rows + n_components + 1);
    for (Eigen::Index r = 0; r < rows; ++r) {
      const MeasuredPoint& p = measured[static_cast<std::size_t>(r)];
      const models::EnergyBreakdown& e = predicted[static_cast<std::size_t>(r)].energy;
      const double scale = p.sustained_sm_clock_MHz * 1e-3 / spec.clock_GHz;
      for (Eigen::Index c = 0; c < n_components; ++c) {
        const bool off_chip = components[static_cast<std::size_t>(c)].off_chip;
        A(r, c) = e.component_dynamic_J(static_cast<std::size_t>(c)) *
                  (off_chip ? 1.0 : models::core_energy_scale(power, scale)) / p.energy_J;
      }
      A(r, n_components) = e.static_W() * p.sustained_ms * 1e-3 / p.energy_J;
      b[r] = 1;
    }
    for (Eigen::Index j = 0; j <= n_components; ++j) A(rows + j, j) = b[rows + j] = pull_weight;
    const Eigen::VectorXd x = non_negative_least_squares(A, b);
    // The whole objective, the pulls included, and the slope pulled towards the preset's like every factor: records
    // at similar clocks cannot tell a steeper voltage curve from larger action energies.
    const double slope_pull = pull_weight * (slope - spec.voltage_clock_slope);
    const double cost = (A * x - b).squaredNorm() + slope_pull * slope_pull;
    if (best_cost < 0 || cost < best_cost - 1e-12) best_cost = cost, best_slope = slope, best = x;
  }
  std::vector<CalibratedParameter> changed;
  const std::string basis = "fitted to " + std::to_string(measured.size()) + " training records' board energy";
  for (Eigen::Index c = 0; c < n_components; ++c) {
    const models::ComponentFigures& component = components[static_cast<std::size_t>(c)];
    for (const models::ActionFigure& a : component.actions) {
      const std::string key = "/" + component.name + "/" + a.key;
      const double after = a.pJ * best[c];
      changed.push_back({key, "both", "fitted", a.pJ, after, "energy of one " + a.name + " (" + basis + ")"});
      hardware[core::Json::json_pointer(key)] = after;
    }
  }
  for (const models::ComponentFigures& component : components) {
    const std::string key = "/" + component.name + "/static_W";
    const double after = component.static_W * best[n_components];
    changed.push_back({key, "both", "fitted", component.static_W, after, "static power (" + basis + ")"});
    hardware[core::Json::json_pointer(key)] = after;
  }
  changed.push_back({"/voltage_clock_slope", "both", "fitted", spec.voltage_clock_slope, best_slope,
                     "supply voltage's relative change per relative clock change (" + basis + ")"});
  hardware["voltage_clock_slope"] = best_slope;
  return changed;
}

std::string record_family(const MeasuredPoint& p) {
  if (p.kernel == "stack" && !p.model.empty()) return "layers";
  if (p.kernel == "layer_op") return "elementwise";
  return p.kernel == "gemm" || p.kernel == "decode" ? p.kernel : p.implementation;
}

Split split_points(const std::vector<MeasuredPoint>& points) {
  std::map<std::string, std::set<std::int64_t>> lengths;  // per implementation, of its kernel records
  for (const MeasuredPoint& p : points)
    if (p.kernel != "stack") lengths[record_family(p)].insert(p.seq_len);
  std::map<std::string, std::set<std::int64_t>> held;
  std::string list;
  for (const auto& [implementation, all] : lengths) {
    std::string lens;
    std::size_t i = 0;
    for (std::int64_t s : all)
      if (i++ % 2 == 1) {
        held[implementation].insert(s);
        lens += (lens.empty() ? "" : ", ") + std::to_string(s);
      }
    list += (list.empty() ? "" : "; ") + implementation + ": " + (lens.empty() ? "none" : lens);
  }
  Split split;
  bool any_training = false;
  for (const MeasuredPoint& p : points) {
    const auto h = held.find(record_family(p));
    split.held_out.push_back(p.kernel == "stack" || (h != held.end() && h->second.contains(p.seq_len)));
    any_training |= !split.held_out.back();
  }
  if (!any_training)
    throw std::invalid_argument(
        "the training/held-out split leaves no kernel record to train on (stacks are held out)");
  split.rule =
      "by sequence length, per implementation: of its kernels' measured lengths in ascending order every "
      "second one is held out (" +
      list + "), and every whole-layer stack; all others train";
  return split;
}

ErrorSummary summarize_errors(const std::vector<double>& predicted, const std::vector<double>& measured,
                              const std::vector<bool>& select) {
  std::vector<double> errors;
  for (std::size_t i = 0; i < measured.size(); ++i)
    if (select[i]) errors.push_back(std::abs(predicted[i] - measured[i]) / measured[i]);
  ErrorSummary s;
  s.count = errors.size();
  if (errors.empty()) return s;
  std::sort(errors.begin(), errors.end());
  const std::size_t n = errors.size();
  s.median_ape = n % 2 ? errors[n / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
  s.max_ape = errors.back();
  return s;
}

std::vector<MeasuredPoint> usable_points(const MeasuredSet& set, const core::Json& hardware, const std::string& label) {
  const std::string preset_name = hardware.value("name", std::string("?"));
  // Every measurement must come from a device this preset stands for.
  core::ConfigErrors errors;
  std::vector<std::string> device_names;
  if (const auto it = hardware.find("measured_device_names"); it != hardware.end() && it->is_array())
    for (const core::Json& n : *it)
      if (n.is_string()) device_names.push_back(n.get<std::string>());
  auto known = [&](const std::string& device) {
    return std::find(device_names.begin(), device_names.end(), device) != device_names.end();
  };
  std::string names;
  for (const std::string& n : device_names) names += (names.empty() ? "'" : ", '") + n + "'";
  if (names.empty()) names = "no device (the preset has no measured_device_names)";
  // One line per file and foreign device, at its first record: a whole file from another GPU is one mistake.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, int>> foreign;  // -> first pointer, count
  std::vector<std::pair<std::string, std::string>> order;
  for (const MeasuredPoint& p : set.points) {
    if (known(p.device)) continue;
    auto [it, inserted] = foreign.try_emplace({p.file, p.device}, p.pointer, 0);
    if (inserted) order.push_back(it->first);
    ++it->second.second;
  }
  for (const auto& key : order) {
    const auto& [pointer, count] = foreign.at(key);
    errors.add(key.first, pointer + "/device/name",
               "measured on '" + key.second + "'" +
                   (count > 1 ? " (as are " + std::to_string(count - 1) + " more records)" : std::string()) +
                   ", but hardware preset '" + preset_name + "' stands for " + names);
  }
  for (const MeasuredCeilings& c : set.ceilings)
    if (!known(c.device))
      errors.add(c.file, "/device/name",
                 "measured on '" + c.device + "', but hardware preset '" + preset_name + "' stands for " + names);
  std::vector<MeasuredPoint> points;
  for (const MeasuredPoint& p : set.points) {
    try {
      record_kernels(p);
      points.push_back(p);
    } catch (const std::invalid_argument& e) {
      errors.add(p.file, p.pointer, e.what());
    }
  }
  if (points.empty() && errors.empty()) errors.add(label, "/records", "no measured records to compare with");
  errors.throw_if_any();
  return points;
}

namespace {

// The analytical model's free parameter, with the launch cost and memory efficiency settled in calibrated.
void fit_matrix_efficiency(const core::Json& base, core::Json& calibrated,
                           const std::vector<MeasuredPoint>& train_points, const std::vector<double>& train_ms,
                           CalibrationResult& result) {
  const SimulatorKnob knob = matrix_efficiency_knob();
  // A roofline is flat in the matrix efficiency wherever another term binds, so the descent starts from the best of
  // a coarse scan rather than from the preset's value.
  double best_efficiency = 1.0, best_cost = -1;
  for (double efficiency = 1.0; efficiency >= knob.lower; efficiency /= 1.5) {
    core::Json h = calibrated;
    apply_knob(h, knob, efficiency);
    const std::vector<double> predicted = analytical_points_ms(h, train_points);
    double cost = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i) cost += std::pow(std::log(predicted[i] / train_ms[i]), 2);
    if (best_cost < 0 || cost < best_cost) best_cost = cost, best_efficiency = efficiency;
  }
  LeastSquaresProblem problem;
  problem.initial = {best_efficiency};
  problem.lower = {knob.lower};
  problem.upper = {knob.upper};
  problem.measured = train_ms;
  problem.predict = [&](const std::vector<double>& values) {
    core::Json h = calibrated;
    apply_knob(h, knob, values[0]);
    return analytical_points_ms(h, train_points);
  };
  const double efficiency = fit_least_squares(problem).parameters[0];
  apply_knob(calibrated, knob, efficiency);
  result.parameters.push_back(
      {knob.key, knob.model, "fitted", read_number(base, knob.key, 1.0), efficiency, knob.meaning});
}

// Each family's own analytical efficiency, from its training records where they settle it. A scan minimizes the
// family's median relative error rather than the squares: a family's analytical errors split by kernel length
// (the shortest fast, the longest slow; reports/h100/README.md), and a least-squares fit follows the few shortest.
// A best value at either end of the scan says the records do not settle it (memory-bound families): that family
// keeps the preset's matrix_efficiency.
void fit_family_efficiencies(const core::Json& base, core::Json& calibrated,
                             const std::vector<MeasuredPoint>& train_points, const std::vector<double>& train_ms,
                             CalibrationResult& result, const std::vector<std::string>& families) {
  std::map<std::string, std::vector<std::size_t>> records;  // family -> its training records
  for (std::size_t i = 0; i < train_points.size(); ++i)
    if (const std::string family = record_family(train_points[i]);
        models::kernel_family_index(family) && fits_family(families, family))
      records[family].push_back(i);
  if (records.empty()) return;
  constexpr int lowest_percent = 20, highest_percent = 100;
  auto key = [](const std::string& family) { return "/kernel_families/" + family + "/analytical_matrix_efficiency"; };
  std::map<std::string, std::pair<int, double>> best;  // family -> (percent, median |log error|)
  for (int percent = lowest_percent; percent <= highest_percent; ++percent) {
    // A record runs its own family's kernels (and selection or elementwise ones without matrix work), so every
    // family can take the same value in one evaluation.
    core::Json h = calibrated;
    for (const auto& [family, indices] : records) h[core::Json::json_pointer(key(family))] = percent / 100.0;
    const std::vector<double> predicted = analytical_points_ms(h, train_points);
    for (const auto& [family, indices] : records) {
      std::vector<double> errors;
      for (std::size_t i : indices) errors.push_back(std::fabs(std::log(predicted[i] / train_ms[i])));
      std::nth_element(errors.begin(), errors.begin() + static_cast<std::ptrdiff_t>(errors.size() / 2), errors.end());
      const double median = errors[errors.size() / 2];
      const auto at = best.find(family);
      if (at == best.end() || median < at->second.second) best[family] = {percent, median};
    }
  }
  for (const auto& [family, fit] : best) {
    if (fit.first == lowest_percent || fit.first == highest_percent) continue;
    const double efficiency = fit.first / 100.0;
    calibrated[core::Json::json_pointer(key(family))] = efficiency;
    result.parameters.push_back({key(family), "analytical", "fitted", read_number(base, key(family), 0.0), efficiency,
                                 "the analytical model's achievable fraction of the matrix peak for " + family +
                                     " kernels (0: the preset's matrix_efficiency)"});
  }
}

}  // namespace

void add_sustained_runs(const core::Json& hardware, std::vector<PointResult>& results,
                        const std::vector<PointPrediction>& simulated, const std::vector<PointPrediction>& analytical) {
  std::vector<std::size_t> measured;
  for (std::size_t i = 0; i < results.size(); ++i)
    if (std::isfinite(results[i].point.energy_J)) measured.push_back(i);
  if (measured.empty()) return;
  std::vector<MeasuredPoint> points;
  std::vector<PointPrediction> sim, ana;
  for (std::size_t i : measured) {
    points.push_back(results[i].point);
    sim.push_back(simulated[i]);
    ana.push_back(analytical[i]);
  }
  const std::vector<models::SustainedRun> sim_runs = sustained_points(hardware, points, sim, simulate_points);
  const std::vector<models::SustainedRun> ana_runs = sustained_points(hardware, points, ana, analytical_points);
  for (std::size_t k = 0; k < measured.size(); ++k) {
    results[measured[k]].simulated_sustained = sim_runs[k];
    results[measured[k]].analytical_sustained = ana_runs[k];
  }
}

CalibrationResult calibrate(const CalibrateOptions& options) {
  const MeasuredSet set = load_measured(options.measured_paths);
  const core::Json base = flatten_hardware_preset(options.hardware_preset, options.config_dirs);
  const std::string preset_name = base.value("name", options.hardware_preset);

  const std::vector<MeasuredPoint> points = usable_points(set, base, options.measured_paths.front());
  core::ConfigErrors errors;
  CalibrationResult result;
  const bool transferring = !options.transfer_from.empty();
  const bool fit_time = options.fit_time && !transferring, fit_energy = options.fit_energy && !transferring;
  Split split;
  if (transferring) {
    split.held_out.assign(points.size(), true);
    split.rule = "none: every record held out, the time figures transferred from " + options.transfer_from;
  } else {
    try {
      split = split_points(points);
    } catch (const std::invalid_argument& e) {
      errors.add(points.front().file, "/records", e.what());
      errors.throw_if_any();
    }
  }
  result.split_rule = split.rule;
  std::vector<bool> training(points.size());
  std::vector<MeasuredPoint> train_points;
  std::vector<double> train_ms;
  for (std::size_t i = 0; i < points.size(); ++i) {
    training[i] = !split.held_out[i];
    if (training[i]) {
      train_points.push_back(points[i]);
      train_ms.push_back(points[i].time_ms);
    }
  }

  // Measured, not fitted: the achievable off-chip bandwidth from the copy micro-benchmark, written into the memory
  // section that both models read, and the L2's from the L2 read micro-benchmark (every SM loading a buffer that
  // half fills the L2), which bounds how fast concurrent GEMM tiles can share their operand panels.
  core::Json hardware = base;
  bool launch_measured = false;
  if ((fit_time || transferring) && !set.ceilings.empty()) {
    const MeasuredCeilings& c = set.ceilings.front();
    const double channels = read_number(base, "/memory/channels", 0);
    if (channels > 0 && base.contains(core::Json::json_pointer("/memory/channel_bandwidth_GBps"))) {
      const double per_channel = c.hbm_copy_GBps / channels;
      result.parameters.push_back({"/memory/channel_bandwidth_GBps", "both", "measured",
                                   read_number(base, "/memory/channel_bandwidth_GBps", 0), per_channel,
                                   "HBM copy micro-benchmark bandwidth over the memory channels"});
      hardware["memory"]["channel_bandwidth_GBps"] = per_channel;
    }
    if (c.l2_read_GBps > 0 && base.contains(core::Json::json_pointer("/l2/bandwidth_GBps"))) {
      result.parameters.push_back({"/l2/bandwidth_GBps", "simulator", "measured",
                                   read_number(base, "/l2/bandwidth_GBps", 0), c.l2_read_GBps,
                                   "L2 read micro-benchmark bandwidth (every SM loading from the L2)"});
      hardware["l2"]["bandwidth_GBps"] = c.l2_read_GBps;
    }
    // The GPU's own gap between kernels, as a graph-launched forward pass sees it; what a kernel timed alone pays
    // beyond it is its family's per-kernel cost.
    if (c.graph_launch_us > 0) {
      result.parameters.push_back({"/kernel_launch_us", "both", "measured", read_number(base, "/kernel_launch_us", 0),
                                   c.graph_launch_us, "graph launch micro-benchmark: gap per graph-launched kernel"});
      hardware["kernel_launch_us"] = c.graph_launch_us;
      launch_measured = true;
    }
  }

  if (transferring) transfer_time_figures(options, launch_measured, hardware, result);

  // The simulator's free parameters.
  const FamilyCounts family_records = records_per_family(train_points);
  for (const std::string& family : options.families) {
    const std::optional<std::size_t> f = models::kernel_family_index(family);
    if (!f || !fitted_family(*f))
      errors.add("--families", "", "'" + family + "' is not a kernel family that calibrate fits");
    else if (family_records[*f] == 0)
      errors.add("--families", "", "'" + family + "' has no training record among the measured files");
  }
  errors.throw_if_any();
  const std::vector<SimulatorKnob> knobs =
      fit_time ? simulator_knobs(hardware, family_records, launch_measured, options.families)
               : std::vector<SimulatorKnob>{};
  LeastSquaresProblem sim_problem;
  for (const SimulatorKnob& knob : knobs) {
    sim_problem.initial.push_back(knob.initial);
    sim_problem.lower.push_back(knob.lower);
    sim_problem.upper.push_back(knob.upper);
  }
  sim_problem.measured = train_ms;
  sim_problem.max_iterations = options.max_iterations;
  // Several resident units per core make a small kernel's makespan jump by a few percent with the order its units
  // finish in: differences over 10% steps see the trend through those jumps.
  sim_problem.difference_step = 0.1;
  auto with_knobs = [&](const std::vector<double>& values) {
    core::Json h = hardware;
    for (std::size_t j = 0; j < values.size(); ++j) apply_knob(h, knobs[j], values[j]);
    return h;
  };
  sim_problem.predict = [&](const std::vector<double>& values) {
    return simulate_points_ms(with_knobs(values), train_points);
  };
  const LeastSquaresResult sim_fit = knobs.empty() ? LeastSquaresResult{} : fit_least_squares(sim_problem);
  result.simulator_evaluations = sim_fit.evaluations;
  core::Json calibrated = with_knobs(sim_fit.parameters);
  for (std::size_t j = 0; j < sim_fit.parameters.size(); ++j) {
    const SimulatorKnob& knob = knobs[j];
    result.parameters.push_back(
        {knob.key, knob.model, "fitted", sim_problem.initial[j], sim_fit.parameters[j], knob.meaning});
  }

  // The analytical model's free parameter, with the launch cost and memory efficiency settled above.
  if (fit_time || (options.fit_analytical && !transferring)) {
    // A refit starts from the machine's one efficiency: families' own from an earlier fit would skew it. Fitting
    // named families only, the machine's efficiency and the other families' stay as they are.
    if (calibrated.contains("kernel_families") && calibrated["kernel_families"].is_object())
      for (auto& [family, figures] : calibrated["kernel_families"].items())
        if (figures.is_object() && fits_family(options.families, family)) figures.erase("analytical_matrix_efficiency");
    if (options.families.empty()) fit_matrix_efficiency(base, calibrated, train_points, train_ms, result);
    fit_family_efficiencies(base, calibrated, train_points, train_ms, result, options.families);
  }
  if (fit_energy)
    for (CalibratedParameter& p : fit_energy_figures(calibrated, train_points)) result.parameters.push_back(p);

  // Every point under the preset as shipped and as calibrated.
  const std::vector<double> sim_before = simulate_points_ms(base, points);
  const std::vector<PointPrediction> sim_after_run = simulate_points(calibrated, points);
  const std::vector<double> ana_before = analytical_points_ms(base, points);
  const std::vector<PointPrediction> ana_after_run = analytical_points(calibrated, points);
  std::vector<double> sim_after, ana_after;
  for (std::size_t i = 0; i < points.size(); ++i) {
    sim_after.push_back(sim_after_run[i].time_ms);
    ana_after.push_back(ana_after_run[i].time_ms);
    result.points.push_back({points[i],
                             !training[i],
                             sim_before[i],
                             sim_after[i],
                             ana_before[i],
                             ana_after[i],
                             sim_after_run[i].energy_J(),
                             ana_after_run[i].energy_J(),
                             {},
                             {}});
  }
  add_sustained_runs(calibrated, result.points, sim_after_run, ana_after_run);

  // The preset file: citations for what changed, and where it came from. A preset calibrated before keeps its name
  // and its earlier fit's provenance where this run leaves those figures alone.
  const bool recalibrating = base.contains("calibration");
  if (transferring) {
    calibrated["name"] = preset_name + "-transferred";
    calibrated["description"] =
        base.value("description", preset_name) + ", with the time figures calibrated in " + options.transfer_from;
  } else if (!recalibrating) {
    calibrated["name"] = preset_name + "-calibrated";
    calibrated["description"] = base.value("description", preset_name) + ", calibrated against GPU measurements";
  }
  const std::string basis = "calibrated by cascadesim calibrate against " + std::to_string(train_points.size()) +
                            " training points (" + result.split_rule + ")";
  for (const CalibratedParameter& p : result.parameters) {
    const std::string top = p.key.substr(1, p.key.find('/', 1) - 1);
    const std::string how = p.how == "fitted"        ? " fitted, " + basis
                            : p.how == "transferred" ? " as calibrated in " + options.transfer_from
                                                     : " measured";
    append_source(calibrated, top, p.key + ": " + format_value(p.after) + how);
  }
  core::Json parameters = core::Json::array();
  for (const CalibratedParameter& p : result.parameters)
    parameters.push_back({{"key", p.key},
                          {"model", p.model},
                          {"how", p.how},
                          {"before", p.before},
                          {"after", p.after},
                          {"meaning", p.meaning}});
  std::vector<double> measured_ms, sim_b, sim_a, ana_b, ana_a;
  std::vector<bool> held(points.size()), train(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    measured_ms.push_back(points[i].time_ms);
    held[i] = !training[i];
    train[i] = training[i];
  }
  auto error_json = [&](const std::vector<double>& predicted, const std::vector<bool>& select) {
    const ErrorSummary s = summarize_errors(predicted, measured_ms, select);
    return core::Json{{"points", s.count}, {"median_ape", s.median_ape}, {"max_ape", s.max_ape}};
  };
  auto split_errors = [&](const std::vector<double>& predicted) {
    return core::Json{{"training", error_json(predicted, train)}, {"held_out", error_json(predicted, held)}};
  };
  const core::Json kernel_time_errors = {{"simulator_before", split_errors(sim_before)},
                                         {"simulator_after", split_errors(sim_after)},
                                         {"analytical_before", split_errors(ana_before)},
                                         {"analytical_after", split_errors(ana_after)}};
  // Measured energy per run under sustained load against the simulator's sustained run, where records carry it.
  std::vector<double> measured_J, sim_J;
  std::vector<bool> energy_train(points.size()), energy_held(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const bool has = std::isfinite(points[i].energy_J) && std::isfinite(result.points[i].simulated_after_J);
    measured_J.push_back(has ? points[i].energy_J : 1.0);
    sim_J.push_back(has ? result.points[i].simulated_sustained.energy_J : 1.0);
    energy_train[i] = has && training[i];
    energy_held[i] = has && !training[i];
  }
  auto energy_error_json = [&](const std::vector<bool>& select) {
    const ErrorSummary s = summarize_errors(sim_J, measured_J, select);
    return core::Json{{"points", s.count}, {"median_ape", s.median_ape}, {"max_ape", s.max_ape}};
  };
  const core::Json energy_provenance = {
      {"measurements", set.files},
      {"commit", options.commit},
      {"simulator_sustained_energy_errors",
       {{"training", energy_error_json(energy_train)}, {"held_out", energy_error_json(energy_held)}}}};
  const bool family_refit = fit_time && !options.families.empty();
  if ((!fit_time || family_refit) && !transferring && recalibrating) {
    core::Json provenance = base.at("calibration");
    core::Json& earlier = provenance["parameters"];
    for (const core::Json& p : parameters) {
      auto same_key = [&](const core::Json& e) { return e.value("key", "") == p.at("key"); };
      const auto at = std::find_if(earlier.begin(), earlier.end(), same_key);
      if (at != earlier.end())
        *at = p;
      else
        earlier.push_back(p);
    }
    if (fit_energy) provenance["energy_fit"] = energy_provenance;
    // A refit of the analytical efficiency alone: its errors now, and the commit whose closed forms it fits
    // ("analytical_before" stays the shipped preset's, which this preset's base_preset names).
    if (options.fit_analytical) {
      provenance["kernel_time_errors"]["analytical_after"] = kernel_time_errors.at("analytical_after");
      provenance["analytical_fit_commit"] = options.commit;
    }
    // A refit of named families: their records, split and errors beside the earlier fit's, which still stand for
    // every other figure.
    if (family_refit) {
      const core::Json families = family_provenance(family_records);
      for (const std::string& family : options.families) provenance["kernel_families"][family] = families.at(family);
      provenance["family_fits"].push_back({{"families", options.families},
                                           {"measurements", set.files},
                                           {"commit", options.commit},
                                           {"split", result.split_rule},
                                           {"training_points", train_points.size()},
                                           {"held_out_points", points.size() - train_points.size()},
                                           {"kernel_time_errors", kernel_time_errors}});
    }
    calibrated["calibration"] = provenance;
    result.calibrated_preset = std::move(calibrated);
    return result;
  }
  // A full refit of a calibrated preset still names the preset the first fit started from.
  const std::string base_preset =
      recalibrating ? base.at("calibration").value("base_preset", preset_name) : preset_name;
  calibrated["calibration"] = {{"energy_fit", energy_provenance},
                               {"base_preset", base_preset},
                               {"measurements", set.files},
                               {"commit", options.commit},
                               {"split", result.split_rule},
                               {"training_points", train_points.size()},
                               {"held_out_points", points.size() - train_points.size()},
                               {"parameters", parameters},
                               {"kernel_families", family_provenance(family_records)},
                               {"kernel_time_errors", kernel_time_errors}};
  if (transferring) calibrated["calibration"]["transferred_from"] = options.transfer_from;
  result.calibrated_preset = std::move(calibrated);
  return result;
}

std::vector<SpeedupPair> speedup_pairs(const std::vector<PointResult>& points) {
  auto same_shape = [](const MeasuredPoint& a, const MeasuredPoint& b) {
    return a.batch == b.batch && a.seq_len == b.seq_len && a.heads == b.heads && a.head_dim == b.head_dim &&
           a.tile_q == b.tile_q && a.tile_k == b.tile_k && a.causal == b.causal &&
           a.implementation == b.implementation && a.model == b.model;
  };
  auto all_dense = [](const std::string& schedule) {
    try {
      const models::LayerSchedule s = models::parse_layer_schedule(schedule);
      return s.counts().dense == s.counts().total();
    } catch (const models::ScheduleError&) {
      return false;
    }
  };
  auto depth = [](const std::string& schedule) { return models::parse_layer_schedule(schedule).layers.size(); };
  std::vector<SpeedupPair> pairs;
  for (std::size_t v = 0; v < points.size(); ++v) {
    const MeasuredPoint& variant = points[v].point;
    for (std::size_t b = 0; b < points.size(); ++b) {
      const MeasuredPoint& base = points[b].point;
      if (b == v || !same_shape(base, variant)) continue;
      const bool kernel_pair = (variant.kernel == "sparse" || variant.kernel == "cascade") && base.kernel == "dense";
      const bool stack_pair = variant.kernel == "stack" && base.kernel == "stack" && !all_dense(variant.schedule) &&
                              all_dense(base.schedule) && depth(base.schedule) == depth(variant.schedule);
      if (kernel_pair || stack_pair) {
        pairs.push_back({b, v});
        break;
      }
    }
  }
  return pairs;
}

}  // namespace cascadesim::sim
