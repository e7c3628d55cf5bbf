#!/usr/bin/env bash
# report_from_cli.sh DIR: calibrates on the small H100 test measurements and writes `cascadesim report` into DIR, for
# render_in_chromium.sh. CASCADESIM (the executable) and CASCADESIM_SOURCE_DIR come from the environment.
set -euo pipefail
data="$CASCADESIM_SOURCE_DIR/tests/data"
mkdir -p "$1"
"$CASCADESIM" calibrate --hw h100-sxm --measured "$data/measured_h100_small.json" "$data/micro_h100.json" \
  --out "$1/calibrated.json" --commit test >/dev/null
"$CASCADESIM" report --measured "$data/measured_h100_small.json" "$data/micro_h100.json" --hw "$1/calibrated.json" \
  --out "$1" --no-simulate-study >/dev/null
