// report_sample DIR: writes a small report (two plots, one table) into DIR, for the headless-Chromium test
// (render_in_chromium.sh). Exit 0 on success, 1 when writing fails, 2 on bad usage.
#include <exception>
#include <iostream>

#include "reports/render/report_document.hpp"

namespace {

using cascadesim::reports::Plot;
using cascadesim::reports::ReportDocument;
using cascadesim::reports::Section;
using cascadesim::reports::Series;
using cascadesim::reports::Table;

ReportDocument sample_report() {
  Plot predicted;
  predicted.id = "predicted_vs_measured";
  predicted.title = "Predicted vs measured kernel time";
  predicted.x_label = "measured (us)";
  predicted.y_label = "predicted (us)";
  predicted.log_x = predicted.log_y = true;
  predicted.identity_line = true;
  predicted.band_fraction = 0.10;
  predicted.series = {
      {"dense", {12, 48, 190, 760, 3050}, {13, 45, 200, 730, 3300}, Series::Style::points},
      {"top-k sparse", {8, 21, 66, 240, 910}, {7.5, 24, 61, 255, 880}, Series::Style::points},
  };

  Plot speedup;
  speedup.id = "speedup_vs_seq_len";
  speedup.title = "Attention speedup over dense";
  speedup.x_label = "sequence length (tokens)";
  speedup.y_label = "speedup (x)";
  speedup.log_x = true;
  speedup.series = {
      {"predicted", {2048, 4096, 8192, 16384, 32768}, {1.4, 2.1, 3.0, 3.9, 4.6}, Series::Style::line_points},
      {"measured", {2048, 4096, 8192, 16384, 32768}, {1.2, 1.9, 2.8, 3.6, 4.1}, Series::Style::line_points},
  };

  Table table;
  table.title = "Kernel times at 32K tokens";
  table.header = {"case", "measured (us)", "predicted (us)", "error"};
  table.rows = {{"dense", "3050", "3300", "+8.2%"}, {"top-k sparse", "910", "880", "-3.3%"}};

  Section section;
  section.title = "Kernels";
  section.paragraphs = {"Predictions within the shaded band are within 10% of the measurement (error < 10%)."};
  section.tables = {table};
  section.plots = {predicted, speedup};

  ReportDocument report;
  report.title = "cascadesim sample report";
  report.preamble = {"A fixed sample for the renderer tests; the numbers are made up."};
  report.sections = {section};
  return report;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: report_sample DIR\n";
    return 2;
  }
  try {
    cascadesim::reports::write_report(sample_report(), argv[1]);
  } catch (const std::exception& error) {
    std::cerr << "report_sample: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
