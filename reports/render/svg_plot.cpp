// SVG rendering of a Plot. Coordinates are computed in "scaled" units (the value on a linear axis, log10 of it on a
// log axis) and mapped to pixels only at the end; the y = x line and the band are clipped exactly to the plot area.
#include "reports/render/svg_plot.hpp"

#include <algorithm>
#include <array>
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

  const std::string w = std::to_string(width_px), h = std::to_string(height_px);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h +
                    "\" viewBox=\"0 0 " + w + " " + h +
                    "\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"" +
                    format_number(tick_font_px) + "\" role=\"img\">\n";
  svg += "<title>" + escape_xml(plot.title) + "</title>\n";
  svg += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";

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
    const std::string color(palette[s % palette.size()]);
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
