// The HTML and Markdown renderings of a ReportDocument, and write_report, which writes them with one SVG per plot.
#include "reports/render/report_document.hpp"

#include <charconv>
#include <cstddef>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/atomic_file.hpp"
#include "reports/render/svg_plot.hpp"

namespace cascadesim::reports {
namespace {

namespace fs = std::filesystem;

bool safe_id(std::string_view id) {
  if (id.empty() || id.front() == '.') return false;
  for (const char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Throws std::invalid_argument on an unsafe or duplicate plot id, or a table row whose width differs from its header.
void check_document(const ReportDocument& report) {
  std::set<std::string> ids;
  for (const Section& section : report.sections) {
    for (const Table& table : section.tables) {
      for (std::size_t r = 0; r < table.rows.size(); ++r) {
        if (table.rows[r].size() != table.header.size()) {
          throw std::invalid_argument("section '" + section.title + "', table '" + table.title + "': row " +
                                      std::to_string(r + 1) + " has " + std::to_string(table.rows[r].size()) +
                                      " cells but the header has " + std::to_string(table.header.size()));
        }
      }
    }
    for (const Plot& plot : section.plots) {
      if (!safe_id(plot.id)) {
        throw std::invalid_argument("section '" + section.title + "': plot id '" + plot.id +
                                    "' must be letters, digits, '_', '-' or '.', not starting with '.'");
      }
      if (!ids.insert(plot.id).second) {
        throw std::invalid_argument("section '" + section.title + "': duplicate plot id '" + plot.id + "'");
      }
    }
  }
}

// The SVG of every plot, in document order (sections, then plots within a section).
std::vector<std::string> render_plots(const ReportDocument& report) {
  std::vector<std::string> svgs;
  for (const Section& section : report.sections) {
    for (const Plot& plot : section.plots) svgs.push_back(render_svg(plot));
  }
  return svgs;
}

// A number, optionally signed and followed by '%' or 'x' (e.g. "1.96x", "-3.5%", "1e-3"): right-aligned in tables.
bool looks_numeric(std::string_view cell) {
  if (!cell.empty() && (cell.back() == '%' || cell.back() == 'x')) cell.remove_suffix(1);
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  if (cell.empty()) return false;
  double value = 0;
  const auto result = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  return result.ec == std::errc{} && result.ptr == cell.data() + cell.size();
}

// Whether every non-empty cell of column c is numeric, and at least one is.
bool numeric_column(const Table& table, std::size_t c) {
  bool any = false;
  for (const std::vector<std::string>& row : table.rows) {
    if (row[c].empty()) continue;
    if (!looks_numeric(row[c])) return false;
    any = true;
  }
  return any;
}

constexpr std::string_view html_style =
    "body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;color:#222;line-height:1.45;"
    "max-width:1100px;margin:2em auto;padding:0 1em}\n"
    "table{border-collapse:collapse;margin:1em 0}\n"
    "caption{font-weight:bold;text-align:left;padding-bottom:.3em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .6em;vertical-align:top}\n"
    "th{background:#f2f2f2;text-align:left}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "figure{margin:1.5em 0}\n"
    "figure svg{max-width:100%;height:auto}\n"
    "figcaption{font-size:.9em;color:#444;max-width:640px}\n";

std::string html_table(const Table& table) {
  std::string html = "<table>\n";
  if (!table.title.empty()) html += "<caption>" + escape_xml(table.title) + "</caption>\n";
  html += "<thead><tr>";
  for (const std::string& cell : table.header) html += "<th>" + escape_xml(cell) + "</th>";
  html += "</tr></thead>\n<tbody>\n";
  std::vector<bool> numeric;
  for (std::size_t c = 0; c < table.header.size(); ++c) numeric.push_back(numeric_column(table, c));
  for (const std::vector<std::string>& row : table.rows) {
    html += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      html += (numeric[c] ? "<td class=\"num\">" : "<td>") + escape_xml(row[c]) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</tbody>\n</table>\n";
}

std::string html_of(const ReportDocument& report, const std::vector<std::string>& svgs) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      // Enforces the contract: no scripts and nothing loaded from elsewhere, only the inline style.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      "<title>" +
      escape_xml(report.title) + "</title>\n<style>\n" + std::string(html_style) + "</style>\n</head>\n<body>\n";
  html += "<h1>" + escape_xml(report.title) + "</h1>\n";
  for (const std::string& paragraph : report.preamble) html += "<p>" + escape_xml(paragraph) + "</p>\n";
  std::size_t next_svg = 0;
  for (std::size_t s = 0; s < report.sections.size(); ++s) {
    const Section& section = report.sections[s];
    html += "<section id=\"section-" + std::to_string(s + 1) + "\">\n<h2>" + escape_xml(section.title) + "</h2>\n";
    for (const std::string& paragraph : section.paragraphs) html += "<p>" + escape_xml(paragraph) + "</p>\n";
    for (const Table& table : section.tables) html += html_table(table);
    for (const Plot& plot : section.plots) {
      html += "<figure id=\"plot-" + escape_xml(plot.id) + "\">\n" + svgs[next_svg++] + "\n";
      if (!plot.caption.empty()) html += "<figcaption>" + escape_xml(plot.caption) + "</figcaption>\n";
      html += "</figure>\n";
    }
    html += "</section>\n";
  }
  return html + "</body>\n</html>\n";
}

// Text on one line, for headings, table cells and alt text.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

std::string markdown_cell(std::string_view text) {
  std::string cell;
  for (const char c : one_line(text)) {
    if (c == '|') cell += '\\';
    cell += c;
  }
  return cell;
}

std::string markdown_table(const Table& table) {
  std::string md;
  if (!table.title.empty()) md += "**" + one_line(table.title) + "**\n\n";
  if (table.header.empty()) return md;
  const auto row_text = [](const std::vector<std::string>& cells) {
    std::string line = "|";
    for (const std::string& cell : cells) line.append(" ").append(markdown_cell(cell)).append(" |");
    return line.append("\n");
  };
  md += row_text(table.header) + "|";
  for (std::size_t c = 0; c < table.header.size(); ++c) md += numeric_column(table, c) ? " ---: |" : " --- |";
  md += "\n";
  for (const std::vector<std::string>& row : table.rows) md += row_text(row);
  return md + "\n";
}

std::string markdown_image(const Plot& plot) {
  std::string alt;
  for (const char c : one_line(plot.title.empty() ? plot.id : plot.title)) {
    if (c == '[' || c == ']' || c == '\\') alt += '\\';
    alt += c;
  }
  std::string md = "![" + alt + "](plots/" + plot.id + ".svg)\n\n";
  if (!plot.caption.empty()) md += plot.caption + "\n\n";
  return md;
}

}  // namespace

std::string render_html(const ReportDocument& report) {
  check_document(report);
  return html_of(report, render_plots(report));
}

std::string render_markdown(const ReportDocument& report) {
  check_document(report);
  std::string md = "# " + one_line(report.title) + "\n\n";
  for (const std::string& paragraph : report.preamble) md += paragraph + "\n\n";
  for (const Section& section : report.sections) {
    md += "## " + one_line(section.title) + "\n\n";
    for (const std::string& paragraph : section.paragraphs) md += paragraph + "\n\n";
    for (const Table& table : section.tables) md += markdown_table(table);
    for (const Plot& plot : section.plots) md += markdown_image(plot);
  }
  return md;
}

std::vector<ReportFile> render_report_files(const ReportDocument& report) {
  check_document(report);
  const std::vector<std::string> svgs = render_plots(report);
  std::vector<ReportFile> files;
  std::size_t next_svg = 0;
  for (const Section& section : report.sections) {
    for (const Plot& plot : section.plots) files.push_back({"plots/" + plot.id + ".svg", svgs[next_svg++] + "\n"});
  }
  files.push_back({"report.md", render_markdown(report)});
  files.push_back({"report.html", html_of(report, svgs)});
  return files;
}

void write_report(const ReportDocument& report, const std::string& dir) {
  const std::vector<ReportFile> files = render_report_files(report);
  const fs::path root(dir);
  const fs::path plots = root / "plots";
  std::error_code error;
  fs::create_directories(plots, error);
  if (error) throw std::runtime_error(plots.string() + ": cannot create the folder: " + error.message());
  for (const ReportFile& file : files) core::write_file_atomically((root / file.path).string(), file.text);
}

}  // namespace cascadesim::reports
