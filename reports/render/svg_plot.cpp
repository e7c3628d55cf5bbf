// SVG rendering of a Plot. Coordinates are computed in "scaled" units (the value on a linear axis, log10 of it on a
// log axis) and mapped to pixels only at the end; the y = x line and the band are clipped exactly to the plot area.
#include "reports/render/svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::reports {
namespace {

// Okabe & Ito (2008), "Color Universal Design": distinguishable under the common color-vision deficiencies.
// Ordered for contrast on white; yellow last.
constexpr std::array<std::string_view, 8> palette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                     "#E69F00", "#56B4E9", "#000000", "#F0E442"};

constexpr double point_radius_px = 3.0;
constexpr double title_font_px = 15.0;
constexpr double label_font_px = 13.0;
constexpr double tick_font_px = 11.0;
// Rough advance of one character of the tick and legend font, for layout only.
constexpr double char_width_px = 6.5;

struct Point {
  double x = 0, y = 0;
};

struct Tick {
  double scaled = 0;  // position in scaled units
  std::string label;  // empty: a minor tick without label
};

// One axis: its scale, its range in scaled units, its ticks, and the pixel positions of the range ends.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  std::vector<Tick> ticks;
  double px_lo = 0, px_hi = 1;

  // The scaled value of v; not finite when v is not drawable on this axis.
  double scale(double v) const {
    if (!log) return v;
    return v > 0 ? std::log10(v) : std::numeric_limits<double>::quiet_NaN();
  }
  double unscale(double s) const { return log ? std::pow(10.0, s) : s; }
  double to_px(double s) const { return px_lo + (s - lo) / (hi - lo) * (px_hi - px_lo); }
};

// Shortest round-trip text of v, locale-independent, with the exponent written as "e5" / "e-4".
std::string format_number(double v) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v);
  std::string text(buffer.data(), result.ptr);
  const std::size_t e = text.find('e');
  if (e == std::string::npos) return text;
  std::string exponent = text.substr(e + 1);
  const bool negative = !exponent.empty() && exponent.front() == '-';
  if (!exponent.empty() && (exponent.front() == '+' || exponent.front() == '-')) exponent.erase(0, 1);
  exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
  return text.substr(0, e) + (negative ? "e-" : "e") + exponent;
}

// v with the given number of decimals; the shortest form when that does not fit 400 characters.
std::string format_fixed(double v, int decimals) {
  std::array<char, 400> buffer{};
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), v, std::chars_format::fixed, decimals);
  if (result.ec != std::errc{}) return format_number(v);
  return std::string(buffer.data(), result.ptr);
}

