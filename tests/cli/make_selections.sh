#!/usr/bin/env bash
# make_selections.sh EXE WORK_DIR: scripts/make_selections.py writes selections files that the from_file pattern
# reads: predict counts the lists' blocks (a causal top-5 of 8 key tiles: 1 + 2 + 3 + 4 + 5 x 4 = 30 per head), both
# backends run, per-group lists are one list per GQA group, the same seed gives the same file, the shipped traces
# are what the script writes from the settings they record, and bad options are one line and exit 2.
set -euo pipefail
exe=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
gen=scripts/make_selections.py
python3 "$gen" --seq-len 1024 --mix vertical_slash=1,block_sparse=1 --out "$work/a.json"
python3 "$gen" --seq-len 1024 --mix vertical_slash=1,block_sparse=1 --out "$work/b.json"
cmp -s "$work/a.json" "$work/b.json" || fail "the same settings gave two different files"
python3 "$gen" --seq-len 1024 --lists per_group --out "$work/group.json"
python3 - "$work/group.json" <<'EOF' || fail "per_group lists differ within a GQA group"
import json, sys
d = json.load(open(sys.argv[1]))
for layer, heads in d["layers"].items():
    for h in range(32):
        assert heads[h] == heads[h - h % 4], (layer, h)
EOF
printf '{"schema_version": 1, "name": "t", "hardware": "h100-sxm", "model": "llama-3.2-1b", "workload": {"phase": "prefill", "seq_len": 1024, "tile_tokens": 128, "top_k": 5, "schedule": "1D+3A+12R", "pattern": {"impl": "from_file", "path": "a.json"}}}\n' >"$work/study.json"
"$exe" predict "$work/study.json" >"$work/predict.txt" || fail "predict on the generated file: $(cat "$work/predict.txt")"
grep -Eq "sparse blocks per head \(one reuse layer\) +30 " "$work/predict.txt" ||
  fail "not 30 sparse blocks per head: $(grep 'sparse blocks' "$work/predict.txt")"
"$exe" simulate "$work/study.json" >"$work/simulate.txt" || fail "simulate on the generated file"
grep -q "Speedup of 1D+3A+12R over dense: simulated" "$work/simulate.txt" || fail "simulate printed no speedup"
# Each shipped trace is the script's output for the settings recorded under its "source".
for shipped in configs/selections/*.json; do
  python3 - "$shipped" "$gen" "$work/regenerated.json" <<'EOF' || fail "$shipped is not what $gen writes from its settings"
import json, subprocess, sys
shipped, gen, out = sys.argv[1:]
s = json.load(open(shipped))["source"]["settings"]
args = ["python3", gen, "--out", out, "--layers"] + [str(l) for l in json.load(open(shipped))["layers"]]
for key in ("seq_len", "tile", "heads", "kv_heads", "top_k", "mix", "lists", "stripes", "seed"):
    args += ["--" + key.replace("_", "-"), str(s[key])]
subprocess.run(args, check=True)
same = open(out).read() == open(shipped).read()
subprocess.run(["rm", out], check=True)
sys.exit(0 if same else 1)
EOF
done
set +e
python3 "$gen" --seq-len 1000 --out "$work/bad.json" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "exit $rc for a length that is not a multiple of the tile, not 2"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "not one error line: $(cat "$work/err")"
grep -q "^make_selections.py: --seq-len must be a multiple of --tile" "$work/err" || fail "unexpected: $(cat "$work/err")"
set +e
python3 "$gen" --seq-len 1024 --mix diagonal=1 --out "$work/bad.json" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "^make_selections.py: --mix: unknown head type 'diagonal'" "$work/err" ||
  fail "an unknown head type: exit $rc, $(cat "$work/err")"
[ ! -e "$work/bad.json" ] || fail "a refused run wrote its output"
cp "$work/a.json" "$work/kept.json"
set +e
python3 "$gen" --seq-len 2048 --out "$work/a.json" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "a.json: exists; not overwritten" "$work/err" || fail "an existing output: exit $rc, $(cat "$work/err")"
cmp -s "$work/a.json" "$work/kept.json" || fail "an existing output was changed"
echo "make_selections: ok"
