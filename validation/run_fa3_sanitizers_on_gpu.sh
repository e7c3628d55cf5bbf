#!/usr/bin/env bash
# compute-sanitizer racecheck, synccheck and initcheck on the fa3-style checks (the first MAX_SHAPES shapes, every
# schedule) and on the decode checks (run 15 of reports/measured/h100-fa3). Run from a folder holding
# bin/cascadesim-fa3-bench. Usage: run_fa3_sanitizers_on_gpu.sh OUT [MAX_SHAPES]
set -uo pipefail
out=$1
shapes=${2:-2}
b=bin/cascadesim-fa3-bench
for tool in racecheck synccheck initcheck; do
  timeout 75 compute-sanitizer --tool $tool $b --check 5 "$shapes" >"$out/${tool}_fa3.log" 2>&1
  echo "fa3 $tool rc $?: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|shapes pass' "$out/${tool}_fa3.log" | tr '\n' ' ')"
done
for tool in racecheck synccheck; do
  timeout 40 compute-sanitizer --tool $tool $b --decode-check >"$out/${tool}_decode.log" 2>&1
  echo "decode $tool rc $?: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|checks pass' "$out/${tool}_decode.log" | tr '\n' ' ')"
done