// Whether text is a color as "#rrggbb".
bool hex_color_text(std::string_view text) {
  return text.size() == 7 && text.front() == '#' &&
         std::all_of(text.begin() + 1, text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Pixel coordinate text: two decimals are far below what a screen can show.
std::string px(double v) { return format_fixed(v, 2); }

// Decade ticks from floor to ceil of the scaled range: every decade (every k-th when more than 8), minor ticks at
// 2..9 when there are at most 6 decades, and labels at 2 and 5 too when the range is one decade. Labels are plain
// decimals ("0.001" .. "10000") when every labelled decade is in that span, else all "1e5" style.
void make_log_ticks(Axis& axis, double min_scaled, double max_scaled) {
  constexpr double tolerance = 1e-9;  // log10 of a power of ten read from text may miss the integer by an ulp
  double lo = std::floor(min_scaled + tolerance);
  double hi = std::ceil(max_scaled - tolerance);
  if (hi <= lo) {
    lo -= 1;
    hi += 1;
  }
  axis.lo = lo;
  axis.hi = hi;
  const double decades = hi - lo;
  const double step = std::max(1.0, std::ceil(decades / 8.0));
  const double first = std::ceil(lo / step) * step;
  const bool plain = first >= -3 && hi <= 4;
  const auto label = [plain](int mantissa, double exponent) {
    const int k = static_cast<int>(exponent);
    if (!plain) return std::to_string(mantissa) + "e" + std::to_string(k);
    return format_fixed(mantissa * std::pow(10.0, k), std::max(0, -k));
  };
  for (double k = first; k <= hi; k += step) axis.ticks.push_back({k, label(1, k)});
  if (step != 1 || decades > 6) return;
  for (double k = lo; k < hi; ++k) {
    for (int m = 2; m <= 9; ++m) {
      const bool labelled = decades == 1 && (m == 2 || m == 5);
      axis.ticks.push_back({k + std::log10(static_cast<double>(m)), labelled ? label(m, k) : ""});
    }
  }
}

// Ticks every 1, 2 or 5 times a power of ten, 3 to 6 intervals, with the range widened to whole steps.
void make_linear_ticks(Axis& axis, double min_value, double max_value, const std::string& name) {
  if (max_value <= min_value) {
    const double pad = min_value == 0 ? 1.0 : std::abs(min_value) * 0.1;
    min_value -= pad;
    max_value += pad;
  }
  const double raw_step = (max_value - min_value) / 6.0;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  const double normalized = raw_step / magnitude;
  const double step = (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
  if (!std::isnormal(step)) throw std::invalid_argument(name + ": the data range is too narrow to put ticks on");
  constexpr double tolerance = 1e-9;
  axis.lo = std::floor(min_value / step + tolerance) * step;
  axis.hi = std::ceil(max_value / step - tolerance) * step;
  if (!std::isfinite(axis.lo) || !std::isfinite(axis.hi)) {
    throw std::invalid_argument(name + ": the data range is too wide to plot");
  }

  const double largest = std::max(std::abs(axis.lo), std::abs(axis.hi));
  const int step_exponent = static_cast<int>(std::floor(std::log10(step) + tolerance));
  const bool scientific = largest >= 1e6 || largest < 1e-4;
  const int intervals = static_cast<int>(std::lround((axis.hi - axis.lo) / step));
  for (int i = 0; i <= intervals; ++i) {
    double v = axis.lo + i * step;
    if (std::abs(v) < step * tolerance) v = 0;
    std::string label;
    if (scientific && v != 0) {
      const int digits = std::max(0, static_cast<int>(std::floor(std::log10(std::abs(v)))) - step_exponent);
      std::array<char, 64> buffer{};
      const auto result =
          std::to_chars(buffer.data(), buffer.data() + buffer.size(), v, std::chars_format::scientific, digits);
      double rounded = v;
      std::from_chars(buffer.data(), result.ptr, rounded);
      label = format_number(rounded);
    } else {
      label = format_fixed(v, std::max(0, -step_exponent));
    }
    axis.ticks.push_back({v, label});
  }
}

// Sutherland-Hodgman: the part of polygon inside the rectangle [x_lo, x_hi] x [y_lo, y_hi] (scaled units).
std::vector<Point> clip_polygon(std::vector<Point> polygon, const Axis& ax, const Axis& ay) {
  struct Edge {
    bool vertical;  // clips x (true) or y (false)
    double bound;
    bool keep_above;  // inside is coordinate >= bound
  };
  const std::array<Edge, 4> edges = {Edge{true, ax.lo, true}, Edge{true, ax.hi, false}, Edge{false, ay.lo, true},
                                     Edge{false, ay.hi, false}};
  for (const Edge& edge : edges) {
    if (polygon.empty()) break;
    const auto coordinate = [&](const Point& p) { return edge.vertical ? p.x : p.y; };
    const auto inside = [&](const Point& p) {
      return edge.keep_above ? coordinate(p) >= edge.bound : coordinate(p) <= edge.bound;
    };
    const auto crossing = [&](const Point& a, const Point& b) {
      const double t = (edge.bound - coordinate(a)) / (coordinate(b) - coordinate(a));
      return Point{a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
    };
    std::vector<Point> clipped;
    for (std::size_t i = 0; i < polygon.size(); ++i) {
      const Point& current = polygon[i];
      const Point& previous = polygon[(i + polygon.size() - 1) % polygon.size()];
      if (inside(current)) {
        if (!inside(previous)) clipped.push_back(crossing(previous, current));
        clipped.push_back(current);
      } else if (inside(previous)) {
        clipped.push_back(crossing(previous, current));
      }
    }
    polygon = std::move(clipped);
  }
  return polygon;
}

// Liang-Barsky: the part of segment a-b inside the plot rectangle (scaled units), if any.
std::optional<std::array<Point, 2>> clip_segment(Point a, Point b, const Axis& ax, const Axis& ay) {
  double t0 = 0, t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const std::array<std::array<double, 2>, 4> constraints = {
      {{-dx, a.x - ax.lo}, {dx, ax.hi - a.x}, {-dy, a.y - ay.lo}, {dy, ay.hi - a.y}}};
  for (const auto& [p, q] : constraints) {
    if (p == 0) {
      if (q < 0) return std::nullopt;
      continue;
    }
    const double t = q / p;
    if (p < 0) {
      t0 = std::max(t0, t);
    } else {
      t1 = std::min(t1, t);
    }
    if (t0 > t1) return std::nullopt;
  }
  return std::array<Point, 2>{Point{a.x + t0 * dx, a.y + t0 * dy}, Point{a.x + t1 * dx, a.y + t1 * dy}};
}

// The curve y = factor * x across the x range, as samples in scaled units (y not finite where it is not drawable).
// Straight in scaled units when both axes have the same scale, so two samples are exact; otherwise 256.
std::vector<Point> proportional_curve(double factor, const Axis& ax, const Axis& ay) {
  const int samples = ax.log == ay.log ? 2 : 256;
  std::vector<Point> curve;
  for (int i = 0; i < samples; ++i) {
    const double sx = ax.lo + (ax.hi - ax.lo) * i / (samples - 1);
    curve.push_back({sx, ay.scale(factor * ax.unscale(sx))});
  }
  return curve;
}

std::string points_attribute(const std::vector<Point>& points, const Axis& ax, const Axis& ay) {
  std::string text;
  for (const Point& p : points) {
    if (!text.empty()) text += ' ';
    text += px(ax.to_px(p.x)) + ',' + px(ay.to_px(p.y));
  }
  return text;
}

// The y = x line, clipped to the plot area; breaks where y is not drawable.
std::string identity_line_svg(const Axis& ax, const Axis& ay) {
  const std::vector<Point> curve = proportional_curve(1.0, ax, ay);
  std::string svg;
  std::vector<Point> run;
  const auto flush = [&] {
    if (run.size() >= 2) svg += "<polyline points=\"" + points_attribute(run, ax, ay) + "\"/>\n";
    run.clear();
  };
  for (std::size_t i = 0; i + 1 < curve.size(); ++i) {
    const Point a = curve[i], b = curve[i + 1];
    const auto segment =
        std::isfinite(a.y) && std::isfinite(b.y) ? clip_segment(a, b, ax, ay) : std::optional<std::array<Point, 2>>{};
    if (!segment) {
      flush();
      continue;
    }
    const bool continues = !run.empty() && std::abs(run.back().x - (*segment)[0].x) <= 1e-9 * (ax.hi - ax.lo) &&
                           std::abs(run.back().y - (*segment)[0].y) <= 1e-9 * (ay.hi - ay.lo);
    if (!continues) {
      flush();
      run.push_back((*segment)[0]);
    }
    run.push_back((*segment)[1]);
  }
  flush();
  return svg;
}

// The band between y = (1 - f) x and y = (1 + f) x, clipped to the plot area; where an edge is not drawable (a
// non-positive y on a log axis) the band reaches the bottom of the plot.
std::string band_svg(double fraction, const Axis& ax, const Axis& ay) {
  const double below_plot = ay.lo - (ay.hi - ay.lo);
  const auto drawable_or_below = [&](Point p) {
    if (!std::isfinite(p.y)) p.y = below_plot;
    return p;
  };
  std::vector<Point> polygon;
  for (const Point& p : proportional_curve(1.0 - fraction, ax, ay)) polygon.push_back(drawable_or_below(p));
  const std::vector<Point> upper = proportional_curve(1.0 + fraction, ax, ay);
  for (auto it = upper.rbegin(); it != upper.rend(); ++it) polygon.push_back(drawable_or_below(*it));
  polygon = clip_polygon(std::move(polygon), ax, ay);
  if (polygon.size() < 3) return "";
  return "<polygon points=\"" + points_attribute(polygon, ax, ay) + "\"/>\n";
}

// Number of characters (UTF-8 code points) of text, for layout.
std::size_t display_length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string text_svg(double x, double y, std::string_view anchor, std::string_view text, std::string_view extra = "") {
  std::string svg = "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + std::string(anchor) + "\"";
  if (!extra.empty()) svg += " " + std::string(extra);
  return svg + ">" + escape_xml(text) + "</text>\n";
}

struct LegendEntry {
  std::string label;
  std::string swatch;  // SVG drawn around (0, 0), 24 px wide
};

std::string legend_svg(const std::vector<LegendEntry>& entries, double x, double y) {
  if (entries.empty()) return "";
  constexpr double row_px = 16, padding_px = 6, swatch_px = 24;
  std::size_t longest = 0;
  for (const LegendEntry& entry : entries) longest = std::max(longest, display_length(entry.label));
  const double width = padding_px * 3 + swatch_px + char_width_px * static_cast<double>(longest);
  const double height = padding_px * 2 + row_px * static_cast<double>(entries.size());
  std::string svg = "<g class=\"legend\" transform=\"translate(" + px(x) + "," + px(y) + ")\">\n";
  svg += "<rect width=\"" + px(width) + "\" height=\"" + px(height) +
         "\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#bbbbbb\"/>\n";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double row_y = padding_px + row_px * (static_cast<double>(i) + 0.5);
    svg += "<g class=\"legend-entry\" transform=\"translate(" + px(padding_px) + "," + px(row_y) + ")\">\n" +
           entries[i].swatch + "</g>\n";
    svg += text_svg(padding_px * 2 + swatch_px, row_y, "start", entries[i].label, "dy=\"0.35em\"");
  }
  return svg + "</g>\n";
}

std::string series_swatch(Series::Style style, std::string_view color) {
  std::string svg;
  const std::string c(color);
  if (style != Series::Style::points) {
    svg += "<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"" + c + "\" stroke-width=\"2\"/>\n";
  }
  if (style != Series::Style::line) {
    svg += "<circle cx=\"12\" cy=\"0\" r=\"" + px(point_radius_px) + "\" fill=\"" + c + "\"/>\n";
  }
  return svg;
}

// v with `digits` significant digits, the exponent written as in format_number ("1.88e10"); for cell labels.
std::string format_significant(double v, int digits) {
  std::array<char, 64> buffer{};
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), v, std::chars_format::general, digits);
  double rounded = v;
  std::from_chars(buffer.data(), result.ptr, rounded);
  return format_number(rounded);
}

// The text cut to at most max_length code points, the last one an ellipsis when cut.
std::string shortened(std::string_view text, std::size_t max_length) {
  if (display_length(text) <= max_length) return std::string(text);
  std::string out;
  std::size_t kept = 0;
  for (const char c : text) {
    const bool starts_code_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_code_point && ++kept == max_length) break;
    out += c;
  }
  return out + "\u2026";
}

