// The extension module cascadesim._cascadesim: a thin layer over the library functions the commands call (sim/cli),
// wrapped by the package in python/cascadesim/. Results are the objects the commands print with --json, as Python
// objects. Whatever runs SystemC (simulate, sweeps, calibrate, report) runs in a forked copy of the interpreter
// (sim/process/forked_call.hpp), as the sweep runs its workers, with the GIL released while it waits.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "reports/render/report_document.hpp"
#include "sim/cli/calibrate_command.hpp"
#include "sim/cli/describe_command.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/cli/report_command.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/cli/sweep_command.hpp"
#include "sim/process/forked_call.hpp"

namespace py = pybind11;

namespace {

using namespace cascadesim;
using sim::process::ForkedCall;
using sim::process::Message;
using sim::process::Outbox;

// The kinds of message a forked call sends back (sim::process reserves 'E' and 'Z').
constexpr char result_kind = 'R';    // the call's result, JSON text
constexpr char rows_kind = 'W';      // a sweep's points.jsonl lines, once written
constexpr char progress_kind = 'P';  // a sweep's progress text
constexpr char summary_kind = 'S';   // a sweep's summary, JSON text

py::object to_python(const core::Json& j) {
  switch (j.type()) {
    case core::Json::value_t::null:
      return py::none();
    case core::Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case core::Json::value_t::number_integer:
      return py::reinterpret_steal<py::object>(PyLong_FromLongLong(j.get<std::int64_t>()));
    case core::Json::value_t::number_unsigned:
      return py::reinterpret_steal<py::object>(PyLong_FromUnsignedLongLong(j.get<std::uint64_t>()));
    case core::Json::value_t::number_float:
      return py::reinterpret_steal<py::object>(PyFloat_FromDouble(j.get<double>()));
    case core::Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      return py::reinterpret_steal<py::object>(
          PyUnicode_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size())));
    }
    case core::Json::value_t::array: {
      py::list list(j.size());
      Py_ssize_t i = 0;
      for (const core::Json& e : j) PyList_SET_ITEM(list.ptr(), i++, to_python(e).release().ptr());
      return list;
    }
    case core::Json::value_t::object: {
      py::dict dict;
      for (const auto& [key, value] : j.items()) {
        const py::object k = py::reinterpret_steal<py::object>(
            PyUnicode_FromStringAndSize(key.data(), static_cast<Py_ssize_t>(key.size())));
        if (PyDict_SetItem(dict.ptr(), k.ptr(), to_python(value).ptr()) != 0) throw py::error_already_set();
      }
      return dict;
    }
    default:
      throw std::runtime_error("a result holds a JSON value that has no Python form");
  }
}

// Waits for a forked call's next message with the GIL released, looking at Python's signals between waits so that
// Ctrl-C (KeyboardInterrupt) stops the child. False once the call has ended.
bool next_message(ForkedCall& call, Message& message) {
  for (;;) {
    bool got;
    {
      py::gil_scoped_release release;
      got = call.next(message, 100);
    }
    if (got) return true;
    if (call.finished()) return false;
    if (PyErr_CheckSignals() != 0) {
      call.stop();
      throw py::error_already_set();
    }
  }
}

// Runs work in a forked process and returns the JSON it produced, as Python objects.
py::object forked_json(const std::function<core::Json()>& work) {
  ForkedCall call([&](Outbox& out) { out.send(result_kind, work().dump()); });
  Message m;
  std::optional<std::string> result;
  while (next_message(call, m))
    if (m.kind == result_kind) result = std::move(m.bytes);
  if (!result) throw std::runtime_error("the worker process sent no result");
  return to_python(core::Json::parse(*result));
}

// A study loaded once, predicted and simulated as often as asked.
struct Study {
  std::shared_ptr<const sim::LoadedStudy> loaded;
};

sim::LoadOptions load_options(const std::string& hardware, const std::vector<std::string>& config_dirs) {
  sim::LoadOptions o;
  o.hardware_preset = hardware;
  o.config_dirs = config_dirs;
  return o;
}

Study load_study_file(const std::string& path, const std::string& hardware,
                      const std::vector<std::string>& config_dirs) {
  py::gil_scoped_release release;
  return Study{std::make_shared<const sim::LoadedStudy>(
      sim::load_study(sim::study_path_or_default(path), load_options(hardware, config_dirs)))};
}

Study load_study_text(const std::string& text, const std::string& label, const std::string& hardware,
                      const std::vector<std::string>& config_dirs) {
  py::gil_scoped_release release;
  return Study{
      std::make_shared<const sim::LoadedStudy>(sim::load_study_text(text, label, load_options(hardware, config_dirs)))};
}

