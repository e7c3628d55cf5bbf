// `cascadesim report --sweep`: a sweep's folder (sweep.json, points.csv, pareto.csv) as a report: a heat map or a
// line plot per objective and pair of axes, the Pareto front plot and table, the best point per objective.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/render/report_document.hpp"

namespace cascadesim::sim::sweep {

struct SweepReportOptions {
  std::string sweep_dir;
  std::size_t max_axis_plots = 36;        // heat maps and line plots over the axes, all objectives together
  std::size_t max_scatter_points = 4000;  // grey points of the Pareto plot; above this every k-th ok point
  std::size_t max_table_rows = 100;       // rows of the Pareto table
};

struct SweepReport {
  reports::ReportDocument document;
  std::string name;
  std::uint64_t points = 0;  // in the sweep (sweep.json)
  std::uint64_t rows = 0;    // complete rows in points.csv: points 0 .. rows - 1
  std::uint64_t ok = 0, invalid = 0, excluded = 0;
  std::size_t axis_plots = 0;                 // heat maps and line plots drawn
  std::size_t axis_plots_left_out = 0;        // over the limit, or too large to draw
  std::vector<std::uint64_t> pareto_indices;  // the points highlighted as the Pareto front, in index order
  bool pareto_from_file = false;              // read from pareto.csv (else computed from the rows present)
  bool torn_last_line = false;                // points.csv ended in a partly written line, left out
};

// Reads the folder and builds the report. A sweep still running or stopped (fewer rows than points) is reported with
// its missing points shown as not run yet; the Pareto front is then computed from the rows present, else read from
// pareto.csv. Throws ConfigError naming the file (and the JSON pointer, for sweep.json) for a missing folder or
// file, a malformed sweep.json, a CSV header that differs from sweep.json's columns, or a row that is not the point
// sweep.json puts at its index; a partly written last line of points.csv is skipped.
SweepReport build_sweep_report(const SweepReportOptions& options);

// Writes report.html, report.md and plots/*.svg into out_dir (created if missing), each through a temporary file and
// a rename. Throws OutputError naming the file that could not be written.
void write_sweep_report(const SweepReport& report, const std::string& out_dir);

}  // namespace cascadesim::sim::sweep