struct Rgb {
  double r = 0, g = 0, b = 0;
};

// viridis (van der Walt and Smith, matplotlib 2.0): perceptually uniform, readable with the common color-vision
// deficiencies and in greyscale. Its colors at 0, 1/8, ..., 1, joined linearly.
constexpr std::array<std::array<int, 3>, 9> viridis_anchors = {{{0x44, 0x01, 0x54},
                                                                {0x47, 0x2d, 0x7b},
                                                                {0x3b, 0x52, 0x8b},
                                                                {0x2c, 0x72, 0x8e},
                                                                {0x21, 0x91, 0x8c},
                                                                {0x28, 0xae, 0x80},
                                                                {0x5e, 0xc9, 0x62},
                                                                {0xad, 0xdc, 0x30},
                                                                {0xfd, 0xe7, 0x25}}};

Rgb viridis(double t) {
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(viridis_anchors.size() - 1);
  const std::size_t i = std::min(static_cast<std::size_t>(t), viridis_anchors.size() - 2);
  const double f = t - static_cast<double>(i);
  const auto mix = [&](std::size_t c) {
    return viridis_anchors[i][c] + f * (viridis_anchors[i + 1][c] - viridis_anchors[i][c]);
  };
  return {mix(0), mix(1), mix(2)};
}

std::string hex_color(const Rgb& c) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string text = "#";
  for (const double channel : {c.r, c.g, c.b}) {
    const int v = static_cast<int>(std::lround(std::clamp(channel, 0.0, 255.0)));
    text += digits[static_cast<std::size_t>(v / 16)];
    text += digits[static_cast<std::size_t>(v % 16)];
  }
  return text;
}

// Dark text on light cells, white on dark ones (ITU-R BT.601 luma).
std::string_view text_color_on(const Rgb& c) {
  return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b > 140 ? "#000000" : "#ffffff";
}

constexpr std::string_view invalid_fill = "#cccccc";
constexpr std::string_view hatch_stroke = "#7a7a7a";
constexpr std::string_view excluded_fill = "#ececec";
constexpr std::string_view missing_outline = "#999999";
constexpr double hatch_spacing_px = 7;

// Diagonal hatching lines (x + y = c on a grid of hatch_spacing_px, so neighbouring cells line up) inside a rectangle.
std::string hatching_svg(double x0, double y0, double x1, double y1) {
  std::string svg;
  for (double c = std::ceil((x0 + y0) / hatch_spacing_px) * hatch_spacing_px; c <= x1 + y1; c += hatch_spacing_px) {
    const double start_x = std::max(x0, c - y1), end_x = std::min(x1, c - y0);
    if (end_x - start_x < 0.5) continue;
    svg += "<line x1=\"" + px(start_x) + "\" y1=\"" + px(c - start_x) + "\" x2=\"" + px(end_x) + "\" y2=\"" +
           px(c - end_x) + "\"/>\n";
  }
  return svg;
}

