// SVG rendering of a Plot: axes with ticks and labels, a title, a legend, one color per series, and the y = x line
// with its +-band for predicted-versus-measured plots; or a heat map with its color scale. Standard library only; no
// scripts in the output.
#pragma once

#include <string>
#include <string_view>

#include "reports/render/report_document.hpp"

namespace cascadesim::reports {

// Self-contained SVG text (width_px x height_px, valid XML, text escaped) with axes, ticks (decades on log axes, 1-2-5
// steps on linear ones), tick labels, axis labels, title, legend, one color per series from a fixed colorblind-safe
// palette (Okabe-Ito; it repeats after 8 series), and the y = x line and the +-band when asked.
// Contract: the axis ranges span every drawable point (a point with finite coordinates, positive on a log axis); other
// points are skipped and split a line. When the y = x line or band is asked and both axes have the same scale, both
// axes get the same range so that the line runs corner to corner. Each series is one <g class="series"
// data-label="LABEL"> (also when none of its points is drawable). The text starts with "<svg" and ends with "</svg>";
// it declares no element ids, so several can be inlined in one HTML page.
// A series with a color of its own ("#rrggbb") is drawn in it; the palette still counts it.
// A plot with a heat_map is drawn as that grid instead: one <rect> per cell in <g class="cells"> (row by row from the
// bottom; a cell without a value carries data-state="invalid|excluded|missing"), the value written in a cell where it
// fits, an entry name at every cell center that does not overlap its neighbour, a color bar with labelled ticks
// (<g class="color-scale">) and, when some cell has no value, a legend of those states.
// Throws std::invalid_argument for an x/y size mismatch, a plot with no drawable point, a non-finite or negative
// band_fraction, a data range too wide or too narrow to put ticks on, a series color that is not #rrggbb, a heat map
// whose sizes disagree, whose numbers are not strictly increasing (and > 0 on a log axis), whose value cells are not
// finite (and > 0 on a log color scale) or that has more than 65536 cells, or a size below 200 x 150 px.
std::string render_svg(const Plot& plot, int width_px = 640, int height_px = 420);

// text with & < > " ' replaced by entities and control characters other than tab and newline by spaces, so that it
// is valid as XML or HTML text and attribute values.
std::string escape_xml(std::string_view text);

}  // namespace cascadesim::reports