models::Accounting accounting_named(const std::string& name) {
  if (name == "exact") return models::Accounting::exact;
  if (name == "seed") return models::Accounting::seed;
  throw py::value_error("accounting must be 'seed' or 'exact' (got '" + name + "')");
}

py::object predict(const Study& study, const std::string& accounting) {
  const models::Accounting a = accounting_named(accounting);
  core::Json result;
  {
    py::gil_scoped_release release;
    result = sim::predict_json(*study.loaded, a);
  }
  return to_python(result);
}

py::object simulate(const Study& study, const std::string& trace_path, bool every_layer) {
  sim::SimulateOptions options;
  options.trace_path = trace_path;
  options.every_layer = every_layer;
  return forked_json([&] { return sim::simulate_command_result(*study.loaded, options).json; });
}

// Collects what a stream is given and sends it as one message on each flush (sweep::Progress flushes per line).
class MessageBuffer final : public std::streambuf {
 public:
  MessageBuffer(Outbox& out, char kind) : out_(out), kind_(kind) {}

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) pending_ += traits_type::to_char_type(c);
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    pending_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int sync() override {
    if (!pending_.empty()) out_.send(kind_, pending_);
    pending_.clear();
    return 0;
  }

 private:
  Outbox& out_;
  char kind_;
  std::string pending_;
};

// A sweep running in a forked process: its rows, progress and summary as they come.
class SweepRun {
 public:
  SweepRun(const std::string& spec_path, const std::string& spec_text, const std::string& label,
           const std::string& out_dir, unsigned jobs, bool resume, const std::vector<std::string>& config_dirs,
           bool terminal) {
    options_.spec_path = spec_path;
    options_.out_dir = out_dir;
    options_.threads = jobs;
    options_.resume = resume;
    options_.load.config_dirs = config_dirs;
    {
      // Every problem in the spec is raised here, before anything runs.
      py::gil_scoped_release release;
      spec_.emplace(spec_text.empty() ? sim::sweep::load_sweep_spec(spec_path, options_.load)
                                      : sim::sweep::load_sweep_spec_text(spec_text, label, options_.load));
    }
    call_.emplace([this, terminal](Outbox& out) {
      MessageBuffer progress_buffer(out, progress_kind);
      std::ostream progress_stream(&progress_buffer);
      sim::sweep::Progress progress(progress_stream, terminal);
      const sim::sweep::SweepSummary summary = sim::run_sweep_in_process(
          *spec_, options_, progress, [&out](std::string_view lines) { out.send(rows_kind, lines); });
      out.send(summary_kind, sim::sweep_summary_json(*spec_, summary, options_.out_dir).dump());
    });
  }

  // ("rows", text) | ("progress", text) | ("summary", dict), or None once the sweep has ended.
  py::object next() {
    Message m;
    if (!call_ || !next_message(*call_, m)) return py::none();
    switch (m.kind) {
      case rows_kind:
        return py::make_tuple("rows", py::str(m.bytes));
      case progress_kind:
        return py::make_tuple("progress", py::str(m.bytes));
      case summary_kind:
        return py::make_tuple("summary", to_python(core::Json::parse(m.bytes)));
      default:
        throw std::runtime_error("a sweep worker sent a message of unknown kind");
    }
  }

  // Ends the sweep's process where it is; the folder can be resumed.
  void stop() {
    if (call_) call_->stop();
  }

 private:
  sim::SweepOptions options_;
  std::optional<sim::sweep::SweepSpec> spec_;
  std::optional<ForkedCall> call_;
};

core::Json table_json(const reports::Table& table) {
  core::Json rows = core::Json::array();
  for (const std::vector<std::string>& row : table.rows) {
    core::Json r = core::Json::object();
    for (std::size_t i = 0; i < row.size() && i < table.header.size(); ++i) r[table.header[i]] = row[i];
    rows.push_back(r);
  }
  return rows;
}

py::object calibrate(const std::string& hardware, const std::vector<std::string>& measured, const std::string& out,
                     int max_iterations, const std::string& commit, const std::vector<std::string>& config_dirs) {
  sim::CalibrateCommandOptions options;
  options.calibrate.hardware_preset = hardware;
  options.calibrate.measured_paths = measured;
  options.calibrate.max_iterations = max_iterations;
  options.calibrate.commit = commit;
  options.calibrate.config_dirs = config_dirs;
  options.out_path = out;
  return forked_json([&] {
    // The preset carries its provenance: parameters before and after, the split, the errors per model.
    const sim::CalibrationResult r = sim::calibrate_to_file(options);
    return core::Json{{"preset", r.calibrated_preset},
                      {"simulator_evaluations", r.simulator_evaluations},
                      {"errors", table_json(sim::error_table(r.points))},
                      {"out", out}};
  });
}