std::string state_swatch(CellState state) {
  std::string svg = "<rect x=\"0\" y=\"-6\" width=\"16\" height=\"12\" fill=\"";
  switch (state) {
    case CellState::invalid:
      return svg + std::string(invalid_fill) + "\"/>\n<g stroke=\"" + std::string(hatch_stroke) + "\">\n" +
             hatching_svg(0, -6, 16, 6) + "</g>\n";
    case CellState::excluded:
      return svg + std::string(excluded_fill) + "\" stroke=\"#bbbbbb\" stroke-width=\"0.5\"/>\n";
    case CellState::missing:
    case CellState::value:
      break;
  }
  return svg + "#ffffff\" stroke=\"" + std::string(missing_outline) + "\" stroke-dasharray=\"3 2\"/>\n";
}

std::string_view state_name(CellState state) {
  switch (state) {
    case CellState::invalid:
      return "invalid";
    case CellState::excluded:
      return "excluded";
    case CellState::missing:
      return "not run yet";
    case CellState::value:
      break;
  }
  return "value";
}

// The state as one word, for the data-state attribute.
std::string_view state_token(CellState state) { return state == CellState::missing ? "missing" : state_name(state); }

// One heat map axis laid out: the scaled position of each entry's center and the cell boundaries around them.
struct CellAxis {
  std::vector<double> centers;  // scaled units (entry index on a categorical axis)
  std::vector<double> edges;    // centers.size() + 1, increasing
  double px_lo = 0, px_hi = 1;
  double to_px(double s) const {
    return px_lo + (s - edges.front()) / (edges.back() - edges.front()) * (px_hi - px_lo);
  }
};

CellAxis cell_axis(const HeatAxis& axis, bool log, const std::string& name, std::string_view which) {
  const std::size_t n = axis.names.size();
  if (n == 0) throw std::invalid_argument(name + ": the heat map's " + std::string(which) + " axis has no entries");
  CellAxis cells;
  if (axis.numbers.empty()) {
    for (std::size_t i = 0; i < n; ++i) cells.centers.push_back(static_cast<double>(i));
  } else {
    if (axis.numbers.size() != n) {
      throw std::invalid_argument(name + ": the heat map's " + std::string(which) + " axis has " + std::to_string(n) +
                                  " names but " + std::to_string(axis.numbers.size()) + " numbers");
    }
    for (const double v : axis.numbers) {
      const double s = log ? (v > 0 ? std::log10(v) : std::numeric_limits<double>::quiet_NaN()) : v;
      if (!std::isfinite(s) || (!cells.centers.empty() && s <= cells.centers.back())) {
        throw std::invalid_argument(name + ": the heat map's " + std::string(which) +
                                    " numbers must be finite, strictly increasing" + (log ? " and > 0" : "") +
                                    " (got " + format_number(v) + ")");
      }
      cells.centers.push_back(s);
    }
  }
  const std::vector<double>& c = cells.centers;
  if (n == 1) {
    const double half = axis.numbers.empty() || log ? 0.5 : std::max(std::abs(c[0]) * 0.5, 0.5);
    cells.edges = {c[0] - half, c[0] + half};
    return cells;
  }
  cells.edges.push_back(c[0] - (c[1] - c[0]) / 2);
  for (std::size_t i = 1; i < n; ++i) cells.edges.push_back((c[i - 1] + c[i]) / 2);
  cells.edges.push_back(c[n - 1] + (c[n - 1] - c[n - 2]) / 2);
  if (!std::isfinite(cells.edges.front()) || !std::isfinite(cells.edges.back())) {
    throw std::invalid_argument(name + ": the heat map's " + std::string(which) + " numbers span too wide a range");
  }
  return cells;
}

// Which entries get a label: greedily from the first, each at least gap_px clear of the last one kept.
std::vector<bool> labels_that_fit(const std::vector<double>& center_px, const std::vector<double>& extent_px,
                                  double gap_px) {
  std::vector<bool> keep(center_px.size(), false);
  std::optional<double> last_end;
  // Centers may run in either pixel direction (y grows downwards).
  const bool descending = center_px.size() >= 2 && center_px.back() < center_px.front();
  for (std::size_t i = 0; i < center_px.size(); ++i) {
    const double c = descending ? -center_px[i] : center_px[i];
    const double start = c - extent_px[i] / 2;
    if (last_end && start < *last_end + gap_px) continue;
    keep[i] = true;
    last_end = c + extent_px[i] / 2;
  }
  return keep;
}

constexpr std::size_t max_heat_map_cells = 1 << 16;
constexpr std::size_t max_name_length = 24;

// The <svg> element's opening, its title and the white background every plot starts with.
std::string svg_opening(int width_px, int height_px, const std::string& title) {
  const std::string w = std::to_string(width_px), h = std::to_string(height_px);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h +
                    "\" viewBox=\"0 0 " + w + " " + h +
                    "\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"" +
                    format_number(tick_font_px) + "\" role=\"img\">\n";
  svg += "<title>" + escape_xml(title) + "</title>\n";
  svg += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";
  return svg;
}

