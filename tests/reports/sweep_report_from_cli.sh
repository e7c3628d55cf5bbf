#!/usr/bin/env bash
# sweep_report_from_cli.sh DIR: runs the small shipped sweep into DIR/sweep and writes `cascadesim report --sweep` into
# DIR, for render_in_chromium.sh. CASCADESIM (the executable) and CASCADESIM_SOURCE_DIR come from the environment.
set -euo pipefail
mkdir -p "$1"
"$CASCADESIM" sweep "$CASCADESIM_SOURCE_DIR/configs/sweeps/kascade-topk-seq-small.json" --out "$1/sweep" -j 2 \
  >/dev/null 2>&1
"$CASCADESIM" report --sweep "$1/sweep" --out "$1" >/dev/null