py::object report(const std::vector<std::string>& measured, const std::string& hardware,
                  const std::string& base_hardware, const std::string& study, const std::string& out,
                  bool simulate_study, const std::vector<std::string>& config_dirs) {
  sim::ReportOptions options;
  options.measured_paths = measured;
  options.hardware = hardware;
  options.base_hardware = base_hardware;
  options.study_path = study;
  options.out_dir = out;
  options.simulate_study = simulate_study;
  options.config_dirs = config_dirs;
  return forked_json([&] {
    const sim::ReportInputs in = sim::write_calibration_report_files(options);
    return core::Json{{"out_dir", out},
                      {"split_rule", in.split_rule},
                      {"measured_files", in.measured_files},
                      {"errors", table_json(sim::error_table(in.points))},
                      {"errors_by_kernel", table_json(sim::error_by_kernel_table(in.points))}};
  });
}

py::object report_sweep(const std::string& sweep_dir, const std::string& out) {
  core::Json result;
  {
    py::gil_scoped_release release;
    const sim::sweep::SweepReport r = sim::write_sweep_report_files(sweep_dir, out);
    result = {{"sweep", r.name},
              {"out_dir", out},
              {"points", r.points},
              {"rows", r.rows},
              {"ok", r.ok},
              {"invalid", r.invalid},
              {"excluded", r.excluded},
              {"pareto_indices", r.pareto_indices},
              {"axis_plots", r.axis_plots},
              {"axis_plots_left_out", r.axis_plots_left_out}};
  }
  return to_python(result);
}

// Raises the package's ConfigError (python/cascadesim/_errors.py) with every issue, or its OutputError.
void translate_exceptions(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const core::ConfigError& e) {
    py::list issues;
    for (const core::ConfigIssue& i : e.issues()) issues.append(py::make_tuple(i.file, i.pointer, i.message));
    const py::object type = py::module_::import("cascadesim._errors").attr("ConfigError");
    PyErr_SetObject(type.ptr(), type(e.what(), issues).ptr());
  } catch (const core::OutputError& e) {
    const py::object type = py::module_::import("cascadesim._errors").attr("OutputError");
    PyErr_SetObject(type.ptr(), type(e.what()).ptr());
  }
}

}  // namespace

PYBIND11_MODULE(_cascadesim, m) {
  m.doc() = "cascadesim's library: load, predict, simulate, sweep, calibrate, report (use the cascadesim package)";
  py::register_exception_translator(&translate_exceptions);

  py::class_<Study>(m, "Study")
      .def_property_readonly("name", [](const Study& s) { return s.loaded->study.name; })
      .def_property_readonly("files", [](const Study& s) { return s.loaded->files; })
      .def_property_readonly("config", [](const Study& s) { return to_python(sim::study_to_json(s.loaded->study)); })
      .def("predict", &predict, py::arg("accounting"))
      .def("simulate", &simulate, py::arg("trace"), py::arg("every_layer"));
  m.def("load_study_file", &load_study_file, py::arg("path"), py::arg("hardware"), py::arg("config_dirs"));
  m.def("load_study_text", &load_study_text, py::arg("text"), py::arg("label"), py::arg("hardware"),
        py::arg("config_dirs"));
  m.def("describe", [] { return to_python(sim::describe_json()); });
  m.def("study_schema", [] { return to_python(sim::study_json_schema()); });

  py::class_<SweepRun>(m, "SweepRun")
      .def(py::init<const std::string&, const std::string&, const std::string&, const std::string&, unsigned, bool,
                    const std::vector<std::string>&, bool>(),
           py::arg("spec_path"), py::arg("spec_text"), py::arg("label"), py::arg("out_dir"), py::arg("jobs"),
           py::arg("resume"), py::arg("config_dirs"), py::arg("terminal"))
      .def("next", &SweepRun::next)
      .def("stop", &SweepRun::stop);

  m.def("calibrate", &calibrate, py::arg("hardware"), py::arg("measured"), py::arg("out"), py::arg("max_iterations"),
        py::arg("commit"), py::arg("config_dirs"));
  m.def("report", &report, py::arg("measured"), py::arg("hardware"), py::arg("base_hardware"), py::arg("study"),
        py::arg("out"), py::arg("simulate_study"), py::arg("config_dirs"));
  m.def("report_sweep", &report_sweep, py::arg("sweep_dir"), py::arg("out"));
}