std::string render_heat_map(const Plot& plot, const std::string& name, int width_px, int height_px) {
  const HeatMap& map = *plot.heat_map;
  CellAxis cx = cell_axis(map.x, plot.log_x, name, "x");
  CellAxis cy = cell_axis(map.y, plot.log_y, name, "y");
  const std::size_t nx = cx.centers.size(), ny = cy.centers.size();
  if (nx * ny > max_heat_map_cells) {
    throw std::invalid_argument(name + ": a heat map of " + std::to_string(nx) + " x " + std::to_string(ny) +
                                " cells is above the " + std::to_string(max_heat_map_cells) + " cell limit");
  }
  if (map.values.size() != nx * ny) {
    throw std::invalid_argument(name + ": the heat map has " + std::to_string(map.values.size()) + " values for " +
                                std::to_string(nx) + " x " + std::to_string(ny) + " cells");
  }
  if (!map.states.empty() && map.states.size() != nx * ny) {
    throw std::invalid_argument(name + ": the heat map has " + std::to_string(map.states.size()) + " states for " +
                                std::to_string(nx) + " x " + std::to_string(ny) + " cells");
  }
  const auto state_of = [&](std::size_t i) { return map.states.empty() ? CellState::value : map.states[i]; };

  // The color scale: the range of the value cells, in log10 units when log_values.
  Axis scale;
  scale.log = map.log_values;
  double v_min = std::numeric_limits<double>::infinity(), v_max = -v_min;
  std::array<bool, 4> present{};
  for (std::size_t i = 0; i < map.values.size(); ++i) {
    present[static_cast<std::size_t>(state_of(i))] = true;
    if (state_of(i) != CellState::value) continue;
    const double s = scale.scale(map.values[i]);
    if (!std::isfinite(s)) {
      throw std::invalid_argument(name + ": heat map cell " + std::to_string(i) + " has the value " +
                                  format_number(map.values[i]) + ", which is not finite" +
                                  (scale.log ? " or not > 0 on a log color scale" : ""));
    }
    v_min = std::min(v_min, s);
    v_max = std::max(v_max, s);
  }
  const bool any_value = present[static_cast<std::size_t>(CellState::value)];
  if (any_value && !std::isfinite(v_max - v_min)) {
    throw std::invalid_argument(name + ": the heat map's values span too wide a range");
  }
  const bool constant = any_value && v_max - v_min <= 1e-12 * std::max(std::abs(v_max), std::abs(v_min));
  // Labelled ticks of the color scale inside the value range; the two ends when fewer than two fall inside.
  std::vector<Tick> scale_ticks;
  if (any_value) {
    if (!constant) {
      try {
        if (scale.log) {
          make_log_ticks(scale, v_min, v_max);
        } else {
          make_linear_ticks(scale, v_min, v_max, name);
        }
      } catch (const std::invalid_argument&) {
        scale.ticks.clear();
      }
      const double slack = (v_max - v_min) * 1e-9;
      for (const Tick& tick : scale.ticks) {
        if (!tick.label.empty() && tick.scaled >= v_min - slack && tick.scaled <= v_max + slack)
          scale_ticks.push_back(tick);
      }
      if (scale_ticks.size() < 2) {
        scale_ticks = {{v_min, format_significant(scale.unscale(v_min), 3)},
                       {v_max, format_significant(scale.unscale(v_max), 3)}};
      }
    } else {
      scale_ticks = {{v_min, format_significant(scale.unscale(v_min), 3)}};
    }
  }
  scale.lo = v_min;
  scale.hi = v_max;
  const auto unit_position = [&](double value) {
    return constant ? 0.5 : (scale.scale(value) - v_min) / (v_max - v_min);
  };

  // Layout. Right of the cells: the color bar with its tick labels and title, and the legend of cell states below.
  std::vector<CellState> legend_states;
  for (const CellState state : {CellState::invalid, CellState::excluded, CellState::missing}) {
    if (present[static_cast<std::size_t>(state)]) legend_states.push_back(state);
  }
  constexpr double bar_width_px = 14, legend_row_px = 16, swatch_px = 16;
  std::size_t longest_scale_label = 0;
  for (const Tick& tick : scale_ticks) longest_scale_label = std::max(longest_scale_label, display_length(tick.label));
  std::size_t longest_state = 0;
  for (const CellState state : legend_states) longest_state = std::max(longest_state, state_name(state).size());
  const double bar_part = any_value ? 14 + bar_width_px + 6 + char_width_px * static_cast<double>(longest_scale_label) +
                                          8 + label_font_px + 6
                                    : 0;
  const double legend_part =
      legend_states.empty() ? 0 : 14 + swatch_px + 6 + char_width_px * static_cast<double>(longest_state) + 8;
  const double panel = std::max({bar_part, legend_part, 20.0});

  std::vector<std::string> x_names, y_names;
  for (const std::string& n : map.x.names) x_names.push_back(shortened(n, max_name_length));
  for (const std::string& n : map.y.names) y_names.push_back(shortened(n, max_name_length));
  std::size_t longest_y_name = 0;
  for (const std::string& n : y_names) longest_y_name = std::max(longest_y_name, display_length(n));
  // Entry names are often letters and signs, wider than the digits char_width_px is measured on.
  const double left = std::max(56.0, 40.0 + 7.5 * static_cast<double>(longest_y_name));
  const double right = static_cast<double>(width_px) - panel;
  const double top = 40.0;
  const double bottom = static_cast<double>(height_px) - 50.0;
  if (right - left < 40) {
    throw std::invalid_argument(name + ": the heat map's labels leave no room for its cells in " +
                                std::to_string(width_px) + " px");
  }
  cx.px_lo = left;
  cx.px_hi = right;
  cy.px_lo = bottom;
  cy.px_hi = top;

  std::string svg = svg_opening(width_px, height_px, plot.title);

  // Cells, then the hatching of invalid ones, the outlines of missing ones, and the values that fit in their cell.
  std::string cells = "<g class=\"cells\" stroke=\"#ffffff\" stroke-width=\"0.5\">\n";
  std::string hatching, outlines, labels;
  for (std::size_t row = 0; row < ny; ++row) {
    const double y0 = cy.to_px(cy.edges[row + 1]), y1 = cy.to_px(cy.edges[row]);
    for (std::size_t column = 0; column < nx; ++column) {
      const std::size_t i = row * nx + column;
      const double x0 = cx.to_px(cx.edges[column]), x1 = cx.to_px(cx.edges[column + 1]);
      const CellState state = state_of(i);
      std::string fill;
      Rgb rgb;
      switch (state) {
        case CellState::value:
          rgb = viridis(unit_position(map.values[i]));
          fill = hex_color(rgb);
          break;
        case CellState::invalid:
          fill = invalid_fill;
          hatching += hatching_svg(x0, y0, x1, y1);
          break;
        case CellState::excluded:
          fill = excluded_fill;
          break;
        case CellState::missing:
          fill = "#ffffff";
          if (x1 - x0 > 4 && y1 - y0 > 4) {
            outlines += "<rect x=\"" + px(x0 + 1.5) + "\" y=\"" + px(y0 + 1.5) + "\" width=\"" + px(x1 - x0 - 3) +
                        "\" height=\"" + px(y1 - y0 - 3) + "\"/>\n";
          }
          break;
      }
      cells += "<rect x=\"" + px(x0) + "\" y=\"" + px(y0) + "\" width=\"" + px(x1 - x0) + "\" height=\"" + px(y1 - y0) +
               "\" fill=\"" + fill + "\"";
      if (state != CellState::value) cells += " data-state=\"" + std::string(state_token(state)) + "\"";
      cells += "/>\n";
      if (state == CellState::value) {
        const std::string text = format_significant(map.values[i], 3);
        if (x1 - x0 >= char_width_px * static_cast<double>(text.size()) + 6 && y1 - y0 >= tick_font_px + 4) {
          labels += text_svg((x0 + x1) / 2, (y0 + y1) / 2, "middle", text,
                             "dy=\"0.35em\" fill=\"" + std::string(text_color_on(rgb)) + "\"");
        }
      }
    }
  }
  svg += cells + "</g>\n";
  if (!hatching.empty()) {
    svg += "<g class=\"hatching\" stroke=\"" + std::string(hatch_stroke) + "\" stroke-width=\"1\">\n" + hatching +
           "</g>\n";
  }
  if (!outlines.empty()) {
    svg += "<g class=\"missing-outlines\" fill=\"none\" stroke=\"" + std::string(missing_outline) +
           "\" stroke-width=\"1\" stroke-dasharray=\"3 2\">\n" + outlines + "</g>\n";
  }
  if (!labels.empty()) svg += "<g class=\"cell-labels\">\n" + labels + "</g>\n";

  // Frame, a tick at every entry, and the entry names that fit without overlapping.
  std::vector<double> x_centers, x_extents, y_centers, y_extents;
  for (std::size_t i = 0; i < nx; ++i) {
    x_centers.push_back(cx.to_px(cx.centers[i]));
    x_extents.push_back(char_width_px * static_cast<double>(display_length(x_names[i])));
  }
  for (std::size_t i = 0; i < ny; ++i) {
    y_centers.push_back(cy.to_px(cy.centers[i]));
    y_extents.push_back(tick_font_px + 1);
  }
  const std::vector<bool> x_kept = labels_that_fit(x_centers, x_extents, 6);
  const std::vector<bool> y_kept = labels_that_fit(y_centers, y_extents, 2);
  svg += "<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">\n";
  svg += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(right - left) + "\" height=\"" +
         px(bottom - top) + "\" fill=\"none\"/>\n";
  for (std::size_t i = 0; i < nx; ++i) {
    svg += "<line x1=\"" + px(x_centers[i]) + "\" y1=\"" + px(bottom) + "\" x2=\"" + px(x_centers[i]) + "\" y2=\"" +
           px(bottom + (x_kept[i] ? 6 : 3)) + "\"/>\n";
  }
  for (std::size_t i = 0; i < ny; ++i) {
    svg += "<line x1=\"" + px(left - (y_kept[i] ? 6 : 3)) + "\" y1=\"" + px(y_centers[i]) + "\" x2=\"" + px(left) +
           "\" y2=\"" + px(y_centers[i]) + "\"/>\n";
  }
  svg += "</g>\n<g class=\"tick-labels\" fill=\"#333333\">\n";
  for (std::size_t i = 0; i < nx; ++i) {
    if (x_kept[i]) svg += text_svg(x_centers[i], bottom + 18, "middle", x_names[i]);
  }
  for (std::size_t i = 0; i < ny; ++i) {
    if (y_kept[i]) svg += text_svg(left - 9, y_centers[i], "end", y_names[i], "dy=\"0.35em\"");
  }
  svg += "</g>\n";

  // The color bar: strips from the lowest value (bottom) to the highest, its ticks and labels, and its title.
  const double legend_height =
      legend_states.empty() ? 0 : legend_row_px * static_cast<double>(legend_states.size()) + 12;
  const double panel_x = right + 14;
  if (any_value) {
    constexpr int strips = 48;
    const double bar_top = top, bar_bottom = std::max(top + 60, bottom - legend_height);
    const double strip_px = (bar_bottom - bar_top) / strips;
    svg += "<g class=\"color-scale\" stroke=\"none\">\n";
    for (int k = 0; k < strips; ++k) {
      const double t = (k + 0.5) / strips;
      svg += "<rect x=\"" + px(panel_x) + "\" y=\"" + px(bar_bottom - (k + 1) * strip_px) + "\" width=\"" +
             px(bar_width_px) + "\" height=\"" + px(strip_px + 0.3) + "\" fill=\"" + hex_color(viridis(t)) + "\"/>\n";
    }
    svg += "<rect x=\"" + px(panel_x) + "\" y=\"" + px(bar_top) + "\" width=\"" + px(bar_width_px) + "\" height=\"" +
           px(bar_bottom - bar_top) + "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
    const auto tick_px = [&](double scaled) {
      const double t = constant ? 0.5 : (scaled - v_min) / (v_max - v_min);
      return bar_bottom - t * (bar_bottom - bar_top);
    };
    std::string tick_lines, tick_labels;
    for (const Tick& tick : scale_ticks) {
      const double y = tick_px(tick.scaled);
      tick_lines += "<line x1=\"" + px(panel_x + bar_width_px) + "\" y1=\"" + px(y) + "\" x2=\"" +
                    px(panel_x + bar_width_px + 4) + "\" y2=\"" + px(y) + "\"/>\n";
      tick_labels += text_svg(panel_x + bar_width_px + 6, y, "start", tick.label, "dy=\"0.35em\"");
    }
    svg += "<g stroke=\"#333333\" stroke-width=\"1\">\n" + tick_lines + "</g>\n";
    svg += "<g class=\"scale-labels\" fill=\"#333333\">\n" + tick_labels + "</g>\n";
    const double title_x =
        panel_x + bar_width_px + 6 + char_width_px * static_cast<double>(longest_scale_label) + 8 + label_font_px / 2;
    const double title_y = (bar_top + bar_bottom) / 2;
    svg += text_svg(title_x, title_y, "middle", map.value_label + (scale.log ? " (log scale)" : ""),
                    "font-size=\"" + format_number(label_font_px) + "\" transform=\"rotate(90 " + px(title_x) + " " +
                        px(title_y) + ")\"");
    svg += "</g>\n";
  }
  if (!legend_states.empty()) {
    svg += "<g class=\"legend\">\n";
    double y = bottom - legend_height + 12 + legend_row_px / 2;
    for (const CellState state : legend_states) {
      svg += "<g class=\"legend-entry\" transform=\"translate(" + px(panel_x) + "," + px(y) + ")\">\n" +
             state_swatch(state) + "</g>\n";
      svg += text_svg(panel_x + swatch_px + 6, y, "start", state_name(state), "dy=\"0.35em\"");
      y += legend_row_px;
    }
    svg += "</g>\n";
  }

  const std::string label_font = "font-size=\"" + format_number(label_font_px) + "\"";
  svg += text_svg(static_cast<double>(width_px) / 2, 24, "middle", plot.title,
                  "font-size=\"" + format_number(title_font_px) + "\" font-weight=\"bold\"");
  svg += text_svg((left + right) / 2, static_cast<double>(height_px) - 12, "middle", plot.x_label, label_font);
  const double y_label_x = 16, y_label_y = (top + bottom) / 2;
  svg += text_svg(y_label_x, y_label_y, "middle", plot.y_label,
                  label_font + " transform=\"rotate(-90 " + px(y_label_x) + " " + px(y_label_y) + ")\"");
  return svg + "</svg>";
}

}  // namespace

