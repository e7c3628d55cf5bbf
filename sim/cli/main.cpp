// The cascadesim executable: picks the subcommand; bad input exits 2 with one line per problem.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "sim/cli/calibrate_command.hpp"
#include "sim/cli/describe_command.hpp"
#include "sim/cli/import_model_command.hpp"
#include "sim/cli/predict_command.hpp"
#include "sim/cli/report_command.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/cli/sweep_command.hpp"
#include "sim/cli/validate_command.hpp"
#include "validation/host/case_spec.hpp"

namespace {

const char* const usage =
    "usage: cascadesim <command> [options]\n"
    "\n"
    "commands:\n"
    "  predict   analytical prediction for a study (tiles, attention fraction, Amdahl, roofline)\n"
    "  simulate  replay the study's dataflow and the dense baseline on the hardware models\n"
    "  sweep     design-space exploration: every point of a sweep spec, streamed to CSV/JSONL, Pareto front\n"
    "  describe  every config parameter and hardware component, with units, bounds and statistics\n"
    "  calibrate fit a hardware preset to GPU measurements (simulator and analytical model)\n"
    "  report    predicted against measured before and after calibration: HTML, Markdown, SVG plots, CSV\n"
    "  validate  GPU timing cases from a study, and the CUDA kernels' checks and measurements\n"
    "  import-model  a Hugging Face config.json as a model preset (LLaMA, Qwen, Mistral, Mixtral, DeepSeek)\n"
    "\n"
    "cascadesim <command> --help shows a command's options.\n";

// Runs one command; the exit code: 0, or 2 for bad input, an output that cannot be written or memory that ran out.
int run_command(const std::string& command, const std::vector<std::string>& args) {
  using namespace cascadesim::sim;
  try {
    const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                      std::find(args.begin(), args.end(), "-h") != args.end();
    if (command == "predict") {
      if (help)
        std::cout << predict_usage;
      else
        run_predict(parse_predict_args(args), std::cout);
      return 0;
    }
    if (command == "simulate") {
      if (help)
        std::cout << simulate_usage;
      else
        run_simulate(parse_simulate_args(args), std::cout);
      return 0;
    }
    if (command == "sweep") {
      if (help)
        std::cout << sweep_usage;
      else
        run_sweep_command(parse_sweep_args(args), std::cout);
      return 0;
    }
    if (command == "describe") {
      if (help)
        std::cout << describe_usage;
      else
        run_describe(parse_describe_args(args), std::cout);
      return 0;
    }
    if (command == "calibrate") {
      if (help)
        std::cout << calibrate_usage;
      else
        run_calibrate(parse_calibrate_args(args), std::cout);
      return 0;
    }
    if (command == "report") {
      if (help)
        std::cout << report_usage;
      else
        run_report(parse_report_args(args), std::cout);
      return 0;
    }
    if (command == "import-model") {
      if (help)
        std::cout << import_model_usage;
      else
        run_import_model(parse_import_model_args(args), std::cout);
      return 0;
    }
    if (command == "validate") {
      if (help)
        std::cout << validate_usage;
      else
        run_validate(parse_validate_args(args), std::cout);
      return 0;
    }
    std::cerr << "cascadesim: unknown command '" << command << "'\n" << usage;
    return 2;
  } catch (const QuietExit& e) {
    return e.code;
  } catch (const UsageError& e) {
    std::cerr << "cascadesim " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const cascadesim::validation::CaseError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const cascadesim::core::OutputError& e) {
    std::cerr << "cascadesim " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const cascadesim::core::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "cascadesim " << command << ": out of memory: the input asks for more than this machine can hold\n";
    return 2;
  } catch (const std::length_error&) {
    std::cerr << "cascadesim " << command << ": out of memory: the input asks for a larger array than can exist\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cascadesim " << command << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  int code = run_command(command, args);
  // A result printed to a full disk or a closed pipe is not a result: the command fails, naming standard output.
  errno = 0;
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0) {
    std::cerr << "cascadesim " << command << ": writing to standard output failed"
              << (errno ? std::string(": ") + std::strerror(errno) : std::string()) << "\n";
    code = 2;
  }
  return code;
}
