// Running a study on the simulated machine: both stacks, the cascade stage by stage, the early exits.
#include "sim/engine/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "hw/system/system.hpp"
#include "models/cascade.hpp"
#include "models/dataflow/layer.hpp"
#include "sim/engine/work_estimate.hpp"

namespace cascadesim::sim {

using models::dataflow::Kernel;

std::vector<std::string> unfitted_families(const Simulation& s) {
  const auto& families = s.loaded.study.hardware.kernel_families;
  const bool fitted_any = std::any_of(families.begin(), families.end(), [](const models::KernelFamilyFigures& f) {
    return f != models::KernelFamilyFigures{};
  });
  std::vector<bool> used(families.size(), false);
  for (const RunResult* r : {&s.dense, &s.schedule})
    for (const KernelRecord& k : r->kernels) used[k.family] = true;
  std::vector<std::string> out;
  for (std::size_t f = 0; fitted_any && f < families.size(); ++f)
    if (used[f] && families[f] == models::KernelFamilyFigures{}) out.emplace_back(models::kernel_family_names[f]);
  return out;
}

double matrix_utilization(const RunResult& r) {
  return r.time_ns > 0 ? r.matrix_macs / (r.peak_macs_per_ns * r.time_ns) : 0.0;
}

double hbm_utilization(const RunResult& r) {
  return r.time_ns > 0 ? r.memory.moved_bytes() / (r.peak_hbm_GBps * r.time_ns) : 0.0;
}

namespace {

RunOptions run_options(const SimulationOptions& options, TraceSink* trace) {
  RunOptions run;
  run.trace = trace;
  run.reuse_repeated_layers = options.reuse_repeated_layers;
  return run;
}

RunResult run_stack(hw::System& system, const models::Study& st, const models::LayerSchedule& schedule,
                    const RunOptions& options) {
  const models::LayerShape shape = models::layer_shape(st.workload);
  return run_kernels(system, models::dataflow::model_kernels(st.model, shape, schedule), options);
}

}  // namespace

namespace {

CascadeSimulation simulate_cascade(hw::System& system, const models::Study& st, double full_ns,
                                   const RunOptions& options) {
  CascadeSimulation c;
  const models::LayerShape full = models::layer_shape(st.workload);
  for (const models::CascadeStagePlan& plan : models::cascade_plan(st.workload)) {
    CascadeSimulation::Stage stage;
    stage.tokens = plan.tokens;
    stage.run_fraction = plan.run_fraction;
    if (stage.run_fraction > 0) {
      // The simulated batch holds whole sequences: the plan's expected members, rounded.
      stage.members = std::max(1.0, std::round(plan.members));
      const models::LayerShape shape = models::stage_shape(full, st.workload.phase, stage.tokens, stage.members);
      std::vector<Kernel> kernels = models::dataflow::model_kernels(st.model, shape, st.workload.schedule);
      if (plan.decides)
        kernels.push_back(models::dataflow::stop_decision_kernel(st.model, st.workload, stage.members, stage.tokens));
      const RunResult run = run_kernels(system, kernels, options);
      stage.time_ns = run.time_ns;
      stage.matrix_macs = run.matrix_macs;
      c.expected_time_ns += stage.run_fraction * stage.time_ns;
    }
    c.stages.push_back(stage);
  }
  c.speedup = full_ns / c.expected_time_ns;
  return c;
}

// Each group of decode steps replayed once (models::decode_step_groups), as predict_decode evaluates it.
models::DecodeRun simulate_decode(hw::System& system, const models::Study& st, const RunOptions& options) {
  models::DecodeRun run;
  run.tokens = static_cast<double>(st.workload.decode->steps * st.workload.batch);
  for (const bool dense : {false, true}) {
    for (const models::DecodeStepGroup& g : models::decode_step_groups(st, dense)) {
      const models::LayerSchedule schedule = models::decode_step_schedule(st, g, dense);
      const models::LayerShape shape = models::decode_step_shape(st, g, dense);
      const RunResult r = run_kernels(system, models::dataflow::stack_kernels(st.model, shape, schedule), options);
      run.add(models::DecodeGroupResult{g, r.time_ns * 1e-9, r.memory.moved_bytes(), r.host.moved_bytes()}, dense);
    }
  }
  return run;
}

EarlyExitSimulation simulate_early_exit(hw::System& system, const models::Study& st, const RunResult& run) {
  const models::EarlyExitSpec& spec = *st.workload.early_exit;
  // Time up to the end of each layer, from the scheduled run (launch gaps included).
  std::vector<double> layer_end(static_cast<std::size_t>(st.model.n_layers), 0.0);
  for (const KernelRecord& k : run.kernels)
    if (k.layer >= 0 && k.layer < st.model.n_layers)
      layer_end[static_cast<std::size_t>(k.layer)] = std::max(layer_end[static_cast<std::size_t>(k.layer)], k.end_ns);
  double head_ns = 0;
  if (spec.exit_head_flops_per_token > 0)
    head_ns = run_kernels(system,
                          {models::dataflow::exit_head_kernel(st.model, st.workload, models::layer_shape(st.workload))},
                          RunOptions{})
                  .time_ns;
  EarlyExitSimulation e;
  double ramps = 0;
  for (const models::EarlyExitPoint& p : spec.exits) {
    ramps += 1;
    e.expected_time_ns += p.fraction * (layer_end[static_cast<std::size_t>(p.after_layer - 1)] + ramps * head_ns);
  }
  e.speedup = run.time_ns / e.expected_time_ns;
  return e;
}

}  // namespace

Simulation simulate_study(const std::string& study_path, const LoadOptions& load, const SimulationOptions& options) {
  return simulate_loaded(study_path.empty()
                             ? load_study(std::string(builtin_prefix) + std::string(default_study_path), load)
                             : load_study(study_path, load),
                         options);
}

void add_simulation_problems(const LoadedStudy& loaded, core::ConfigErrors& errors) {
  const models::Study& st = loaded.study;
  // The scratchpad must hold a Q tile, the fp32 output accumulator and at least one K/V tile.
  const models::LayerShape shape = models::layer_shape(st.workload);
  const auto attention = models::dataflow::dense_attention(st.model, shape, 0);
  if (models::dataflow::pipeline_stages(attention, st.hardware.sram_per_core_bytes, 1) < 1) {
    const double need = static_cast<double>(attention.unit_rows()) *
                            (static_cast<double>(attention.head_dim) * attention.q_element_bytes() +
                             static_cast<double>(attention.v_dim()) * 4.0) +
                        attention.kv_tile_bytes();
    errors.add(loaded.files.front(), "/workload/tile_tokens",
               "a tile of " + std::to_string(st.workload.tile_tokens) + " tokens needs " + core::format_number(need) +
                   " bytes of scratchpad (Q, fp32 O, one K/V tile) but sram_per_core_bytes is " +
                   core::format_number(st.hardware.sram_per_core_bytes));
  }
  // A kernel's thread block must fit one core, or the GPU cannot launch it (the engine would run it regardless).
  const auto& impl = models::dataflow::attention_implementation(attention.implementation);
  if (!impl.runs_as_thread_blocks()) return;
  const models::dataflow::CoreLimits core = st.hardware.core_limits();
  const std::string name(models::dataflow::attention_implementation_names[attention.implementation]);
  const std::string block = name + "'s thread block (tile " + std::to_string(attention.tile_tokens) + ", head_dim " +
                            std::to_string(attention.head_dim) + ") needs ";
  const double shared = impl.shared_bytes(attention.unit_rows(), attention.tile_tokens, attention.head_dim,
                                          attention.q_element_bytes(), attention.kv_element_bytes());
  if (core.shared_bytes > 0 && shared > core.shared_bytes)
    errors.add(loaded.files.front(), "/workload/attention_implementation",
               block + core::format_number(shared) + " bytes of shared memory but sram_per_core_bytes is " +
                   core::format_number(core.shared_bytes));
  const std::int64_t registers = impl.registers(attention.unit_rows(), attention.head_dim);
  if (core.registers > 0 && registers > core.registers)
    errors.add(
        loaded.files.front(), "/workload/attention_implementation",
        block + std::to_string(registers) + " registers but registers_per_core is " + std::to_string(core.registers));
  const std::int64_t threads = impl.threads(attention.unit_rows());
  if (core.threads > 0 && threads > core.threads)
    errors.add(loaded.files.front(), "/workload/attention_implementation",
               block + std::to_string(threads) + " threads but threads_per_core is " + std::to_string(core.threads));
}

std::string sustained_problem(const models::HardwareSpec& hardware) {
  if (!hardware.power_limit().limited()) return "hardware '" + hardware.name + "' gives no power_limit_W";
  if (!hardware.energy || !hardware.energy->complete())
    return "hardware '" + hardware.name + "' lacks energy figures for a sustained run's power";
  return "";
}

Simulation simulate_loaded(LoadedStudy loaded, const SimulationOptions& options) {
  Simulation s;
  s.loaded = std::move(loaded);
  const models::Study& st = s.loaded.study;
  core::ConfigErrors errors;
  // The work estimate comes before the machine is built: the most cores a preset may declare must not allocate
  // their threads first.
  add_simulation_problems(s.loaded, errors);
  add_work_problems(s.loaded, errors);
  errors.throw_if_any();
  const core::ConfigNode hardware(s.loaded.hardware_layers, errors);
  std::unique_ptr<hw::System> system = hw::System::build(hardware, st.hardware);
  errors.throw_if_any();
  s.prediction = models::predict_both(st);
  const RunOptions untraced = run_options(options, nullptr);
  s.dense = run_stack(*system, st, models::dense_schedule(st.model.n_layers), untraced);
  // An all-dense study's schedule is the baseline: run it again only when it must be traced.
  const bool same_as_dense = st.workload.schedule.layers.empty() && !options.trace;
  s.schedule =
      same_as_dense ? s.dense : run_stack(*system, st, st.workload.schedule, run_options(options, options.trace));
  s.speedup = s.dense.time_ns / s.schedule.time_ns;
  if (st.workload.cascade) s.cascade = simulate_cascade(*system, st, s.schedule.time_ns, untraced);
  if (st.workload.early_exit) s.early_exit = simulate_early_exit(*system, st, s.schedule);
  if (st.workload.decode) s.decode = simulate_decode(*system, st, untraced);
  if (options.sustained) {
    if (const std::string problem = sustained_problem(st.hardware); !problem.empty())
      throw std::invalid_argument(problem);
    models::HardwareSpec slower = st.hardware;
    slower.clock_GHz *= models::probe_clock_scale;
    std::unique_ptr<hw::System> probe_system = hw::System::build(hardware, slower);
    errors.throw_if_any();
    auto settle = [&](const RunResult& reference, const models::LayerSchedule& schedule) {
      const RunResult probe = run_stack(*probe_system, st, schedule, untraced);
      const models::ClockedTime time =
          models::clocked_time(reference.time_ns * 1e-9, probe.time_ns * 1e-9, models::probe_clock_scale);
      return models::sustained_run(st.hardware.power_limit(), st.hardware.clock_GHz, time,
                                   models::run_energy(reference.energy));
    };
    models::SustainedStacks& sustained = s.sustained.emplace();
    sustained.power_limit_W = st.hardware.power_limit_W;
    sustained.dense = settle(s.dense, models::dense_schedule(st.model.n_layers));
    sustained.schedule = same_as_dense ? sustained.dense : settle(s.schedule, st.workload.schedule);
  }
  return s;
}

}  // namespace cascadesim::sim
