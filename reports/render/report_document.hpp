// A report as data (title, paragraphs, tables, plots), and its renderings: one self-contained HTML page, a Markdown
// summary, and one SVG file per plot. Standard library only.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cascadesim::reports {

// One set of points of a plot, drawn in one color and listed in the legend.
struct Series {
  std::string label;
  std::vector<double> x, y;  // same length; a line joins the drawable points in this order
  enum class Style { points, line, line_points } style = Style::points;
  std::string color = "";  // "#rrggbb"; empty: the palette's color for the series' position
};

// What a heat map cell shows: a value on the color scale, or why there is none.
enum class CellState { value, invalid, excluded, missing };

// One axis of a heat map: one cell per entry, in order (the first at the left, or at the bottom).
struct HeatAxis {
  std::vector<std::string> names;  // a label per entry
  // Empty: categorical, equal cells. Otherwise one number per entry, strictly increasing; the cell boundaries lie
  // halfway between neighbours, in log10 units when the plot's log_x (log_y) is set (then every number is > 0).
  std::vector<double> numbers;
};

// A grid of cells colored by value (a sequential, colorblind-safe scale with its legend); cells without a value are
// drawn as their state (invalid: hatched, excluded: light grey, missing: white with a dashed outline) and named in a
// legend, never as a value.
struct HeatMap {
  HeatAxis x, y;
  std::vector<double> values;     // row-major from the bottom row: values[row * x.names.size() + column]
  std::vector<CellState> states;  // empty: every cell is a value; else one per cell
  std::string value_label;        // the color scale's title, e.g. "time_s"
  bool log_values = false;        // color by log10(value); every value cell is then > 0
};

struct Plot {
  std::string id;  // [A-Za-z0-9_.-]+, not starting with '.', e.g. "predicted_vs_measured"; unique in a report
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<Series> series;
  bool identity_line = false;  // draw y = x across the plotted range
  double band_fraction = 0;    // > 0: shade the band y in [x (1 - f), x (1 + f)] around y = x (e.g. 0.10)
  std::string caption = "";    // shown under the plot (HTML figcaption, a Markdown paragraph); may be empty
  // Set: the plot is this heat map (x_label, y_label, log_x and log_y apply to it; series, identity_line and
  // band_fraction are unused).
  std::optional<HeatMap> heat_map = std::nullopt;
};

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each row header.size() cells
};

struct Section {
  std::string title;
  std::vector<std::string> paragraphs;  // plain text (escaped for HTML; Markdown as is)
  std::vector<Table> tables;
  std::vector<Plot> plots;
};

struct ReportDocument {
  std::string title;
  std::vector<std::string> preamble;  // paragraphs under the title
  std::vector<Section> sections;
};

// Writes into dir (created if missing): report.html (one page; every plot inlined as <svg> inside a
// <figure id="plot-ID">, tables as <table>, inline CSS, no scripts, no external resources), report.md (the same text
// and tables as Markdown, each plot as an image link plots/ID.svg), and plots/ID.svg for every plot.
// Contract: the whole report is rendered and checked before anything is written. Each file is written to a temporary
// name and renamed over the old one, so a crash of the writer never leaves a torn file (no fsync: a power loss may);
// the plots are written first, report.html last. Other files in dir (e.g. plots of an earlier report) are left.
// Throws std::invalid_argument on a duplicate or unsafe plot id, a table row whose width differs from its header, or a
// plot render_svg refuses; std::runtime_error naming the path on I/O errors.
void write_report(const ReportDocument& report, const std::string& dir);

// One file of a report: its path relative to the report's folder ("report.html", "plots/ID.svg") and its text.
struct ReportFile {
  std::string path;
  std::string text;
};

// Every file write_report writes, rendered and checked, in the order it writes them (the plots, report.md,
// report.html), for writers that bring their own file output. Throws like write_report, before returning anything.
std::vector<ReportFile> render_report_files(const ReportDocument& report);

// The pieces, for tests and other writers; they throw std::invalid_argument like write_report.
std::string render_html(const ReportDocument& report);
std::string render_markdown(const ReportDocument& report);

}  // namespace cascadesim::reports
