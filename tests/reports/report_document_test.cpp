// write_report, render_html and render_markdown: the files written, their content, escaping, and the errors.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "reports/render/report_document.hpp"
#include "reports/render/svg_plot.hpp"
#include "tests/count_occurrences.hpp"
#include "tests/temp_dir.hpp"

namespace cascadesim::reports {
namespace {

namespace fs = std::filesystem;

using cascadesim::testing::count_occurrences;
using cascadesim::testing::TempDir;

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Plot plot_of(std::string id, std::string title) {
  Plot plot;
  plot.id = std::move(id);
  plot.title = std::move(title);
  plot.x_label = "measured (us)";
  plot.y_label = "predicted (us)";
  plot.series = {{"dense", {1, 2, 3}, {1.1, 1.9, 3.2}, Series::Style::points}};
  return plot;
}

// Two sections, three plots, two tables.
ReportDocument sample() {
  ReportDocument report;
  report.title = "Validation";
  report.preamble = {"Measured on one GPU."};

  Section kernels;
  kernels.title = "Kernels";
  kernels.paragraphs = {"Kernel times."};
  kernels.tables = {{"Times", {"case", "time (us)"}, {{"dense", "12.5"}, {"sparse", "4.25"}}}};
  kernels.plots = {plot_of("predicted_vs_measured", "Predicted vs measured"), plot_of("error_by_case", "Error")};

  Section model;
  model.title = "Model";
  model.tables = {{"Speedups", {"schedule", "speedup"}, {{"1D+3A+12R", "1.96x"}}}};
  model.plots = {plot_of("speedup", "Speedup")};

  report.sections = {kernels, model};
  return report;
}

TEST_CASE("write_report writes report.html with one inline svg per plot, report.md and plots/ID.svg") {
  const TempDir temp;
  const fs::path dir = temp.path() / "out" / "report";  // created, parents included
  const ReportDocument report = sample();
  write_report(report, dir.string());

  const std::string html = read(dir / "report.html");
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(count_occurrences(html, "<meta charset=\"utf-8\">") == 1);
  CHECK(count_occurrences(html, "<svg") == 3);
  CHECK(count_occurrences(html, "</figure>") == 3);
  for (const std::string id : {"predicted_vs_measured", "error_by_case", "speedup"}) {
    CHECK(count_occurrences(html, "<figure id=\"plot-" + id + "\">\n<svg") == 1);
  }
  CHECK(count_occurrences(html, "<table>") == 2);
  CHECK(count_occurrences(html, "<td>dense</td><td class=\"num\">12.5</td>") == 1);
  CHECK(count_occurrences(html, "<script") == 0);
  CHECK(count_occurrences(html, "src=") == 0);
  CHECK(count_occurrences(html, "href") == 0);
  CHECK(count_occurrences(html, "<link") == 0);

  const std::string md = read(dir / "report.md");
  CHECK(md.starts_with("# Validation\n\nMeasured on one GPU.\n\n## Kernels\n\nKernel times.\n\n"));
  CHECK(count_occurrences(md, "](plots/") == 3);
  CHECK(count_occurrences(md, "![Predicted vs measured](plots/predicted_vs_measured.svg)") == 1);
  CHECK(count_occurrences(md, "![Error](plots/error_by_case.svg)") == 1);
  CHECK(count_occurrences(md, "![Speedup](plots/speedup.svg)") == 1);
  CHECK(count_occurrences(md, "| case | time (us) |\n| --- | ---: |\n") == 1);
  CHECK(count_occurrences(md, "| dense | 12.5 |\n") == 1);
  CHECK(count_occurrences(md, "| sparse | 4.25 |\n") == 1);
  CHECK(count_occurrences(md, "| 1D+3A+12R | 1.96x |\n") == 1);

  std::size_t svg_files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir / "plots")) {
    CHECK(entry.path().extension() == ".svg");
    ++svg_files;
  }
  CHECK(svg_files == 3);
  const std::string svg = read(dir / "plots" / "predicted_vs_measured.svg");
  CHECK(svg == render_svg(report.sections[0].plots[0]) + "\n");

  std::size_t files = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    CHECK(entry.path().extension() != ".tmp");
    ++files;
  }
  CHECK(files == 6);  // report.html, report.md, plots/, three SVGs
}

TEST_CASE("write_report replaces an earlier report in the same folder") {
  const TempDir temp;
  ReportDocument report = sample();
  write_report(report, temp.path().string());
  report.title = "Validation, second run";
  write_report(report, temp.path().string());
  CHECK(read(temp.path() / "report.md").starts_with("# Validation, second run\n"));
  CHECK(count_occurrences(read(temp.path() / "report.html"), "<h1>Validation, second run</h1>") == 1);
}

TEST_CASE("duplicate plot ids throw invalid_argument and nothing is written") {
  const TempDir temp;
  ReportDocument report = sample();
  report.sections[1].plots[0].id = "error_by_case";
  const fs::path dir = temp.path() / "report";
  CHECK_THROWS_WITH_AS(write_report(report, dir.string()), doctest::Contains("duplicate plot id 'error_by_case'"),
                       std::invalid_argument);
  CHECK_FALSE(fs::exists(dir));
  CHECK_THROWS_AS(render_html(report), std::invalid_argument);
  CHECK_THROWS_AS(render_markdown(report), std::invalid_argument);
}

