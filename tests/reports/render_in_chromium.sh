#!/usr/bin/env bash
# render_in_chromium.sh REPORT_SAMPLE OUT_DIR PLOT_ID...: writes the sample report into OUT_DIR and checks it in
# headless Chromium: a non-blank screenshot, an <svg> with a drawn series (or heat map cells) in each plot's figure, and
# every plots/ID.svg parsing as XML. Exits 77 (ctest: skipped) when chromium is not installed.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 REPORT_SAMPLE OUT_DIR PLOT_ID..." >&2
  exit 2
fi
sample=$1
out=$2
shift 2
ids=("$@")

chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
  echo "SKIPPED: chromium is not installed (scripts/install_deps.sh installs Debian's chromium)"
  exit 77
fi

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
"$sample" "$out/report"

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run_chromium FILE ARGS...: headless Chromium on file FILE (relative to $out/report); stderr (dbus and GPU warnings) goes
# to $out/chromium.log, shown only when Chromium itself fails.
run_chromium() {
  local file=$1
  shift
  if ! timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$out/profile" "$@" "file://$out/report/$file" 2>>"$out/chromium.log"; then
    echo "chromium failed or timed out on $file; the end of its log:" >&2
    tail -n 20 "$out/chromium.log" >&2
    exit 1
  fi
}

# The page renders: a PNG of the requested size, well above a blank page of that size. Measured with Chromium 156:
# blank 14 KB; the sample report 90 KB, its text alone 47 KB, its plots alone (no fonts installed) 37 KB.
png="$out/page.png"
run_chromium report.html --screenshot="$png" --window-size=1200,2400 >/dev/null
if [ ! -f "$png" ]; then
  fail "no screenshot at $png"
else
  signature=$(od -A n -t x1 -N 8 "$png" | tr -d ' \n')
  size=$(od -A n -t x1 -j 16 -N 8 "$png" | tr -d ' \n')  # IHDR width and height, big-endian
  bytes=$(wc -c <"$png")
  [ "$signature" = "89504e470d0a1a0a" ] || fail "$png is not a PNG (signature $signature)"
  [ "$size" = "000004b000000960" ] || fail "$png is not 1200 x 2400 px (IHDR $size)"
  [ "$bytes" -gt 25000 ] || fail "$png has only $bytes bytes: the page looks blank"
fi

# The DOM after parsing and layout keeps every figure with its SVG and at least one drawn series element.
dom="$out/dom.html"
run_chromium report.html --dump-dom >"$dom"
figures=$( (grep -o '<figure id="plot-' "$dom" || true) | wc -l)
[ "$figures" -eq ${#ids[@]} ] || fail "the page has $figures figures, expected ${#ids[@]}"
for id in "${ids[@]}"; do
  figure=$(awk -v start="<figure id=\"plot-$id\">" 'index($0, start) { on = 1 } on { print } on && /<\/figure>/ { exit }' \
    "$dom" | tr -d '\n')
  if [ -z "$figure" ]; then
    fail "no <figure id=\"plot-$id\"> in the page"
    continue
  fi
  grep -q '<svg ' <<<"$figure" || fail "figure plot-$id has no <svg>"
  grep -Eq '<g class="(series|cells)"[^>]*>[[:space:]]*<(circle|polyline|rect) ' <<<"$figure" ||
    fail "figure plot-$id has no series group with a circle or polyline, nor heat map cells"
done

# Each standalone plot parses as XML (Chromium shows a parsererror element otherwise) and keeps its series.
for id in "${ids[@]}"; do
  svg_dom=$(run_chromium "plots/$id.svg" --dump-dom)
  if grep -q 'parsererror' <<<"$svg_dom"; then
    fail "plots/$id.svg does not parse as XML"
  fi
  grep -Eq 'class="(series|cells)"' <<<"$svg_dom" || fail "plots/$id.svg has no series or cells group after parsing"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; the report, screenshot and DOM are in $out"
  exit 1
fi
echo "ok: $out/report/report.html renders in $("$chromium" --version 2>/dev/null || echo chromium) with ${#ids[@]} plots"