std::string escape_xml(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' ? ' ' : c;
    }
  }
  return escaped;
}

std::string render_svg(const Plot& plot, int width_px, int height_px) {
  const std::string name = "plot '" + plot.id + "'";
  if (width_px < 200 || height_px < 150) {
    throw std::invalid_argument(name + ": an SVG of " + std::to_string(width_px) + " x " + std::to_string(height_px) +
                                " px is below the 200 x 150 px minimum");
  }
  if (plot.heat_map) return render_heat_map(plot, name, width_px, height_px);
  if (!std::isfinite(plot.band_fraction) || plot.band_fraction < 0) {
    throw std::invalid_argument(name + ": band_fraction must be finite and >= 0 (got " +
                                format_number(plot.band_fraction) + ")");
  }

  Axis ax, ay;
  ax.log = plot.log_x;
  ay.log = plot.log_y;

  // The drawable points of each series, in scaled units; nullopt marks a skipped point (it splits a line).
  std::vector<std::vector<std::optional<Point>>> scaled(plot.series.size());
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  double y_min = x_min, y_max = -x_min;
  for (std::size_t s = 0; s < plot.series.size(); ++s) {
    const Series& series = plot.series[s];
    if (series.x.size() != series.y.size()) {
      throw std::invalid_argument(name + ", series '" + series.label + "': " + std::to_string(series.x.size()) +
                                  " x values but " + std::to_string(series.y.size()) + " y values");
    }
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      const Point p{ax.scale(series.x[i]), ay.scale(series.y[i])};
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
        scaled[s].push_back(std::nullopt);
        continue;
      }
      scaled[s].push_back(p);
      x_min = std::min(x_min, p.x);
      x_max = std::max(x_max, p.x);
      y_min = std::min(y_min, p.y);
      y_max = std::max(y_max, p.y);
    }
  }
  if (!(x_min <= x_max)) {
    throw std::invalid_argument(name +
                                ": no drawable point (every point is non-finite, or non-positive on a log axis)");
  }
  const bool diagonal = plot.identity_line || plot.band_fraction > 0;
  if (diagonal && ax.log == ay.log) {
    x_min = y_min = std::min(x_min, y_min);
    x_max = y_max = std::max(x_max, y_max);
  }
  if (!std::isfinite(x_max - x_min) || !std::isfinite(y_max - y_min)) {
    throw std::invalid_argument(name + ": the data range is too wide to plot");
  }
  if (ax.log) {
    make_log_ticks(ax, x_min, x_max);
  } else {
    make_linear_ticks(ax, x_min, x_max, name);
  }
  if (ay.log) {
    make_log_ticks(ay, y_min, y_max);
  } else {
    make_linear_ticks(ay, y_min, y_max, name);
  }

  // Layout: the left margin fits the longest y tick label and the rotated y axis label; both side margins fit half of
  // the outermost x tick labels, which are centered on the frame's edges.
  std::size_t longest_y_label = 0;
  for (const Tick& tick : ay.ticks) longest_y_label = std::max(longest_y_label, display_length(tick.label));
  const Tick* first_x = nullptr;
  const Tick* last_x = nullptr;
  for (const Tick& tick : ax.ticks) {
    if (tick.label.empty()) continue;
    if (!first_x || tick.scaled < first_x->scaled) first_x = &tick;
    if (!last_x || tick.scaled > last_x->scaled) last_x = &tick;
  }
  const auto half_width = [](const Tick* tick) {
    return tick ? char_width_px * static_cast<double>(display_length(tick->label)) / 2 + 4 : 0.0;
  };
  const double left =
      std::max({56.0, 34.0 + char_width_px * static_cast<double>(longest_y_label), half_width(first_x)});
  const double right = static_cast<double>(width_px) - std::max(20.0, half_width(last_x));
  const double top = 40.0;
  const double bottom = static_cast<double>(height_px) - 50.0;
  ax.px_lo = left;
  ax.px_hi = right;
  ay.px_lo = bottom;
  ay.px_hi = top;

  std::string svg = svg_opening(width_px, height_px, plot.title);

  // Grid at the labelled ticks.
  svg += "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n";
  for (const Tick& tick : ax.ticks) {
    if (tick.label.empty()) continue;
    const std::string x = px(ax.to_px(tick.scaled));
    svg += "<line x1=\"" + x + "\" y1=\"" + px(top) + "\" x2=\"" + x + "\" y2=\"" + px(bottom) + "\"/>\n";
  }
  for (const Tick& tick : ay.ticks) {
    if (tick.label.empty()) continue;
    const std::string y = px(ay.to_px(tick.scaled));
    svg += "<line x1=\"" + px(left) + "\" y1=\"" + y + "\" x2=\"" + px(right) + "\" y2=\"" + y + "\"/>\n";
  }
  svg += "</g>\n";

  std::vector<LegendEntry> legend;
  if (plot.band_fraction > 0) {
    svg += "<g class=\"band\" fill=\"#888888\" fill-opacity=\"0.2\" stroke=\"none\">\n" +
           band_svg(plot.band_fraction, ax, ay) + "</g>\n";
    legend.push_back({"y = x \u00b1" + format_number(plot.band_fraction * 100) + "%",
                      "<rect x=\"0\" y=\"-5\" width=\"24\" height=\"10\" fill=\"#888888\" fill-opacity=\"0.2\"/>\n"});
  }
  if (plot.identity_line) {
    svg += "<g class=\"identity\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\">\n" +
           identity_line_svg(ax, ay) + "</g>\n";
    legend.push_back({"y = x",
                      "<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"#555555\" stroke-width=\"1.2\" "
                      "stroke-dasharray=\"6 4\"/>\n"});
  }

  for (std::size_t s = 0; s < plot.series.size(); ++s) {
    const Series& series = plot.series[s];
    if (!series.color.empty() && !hex_color_text(series.color)) {
      throw std::invalid_argument(name + ", series '" + series.label + "': color '" + series.color +
                                  "' is not #rrggbb");
    }
    const std::string color = series.color.empty() ? std::string(palette[s % palette.size()]) : series.color;
    svg += "<g class=\"series\" data-label=\"" + escape_xml(series.label) + "\" fill=\"" + color + "\" stroke=\"" +
           color + "\">\n";
    if (series.style != Series::Style::points) {
      std::vector<Point> run;
      const auto flush = [&] {
        if (run.size() >= 2) {
          svg += "<polyline points=\"" + points_attribute(run, ax, ay) + "\" fill=\"none\" stroke-width=\"2\"/>\n";
        }
        run.clear();
      };
      for (const std::optional<Point>& p : scaled[s]) {
        if (p) {
          run.push_back(*p);
        } else {
          flush();
        }
      }
      flush();
    }
    if (series.style != Series::Style::line) {
      for (const std::optional<Point>& p : scaled[s]) {
        if (!p) continue;
        svg += "<circle cx=\"" + px(ax.to_px(p->x)) + "\" cy=\"" + px(ay.to_px(p->y)) + "\" r=\"" +
               px(point_radius_px) + "\" stroke=\"none\"/>\n";
      }
    }
    svg += "</g>\n";
    if (!series.label.empty()) legend.push_back({series.label, series_swatch(series.style, color)});
  }

  // Frame, tick marks (minor ones shorter) and tick labels.
  svg += "<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">\n";
  svg += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(right - left) + "\" height=\"" +
         px(bottom - top) + "\" fill=\"none\"/>\n";
  for (const Tick& tick : ax.ticks) {
    const std::string x = px(ax.to_px(tick.scaled));
    svg += "<line x1=\"" + x + "\" y1=\"" + px(bottom) + "\" x2=\"" + x + "\" y2=\"" +
           px(bottom + (tick.label.empty() ? 3 : 6)) + "\"/>\n";
  }
  for (const Tick& tick : ay.ticks) {
    const std::string y = px(ay.to_px(tick.scaled));
    svg += "<line x1=\"" + px(left - (tick.label.empty() ? 3 : 6)) + "\" y1=\"" + y + "\" x2=\"" + px(left) +
           "\" y2=\"" + y + "\"/>\n";
  }
  svg += "</g>\n";
  svg += "<g class=\"tick-labels\" fill=\"#333333\">\n";
  for (const Tick& tick : ax.ticks) {
    if (!tick.label.empty()) svg += text_svg(ax.to_px(tick.scaled), bottom + 18, "middle", tick.label);
  }
  for (const Tick& tick : ay.ticks) {
    if (!tick.label.empty()) svg += text_svg(left - 9, ay.to_px(tick.scaled), "end", tick.label, "dy=\"0.35em\"");
  }
  svg += "</g>\n";

  const std::string label_font = "font-size=\"" + format_number(label_font_px) + "\"";
  svg += text_svg(static_cast<double>(width_px) / 2, 24, "middle", plot.title,
                  "font-size=\"" + format_number(title_font_px) + "\" font-weight=\"bold\"");
  svg += text_svg((left + right) / 2, static_cast<double>(height_px) - 12, "middle", plot.x_label, label_font);
  const double y_label_x = 16, y_label_y = (top + bottom) / 2;
  svg += text_svg(y_label_x, y_label_y, "middle", plot.y_label,
                  label_font + " transform=\"rotate(-90 " + px(y_label_x) + " " + px(y_label_y) + ")\"");
  svg += legend_svg(legend, left + 8, top + 8);
  return svg + "</svg>";
}

}  // namespace cascadesim::reports