TEST_CASE("a plot id that is not a safe file name throws invalid_argument") {
  for (const std::string id : {"", "../escape", "a/b", ".hidden", "with space"}) {
    ReportDocument report = sample();
    report.sections[0].plots[0].id = id;
    CHECK_THROWS_WITH_AS(render_html(report), doctest::Contains(("plot id '" + id + "'").c_str()),
                         std::invalid_argument);
  }
}

TEST_CASE("a table row whose width differs from its header throws invalid_argument naming the row") {
  ReportDocument report = sample();
  report.sections[0].tables[0].rows.push_back({"ragged"});
  const TempDir temp;
  CHECK_THROWS_WITH_AS(write_report(report, (temp.path() / "report").string()),
                       doctest::Contains("table 'Times': row 3 has 1 cells but the header has 2"),
                       std::invalid_argument);
  CHECK_FALSE(fs::exists(temp.path() / "report"));
  CHECK_THROWS_AS(render_markdown(report), std::invalid_argument);
}

TEST_CASE("a plot render_svg refuses makes write_report throw before anything is written") {
  ReportDocument report = sample();
  report.sections[1].plots[0].series[0].y.pop_back();
  const TempDir temp;
  CHECK_THROWS_AS(write_report(report, (temp.path() / "report").string()), std::invalid_argument);
  CHECK_FALSE(fs::exists(temp.path() / "report"));
}

TEST_CASE("HTML escapes markup characters in text while Markdown keeps paragraphs as they are") {
  ReportDocument report = sample();
  report.title = "Report <draft>";
  report.sections[0].paragraphs = {"latency < 5 us & speedup > 2"};
  report.sections[0].tables[0].rows[0][0] = "<b>dense</b>";
  const std::string html = render_html(report);
  CHECK(count_occurrences(html, "<title>Report &lt;draft&gt;</title>") == 1);
  CHECK(count_occurrences(html, "<p>latency &lt; 5 us &amp; speedup &gt; 2</p>") == 1);
  CHECK(count_occurrences(html, "<td>&lt;b&gt;dense&lt;/b&gt;</td>") == 1);
  CHECK(count_occurrences(html, "<draft>") == 0);
  CHECK(count_occurrences(html, "<b>") == 0);

  const std::string md = render_markdown(report);
  CHECK(count_occurrences(md, "\nlatency < 5 us & speedup > 2\n") == 1);
}

TEST_CASE("Markdown escapes a '|' inside a table cell") {
  ReportDocument report = sample();
  report.sections[0].tables[0].rows[0][0] = "a|b";
  CHECK(count_occurrences(render_markdown(report), "| a\\|b | 12.5 |\n") == 1);
}

TEST_CASE("write_report names the path when it cannot create the folder") {
  const TempDir temp;
  const fs::path file = temp.path() / "not_a_folder";
  std::ofstream(file) << "x";
  const fs::path dir = file / "report";
  CHECK_THROWS_WITH_AS(write_report(sample(), dir.string()), doctest::Contains(dir.string().c_str()),
                       std::runtime_error);
}

TEST_CASE("a report without sections renders its title and preamble") {
  ReportDocument report;
  report.title = "Empty";
  report.preamble = {"Nothing measured yet."};
  CHECK(render_markdown(report) == "# Empty\n\nNothing measured yet.\n\n");
  const std::string html = render_html(report);
  CHECK(count_occurrences(html, "<h1>Empty</h1>\n<p>Nothing measured yet.</p>\n</body>") == 1);
}

TEST_CASE("a plot's caption is a figcaption in HTML and a paragraph under the image in Markdown") {
  ReportDocument report;
  report.title = "Captions";
  Plot plot = plot_of("with_caption", "Heat");
  plot.caption = "Other axes fixed at a < b.";
  report.sections = {{"Plots", {}, {}, {plot, plot_of("without_caption", "Plain")}}};
  const std::string html = render_html(report);
  CHECK(count_occurrences(html, "<figcaption>Other axes fixed at a &lt; b.</figcaption>\n</figure>") == 1);
  CHECK(count_occurrences(html, "<figcaption>") == 1);
  CHECK(count_occurrences(render_markdown(report),
                          "![Heat](plots/with_caption.svg)\n\nOther axes fixed at a < b.\n\n") == 1);
}

TEST_CASE("render_report_files lists every plot, then report.md and report.html, as write_report writes them") {
  const ReportDocument report = sample();
  const std::vector<ReportFile> files = render_report_files(report);
  std::vector<std::string> paths;
  for (const ReportFile& file : files) paths.push_back(file.path);
  CHECK(paths == std::vector<std::string>{"plots/predicted_vs_measured.svg", "plots/error_by_case.svg",
                                          "plots/speedup.svg", "report.md", "report.html"});
  TempDir dir;
  write_report(report, dir.path().string());
  for (const ReportFile& file : files) CHECK(read(dir.path() / file.path) == file.text);
}

TEST_CASE("a heat map plot renders into the report like any other plot") {
  ReportDocument report;
  report.title = "Heat";
  Plot plot;
  plot.id = "grid";
  plot.title = "grid";
  plot.heat_map = HeatMap{{{"a", "b"}, {}}, {{"x"}, {}}, {1, 2}, {}, "v", false};
  report.sections = {{"Plots", {}, {}, {plot}}};
  const std::string html = render_html(report);
  CHECK(count_occurrences(html, "<figure id=\"plot-grid\">\n<svg ") == 1);
  CHECK(count_occurrences(html, "<g class=\"cells\"") == 1);
}

}  // namespace
}  // namespace cascadesim::reports
