// render_svg: ticks on log and linear axes, skipped points, the y = x line and band, errors, and well-formed output.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "reports/render/svg_plot.hpp"
#include "tests/count_occurrences.hpp"

namespace cascadesim::reports {
namespace {

using cascadesim::testing::count_occurrences;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

// The text from the first occurrence of start up to and including the next "</g>".
std::string group(const std::string& svg, std::string_view start, std::size_t from = 0) {
  const std::size_t begin = svg.find(start, from);
  REQUIRE(begin != std::string::npos);
  const std::size_t end = svg.find("</g>", begin);
  REQUIRE(end != std::string::npos);
  return svg.substr(begin, end + 4 - begin);
}

// Every <text> content inside the group that starts with start, in order.
std::vector<std::string> texts(const std::string& svg, std::string_view start) {
  const std::string g = group(svg, start);
  std::vector<std::string> result;
  for (std::size_t at = g.find("<text"); at != std::string::npos; at = g.find("<text", at + 1)) {
    const std::size_t open = g.find('>', at) + 1;
    result.push_back(g.substr(open, g.find("</text>", open) - open));
  }
  return result;
}

// The value of attribute name in the first element of text that has it.
double attribute(std::string_view text, std::string_view name) {
  const std::string key = std::string(" ").append(name).append("=\"");
  const std::size_t at = text.find(key);
  REQUIRE(at != std::string_view::npos);
  return std::stod(std::string(text.substr(at + key.size())));
}

Plot plot_of(std::vector<Series> series, bool log_x = false, bool log_y = false) {
  return Plot{.id = "p",
              .title = "title",
              .x_label = "x",
              .y_label = "y",
              .log_x = log_x,
              .log_y = log_y,
              .series = std::move(series)};
}

TEST_CASE("log-log axes put labelled ticks on the decades around the data") {
  const Plot plot = plot_of({{"s", {3, 40, 700}, {0.02, 0.3, 5}, Series::Style::points}}, true, true);
  const std::string svg = render_svg(plot);
  // x in [3, 700] -> decades 10^0 .. 10^3; y in [0.02, 5] -> 10^-2 .. 10^1. x labels first, then y.
  CHECK(texts(svg, "<g class=\"tick-labels\"") ==
        std::vector<std::string>{"1", "10", "100", "1000", "0.01", "0.1", "1", "10"});
}

TEST_CASE("a log axis over more than 8 decades labels every other decade as 1eK") {
  const Plot plot = plot_of({{"s", {1e-6, 1e6}, {1, 10}, Series::Style::points}}, true, true);
  const std::vector<std::string> labels = texts(render_svg(plot), "<g class=\"tick-labels\"");
  // 12 decades: step ceil(12 / 8) = 2; the y axis is the one decade 1 .. 10, labelled at 1, 2, 5, 10.
  CHECK(labels == std::vector<std::string>{"1e-6", "1e-4", "1e-2", "1e0", "1e2", "1e4", "1e6", "1", "10", "2", "5"});
}

TEST_CASE("linear axes step by 1, 2 or 5 times a power of ten over whole steps") {
  const Plot plot = plot_of({{"s", {0, 9.3}, {-0.12, 0.37}, Series::Style::points}});
  // x: 9.3 / 6 = 1.55 -> step 2 over [0, 10]; y: 0.49 / 6 = 0.082 -> step 0.1 over [-0.2, 0.4].
  CHECK(texts(render_svg(plot), "<g class=\"tick-labels\"") ==
        std::vector<std::string>{"0", "2", "4", "6", "8", "10", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3", "0.4"});
}

TEST_CASE("non-finite points and non-positive points on a log axis are skipped, never drawn") {
  const Plot plot =
      plot_of({{"s", {1, 10, -5, 0, nan, inf, 100}, {1, 10, 3, 4, 5, 6, 1000}, Series::Style::points}}, true, true);
  const std::string svg = render_svg(plot);
  CHECK(count_occurrences(group(svg, "class=\"series\""), "<circle") == 3);
  CHECK(count_occurrences(svg, "nan") == 0);
  CHECK(count_occurrences(svg, "inf") == 0);
  // The skipped points do not widen the range: y spans 10^0 .. 10^3.
  CHECK(texts(svg, "<g class=\"tick-labels\"").back() == "1000");
}

TEST_CASE("negative points on linear axes are drawn") {
  const Plot plot = plot_of({{"s", {-3, -1, 2}, {-5, 0, 5}, Series::Style::points}});
  CHECK(count_occurrences(group(render_svg(plot), "class=\"series\""), "<circle") == 3);
}

TEST_CASE("a skipped point splits a line into two polylines") {
  const Plot plot = plot_of({{"s", {1, 2, 3, 4, 5}, {1, 2, nan, 4, 5}, Series::Style::line}});
  const std::string series = group(render_svg(plot), "class=\"series\"");
  CHECK(count_occurrences(series, "<polyline") == 2);
  CHECK(count_occurrences(series, "<circle") == 0);
}

TEST_CASE("line_points draws one polyline and a circle per point") {
  const Plot plot = plot_of({{"s", {1, 2, 3}, {3, 1, 2}, Series::Style::line_points}});
  const std::string series = group(render_svg(plot), "class=\"series\"");
  CHECK(count_occurrences(series, "<polyline") == 1);
  CHECK(count_occurrences(series, "<circle") == 3);
}

TEST_CASE("the identity line and the band appear only when asked") {
  Plot plot = plot_of({{"s", {10, 100}, {20, 80}, Series::Style::points}}, true, true);
  const std::string plain = render_svg(plot);
  CHECK(count_occurrences(plain, "class=\"identity\"") == 0);
  CHECK(count_occurrences(plain, "class=\"band\"") == 0);

  plot.identity_line = true;
  const std::string with_line = render_svg(plot);
  CHECK(count_occurrences(group(with_line, "class=\"identity\""), "<polyline") == 1);
  CHECK(count_occurrences(with_line, "class=\"band\"") == 0);

  plot.band_fraction = 0.10;
  const std::string with_band = render_svg(plot);
  CHECK(count_occurrences(group(with_band, "class=\"band\""), "<polygon") == 1);
  CHECK(count_occurrences(with_band, "y = x \u00b110%") == 1);
}

TEST_CASE("with the identity line both log axes share one range, so y = x runs corner to corner") {
  Plot plot = plot_of({{"s", {10, 100}, {2, 900}, Series::Style::points}}, true, true);
  plot.identity_line = true;
  const std::string svg = render_svg(plot);
  // Union of the ranges [2, 900] -> decades 10^0 .. 10^3 on both axes.
  CHECK(texts(svg, "<g class=\"tick-labels\"") ==
        std::vector<std::string>{"1", "10", "100", "1000", "1", "10", "100", "1000"});

  const std::string frame = svg.substr(svg.find("<rect", svg.find("class=\"axes\"")));
  const double left = attribute(frame, "x"), top = attribute(frame, "y");
  const double right = left + attribute(frame, "width"), bottom = top + attribute(frame, "height");
  const std::string line = group(svg, "class=\"identity\"");
  const std::size_t at = line.find("points=\"") + 8;
  const std::string points = line.substr(at, line.find('"', at) - at);
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  REQUIRE(std::sscanf(points.c_str(), "%lf,%lf %lf,%lf", &x0, &y0, &x1, &y1) == 4);
  CHECK(x0 == doctest::Approx(left));
  CHECK(y0 == doctest::Approx(bottom));
  CHECK(x1 == doctest::Approx(right));
  CHECK(y1 == doctest::Approx(top));
}

TEST_CASE("a band wider than 100% on a log y axis reaches the bottom of the plot instead of failing") {
  Plot plot = plot_of({{"s", {1, 100}, {1, 100}, Series::Style::points}}, true, true);
  plot.band_fraction = 1.5;
  const std::string band = group(render_svg(plot), "class=\"band\"");
  CHECK(count_occurrences(band, "<polygon") == 1);
  CHECK(count_occurrences(band, "nan") == 0);
}

TEST_CASE("an x/y size mismatch throws invalid_argument naming the series") {
  const Plot plot = plot_of({{"latency", {1, 2, 3}, {1, 2}, Series::Style::points}});
  CHECK_THROWS_WITH_AS(render_svg(plot), doctest::Contains("series 'latency': 3 x values but 2 y values"),
                       std::invalid_argument);
}

TEST_CASE("a plot with no drawable point throws invalid_argument") {
  CHECK_THROWS_AS(render_svg(plot_of({})), std::invalid_argument);
  CHECK_THROWS_WITH_AS(render_svg(plot_of({{"s", {0, -1}, {1, 2}, Series::Style::points}}, true, false)),
                       doctest::Contains("no drawable point"), std::invalid_argument);
  CHECK_THROWS_AS(render_svg(plot_of({{"s", {nan}, {1}, Series::Style::points}})), std::invalid_argument);
}

TEST_CASE("a negative band fraction throws invalid_argument") {
  Plot plot = plot_of({{"s", {1}, {1}, Series::Style::points}});
  plot.band_fraction = -0.1;
  CHECK_THROWS_AS(render_svg(plot), std::invalid_argument);
}

TEST_CASE("the output is one svg element with balanced groups and one series group per series") {
  Plot plot = plot_of({
      {"a", {1, 2}, {1, 2}, Series::Style::points},
      {"b", {1, 2}, {2, 3}, Series::Style::line},
      {"nothing drawable", {nan}, {nan}, Series::Style::line_points},
  });
  plot.identity_line = true;
  plot.band_fraction = 0.2;
  const std::string svg = render_svg(plot, 800, 500);
  CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"500\""));
  CHECK(svg.ends_with("</svg>"));
  CHECK(count_occurrences(svg, "<svg") == 1);
  CHECK(count_occurrences(svg, "</svg>") == 1);
  CHECK(count_occurrences(svg, "<g ") + count_occurrences(svg, "<g>") == count_occurrences(svg, "</g>"));
  CHECK(count_occurrences(svg, "<text") == count_occurrences(svg, "</text>"));
  CHECK(count_occurrences(svg, "class=\"series\"") == 3);
  CHECK(count_occurrences(svg, "data-label=\"a\"") == 1);
  CHECK(count_occurrences(svg, "data-label=\"nothing drawable\"") == 1);
}

TEST_CASE("each series gets its own palette color") {
  const Plot plot = plot_of({
      {"a", {1}, {1}, Series::Style::points},
      {"b", {2}, {2}, Series::Style::points},
      {"c", {3}, {3}, Series::Style::points},
  });
  const std::string svg = render_svg(plot);
  std::set<std::string> colors;
  for (std::size_t at = svg.find("class=\"series\""); at != std::string::npos;
       at = svg.find("class=\"series\"", at + 1)) {
    const std::size_t fill = svg.find("fill=\"", at) + 6;
    colors.insert(svg.substr(fill, svg.find('"', fill) - fill));
  }
  CHECK(colors.size() == 3);
}

TEST_CASE("text is escaped for XML in the title, labels and data-label") {
  Plot plot = plot_of({{"k < 8 & \"fast\"", {1}, {1}, Series::Style::points}});
  plot.title = "time <us> & 'count'";
  const std::string svg = render_svg(plot);
  CHECK(count_occurrences(svg, "time &lt;us&gt; &amp; &#39;count&#39;") == 2);  // <title> and the visible title
  CHECK(count_occurrences(svg, "data-label=\"k &lt; 8 &amp; &quot;fast&quot;\"") == 1);
  CHECK(count_occurrences(svg, "<us>") == 0);
  CHECK(escape_xml("a\x01z") == "a z");
}

TEST_CASE("a size below 200 x 150 px throws invalid_argument") {
  const Plot plot = plot_of({{"s", {1}, {1}, Series::Style::points}});
  CHECK_THROWS_AS(render_svg(plot, 100, 420), std::invalid_argument);
}

TEST_CASE("a series with a color of its own is drawn in it, a color that is not #rrggbb throws") {
  Plot plot =
      plot_of({{"all", {1, 2}, {1, 2}, Series::Style::points, "#a6a6a6"}, {"front", {1}, {1}, Series::Style::points}});
  const std::string svg = render_svg(plot);
  CHECK(count_occurrences(svg, "data-label=\"all\" fill=\"#a6a6a6\"") == 1);
  // The palette still counts the first series: the second gets the palette's second color.
  CHECK(count_occurrences(svg, "data-label=\"front\" fill=\"#D55E00\"") == 1);
  plot.series[0].color = "red\" onload=\"x";
  CHECK_THROWS_WITH_AS(render_svg(plot), doctest::Contains("is not #rrggbb"), std::invalid_argument);
}

// A 3 x 2 heat map over categorical x and log-spaced numeric y, one cell of each state.
Plot heat_plot_of(std::vector<double> values, std::vector<CellState> states = {}) {
  Plot plot = plot_of({}, false, true);
  HeatMap map;
  map.x.names = {"a", "b", "c"};
  map.y.names = {"10", "1000"};
  map.y.numbers = {10, 1000};
  map.values = std::move(values);
  map.states = std::move(states);
  map.value_label = "time_ms";
  plot.heat_map = std::move(map);
  return plot;
}

// The fill of every <rect> in the group that starts with start, in order.
std::vector<std::string> fills(const std::string& svg, std::string_view start) {
  const std::string g = group(svg, start);
  std::vector<std::string> result;
  for (std::size_t at = g.find("<rect"); at != std::string::npos; at = g.find("<rect", at + 1)) {
    const std::size_t fill = g.find("fill=\"", at) + 6;
    result.push_back(g.substr(fill, g.find('"', fill) - fill));
  }
  return result;
}

TEST_CASE("a heat map draws a rect per cell, the lowest value in viridis' first color and the highest in its last") {
  const std::string svg = render_svg(heat_plot_of({1, 2, 3, 4, 5, 6}));
  const std::vector<std::string> cells = fills(svg, "<g class=\"cells\"");
  REQUIRE(cells.size() == 6);
  CHECK(cells.front() == "#440154");
  CHECK(cells.back() == "#fde725");
  // Halfway (3.5 would be the middle; 3 and 4 lie either side of viridis' middle color #21918c).
  CHECK(cells[2] != cells[3]);
  CHECK(count_occurrences(svg, "data-state=") == 0);
  CHECK(count_occurrences(svg, "class=\"legend\"") == 0);
  // The color bar, labelled inside the value range [1, 6] on a linear scale.
  CHECK(count_occurrences(svg, "class=\"color-scale\"") == 1);
  CHECK(texts(svg, "<g class=\"scale-labels\"") == std::vector<std::string>{"1", "2", "3", "4", "5", "6"});
  // Every cell is wide and tall enough for its value.
  CHECK(texts(svg, "<g class=\"cell-labels\"") == std::vector<std::string>{"1", "2", "3", "4", "5", "6"});
  // Entry names at the cell centers: x names, then y names.
  CHECK(texts(svg, "<g class=\"tick-labels\"") == std::vector<std::string>{"a", "b", "c", "10", "1000"});
}

TEST_CASE("heat map cells on a log y axis are spaced by value, halfway between neighbours in log units") {
  Plot plot = heat_plot_of({1, 2, 3, 4, 5, 6});
  plot.heat_map->y.names = {"1", "10", "1000"};
  plot.heat_map->y.numbers = {1, 10, 1000};
  plot.heat_map->values = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::string cells = group(render_svg(plot), "<g class=\"cells\"");
  std::vector<double> heights;
  for (std::size_t at = cells.find("<rect"); at != std::string::npos; at = cells.find("<rect", at + 1))
    heights.push_back(attribute(cells.substr(at), "height"));
  REQUIRE(heights.size() == 9);
  // Log10 centers 0, 1, 3: edges -0.5, 0.5, 2, 4, so the rows are 1 : 1.5 : 2 tall.
  CHECK(heights[3] / heights[0] == doctest::Approx(1.5).epsilon(0.01));
  CHECK(heights[6] / heights[0] == doctest::Approx(2.0).epsilon(0.01));
}

TEST_CASE("heat map cells without a value show their state in a legend and never take a color of the scale") {
  const std::string svg =
      render_svg(heat_plot_of({1, 0, 0, 0, 6, 3}, {CellState::value, CellState::invalid, CellState::excluded,
                                                   CellState::missing, CellState::value, CellState::value}));
  const std::vector<std::string> cells = fills(svg, "<g class=\"cells\"");
  REQUIRE(cells.size() == 6);
  CHECK(cells[0] == "#440154");  // 1 is the lowest value: the zeros of the other cells are not values
  CHECK(cells[4] == "#fde725");
  CHECK(count_occurrences(svg, "data-state=\"invalid\"") == 1);
  CHECK(count_occurrences(svg, "data-state=\"excluded\"") == 1);
  CHECK(count_occurrences(svg, "data-state=\"missing\"") == 1);
  CHECK(count_occurrences(svg, "class=\"hatching\"") == 1);
  CHECK(count_occurrences(svg, "class=\"missing-outlines\"") == 1);
  const std::string legend = svg.substr(svg.find("<g class=\"legend\""));
  CHECK(legend.find(">invalid<") != std::string::npos);
  CHECK(legend.find(">excluded<") != std::string::npos);
  CHECK(legend.find(">not run yet<") != std::string::npos);
  CHECK(texts(svg, "<g class=\"cell-labels\"") == std::vector<std::string>{"1", "6", "3"});
}

TEST_CASE("a heat map without any value cell draws its states and no color scale") {
  const std::string svg = render_svg(heat_plot_of({0, 0, 0, 0, 0, 0}, std::vector<CellState>(6, CellState::invalid)));
  CHECK(count_occurrences(svg, "data-state=\"invalid\"") == 6);
  CHECK(count_occurrences(svg, "class=\"color-scale\"") == 0);
}

TEST_CASE("a log color scale labels decades, and a constant heat map one value") {
  Plot plot = heat_plot_of({0.002, 0.02, 0.2, 2, 20, 200});
  plot.heat_map->log_values = true;
  CHECK(texts(render_svg(plot), "<g class=\"scale-labels\"") ==
        std::vector<std::string>{"0.01", "0.1", "1", "10", "100"});
  const std::string constant = render_svg(heat_plot_of({7, 7, 7, 7, 7, 7}));
  CHECK(texts(constant, "<g class=\"scale-labels\"") == std::vector<std::string>{"7"});
  CHECK(fills(constant, "<g class=\"cells\"") == std::vector<std::string>(6, "#21918c"));
}

TEST_CASE("heat map names that would overlap are thinned, keeping the first") {
  Plot plot = heat_plot_of({});
  plot.heat_map->x.names.clear();
  for (int i = 0; i < 40; ++i) plot.heat_map->x.names.push_back("value-" + std::to_string(1000 + i));
  plot.heat_map->values.assign(80, 1.0);
  const std::vector<std::string> labels = texts(render_svg(plot), "<g class=\"tick-labels\"");
  // 40 names of 10 characters cannot fit side by side in about 500 px.
  CHECK(labels.size() < 40 + 2);
  CHECK(labels.size() > 2 + 4);
  CHECK(labels.front() == "value-1000");
}

TEST_CASE("heat map errors throw invalid_argument naming the problem") {
  Plot sizes = heat_plot_of({1, 2, 3});
  CHECK_THROWS_WITH_AS(render_svg(sizes), doctest::Contains("3 values for 3 x 2 cells"), std::invalid_argument);
  Plot order = heat_plot_of({1, 2, 3, 4, 5, 6});
  order.heat_map->y.numbers = {1000, 10};
  CHECK_THROWS_WITH_AS(render_svg(order), doctest::Contains("strictly increasing"), std::invalid_argument);
  Plot log = heat_plot_of({1, 2, 3, 4, 5, 6});
  log.heat_map->y.numbers = {0, 10};
  CHECK_THROWS_WITH_AS(render_svg(log), doctest::Contains("> 0"), std::invalid_argument);
  Plot value = heat_plot_of({1, nan, 3, 4, 5, 6});
  CHECK_THROWS_WITH_AS(render_svg(value), doctest::Contains("not finite"), std::invalid_argument);
  Plot negative_log = heat_plot_of({1, -2, 3, 4, 5, 6});
  negative_log.heat_map->log_values = true;
  CHECK_THROWS_AS(render_svg(negative_log), std::invalid_argument);
  Plot states = heat_plot_of({1, 2, 3, 4, 5, 6}, {CellState::value});
  CHECK_THROWS_WITH_AS(render_svg(states), doctest::Contains("1 states"), std::invalid_argument);
}

TEST_CASE("a heat map is one well-formed svg element with balanced groups") {
  const std::string svg =
      render_svg(heat_plot_of({1, 0, 0, 0, 6, 3}, {CellState::value, CellState::invalid, CellState::excluded,
                                                   CellState::missing, CellState::value, CellState::value}));
  CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(svg.ends_with("</svg>"));
  CHECK(count_occurrences(svg, "<g ") + count_occurrences(svg, "<g>") == count_occurrences(svg, "</g>"));
  CHECK(count_occurrences(svg, "<text") == count_occurrences(svg, "</text>"));
  CHECK(count_occurrences(svg, " id=") == 0);
  CHECK(count_occurrences(svg, "nan") == 0);
}

}  // namespace
}  // namespace cascadesim::reports
