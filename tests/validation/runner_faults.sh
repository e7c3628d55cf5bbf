#!/usr/bin/env bash
# runner_faults.sh RUNNER WORK_DIR: on a GPU machine, stops cascadesim-validate in the ways a long measuring run can
# stop and checks that every finished record survives and that --resume completes the run:
#   1. SIGKILL at random moments (seeded by RUNNER_KILL_SEED, printed);
#   2. a full disk (ulimit -f: the write fails with EFBIG, as ENOSPC would): exit 2, one line naming the file;
#   3. a device error mid-run (a case too big for the device's memory): exit 2, the records before it kept;
#   4. a fresh run over a file with records: refused, exit 2, nothing overwritten.
# After each, the records left must be whole (valid JSON, every sample present), in case order, and kept byte for
# byte by --resume. Exit 2 without a usable device (reported as skipped), 1 on a failed check.
set -euo pipefail
runner=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
seed=${RUNNER_KILL_SEED:-$(((($$ << 15) ^ 10#$(date +%s%N | cut -c10-15)) % 1000000))}
RANDOM=$seed
echo "runner_faults: seed $seed (replay with RUNNER_KILL_SEED=$seed)"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Twelve cases of 0.1 to 0.5 s each on an H100, so that kills land between and inside cases.
python3 - "$work/cases.json" <<'PY'
import json, sys
cases = []
for i, (s, d, kernel) in enumerate([(s, d, k) for s in (8192, 16384) for d in (64, 128)
                                    for k in ("dense", "sparse", "anchor")]):
    case = {"name": f"c{i:02d}_s{s}_d{d}_{kernel}", "seq_len": s, "heads": 32, "head_dim": d, "kernel": kernel,
            "repetitions": 40, "warmup": 2}
    if kernel != "dense":
        case["top_k"] = 4
    cases.append(case)
json.dump({"schema_version": 1, "cases": cases}, open(sys.argv[1], "w"))
PY
nvidia-smi -L >/dev/null 2>&1 || { echo "no usable GPU: skipped"; exit 2; }

# check_records FILE CASES [REFERENCE]: FILE's records are whole, in CASES order, and (with REFERENCE) the records
# REFERENCE held are in FILE unchanged. Prints the number of records.
check_records() {
  python3 - "$@" <<'PY'
import json, sys
path, cases_path = sys.argv[1], sys.argv[2]
cases = {c["name"]: (i, c) for i, c in enumerate(json.load(open(cases_path))["cases"])}
records = json.load(open(path))["records"]
order = [cases[r["name"]][0] for r in records]
assert order == sorted(order) and len(set(order)) == len(order), f"{path}: records out of case order: {order}"
for r in records:
    assert len(r["samples_ms"]) == cases[r["name"]][1]["repetitions"], f"{path}: {r['name']}: samples missing"
if len(sys.argv) > 3:
    kept = {r["name"]: r for r in records}
    for r in json.load(open(sys.argv[3]))["records"]:
        assert kept.get(r["name"]) == r, f"{path}: {r['name']} changed or went missing after --resume"
print(len(records))
PY
}

n_cases=12
echo "1. SIGKILL at random moments"
out="$work/killed.json"
for round in 1 2 3 4; do
  delay_ms=$((300 + RANDOM % 3000))
  if [ -f "$out" ]; then args=(--resume); else args=(); fi
  "$runner" "$work/cases.json" --out "$out" "${args[@]}" >"$work/kill$round.log" 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' $((delay_ms % 1000)))"
  sleep $((delay_ms / 1000))
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -f "$out" ]; then
    previous=""
    [ -f "$work/killed.$((round - 1)).json" ] && previous="$work/killed.$((round - 1)).json"
    n=$(check_records "$out" "$work/cases.json" $previous)
    cp "$out" "$work/killed.$round.json"
    echo "  round $round: killed after ${delay_ms} ms, $n records intact, the earlier rounds' unchanged"
  else
    echo "  round $round: killed after ${delay_ms} ms, before the first record"
  fi
done
"$runner" "$work/cases.json" --out "$out" --resume >"$work/kill-resume.log" 2>&1 || fail "--resume after the kills"
[ -f "$work/killed.4.json" ] && reference="$work/killed.4.json" || reference=""
n=$(check_records "$out" "$work/cases.json" $reference)
[ "$n" -eq "$n_cases" ] || fail "after --resume: $n of $n_cases records"
echo "  --resume: $n records, the killed run's kept unchanged"

echo "2. a full disk"
out="$work/full.json"
rc=0
( trap '' XFSZ; ulimit -f 12; exec "$runner" "$work/cases.json" --out "$out" ) >"$work/full.log" 2>"$work/full.err" || rc=$?
[ "$rc" -eq 2 ] || fail "the run under ulimit -f exited $rc, not 2: $(cat "$work/full.err")"
[ "$(wc -l <"$work/full.err")" -eq 1 ] || fail "not one error line: $(cat "$work/full.err")"
grep -q "^cascadesim-validate: $out: writing failed: " "$work/full.err" || fail "error does not name the file"
cp "$out" "$work/full.before.json"
kept=$(check_records "$out" "$work/cases.json")
[ "$kept" -ge 1 ] && [ "$kept" -lt "$n_cases" ] || fail "ulimit -f 12 left $kept records: not mid-run"
echo "  exit $rc: $(cat "$work/full.err")"
"$runner" "$work/cases.json" --out "$out" --resume >>"$work/full.log" 2>&1 || fail "--resume after the full disk"
n=$(check_records "$out" "$work/cases.json" "$work/full.before.json")
[ "$n" -eq "$n_cases" ] || fail "after --resume: $n of $n_cases records"
echo "  $kept records kept; --resume: $n records"

echo "3. a device error mid-run (out of device memory)"
out="$work/oom.json"
python3 - "$work/cases.json" "$work/oom_cases.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
too_big = {"name": "too_big", "seq_len": 65536, "heads": 32, "head_dim": 128, "batch": 32, "repetitions": 20}
doc["cases"].insert(2, too_big)
json.dump(doc, open(sys.argv[2], "w"))
PY
rc=0
"$runner" "$work/oom_cases.json" --out "$out" >"$work/oom.log" 2>"$work/oom.err" || rc=$?
[ "$rc" -eq 2 ] || fail "the out-of-memory run exited $rc, not 2: $(cat "$work/oom.err")"
grep -q "^cascadesim-validate: too_big: out of device memory: .*the 2 records measured before it are in $out" \
  "$work/oom.err" || fail "unexpected error: $(cat "$work/oom.err")"
cp "$out" "$work/oom.before.json"
echo "  exit $rc: $(cat "$work/oom.err")"
"$runner" "$work/cases.json" --out "$out" --resume >>"$work/oom.log" 2>&1 || fail "--resume without the big case"
n=$(check_records "$out" "$work/cases.json" "$work/oom.before.json")
[ "$n" -eq "$n_cases" ] || fail "after --resume: $n of $n_cases records"
echo "  --resume over the cases without it: $n records, the first 2 unchanged"

echo "4. a fresh run over a file with records"
cp "$out" "$work/fresh.before.json"
rc=0
"$runner" "$work/cases.json" --out "$out" >/dev/null 2>"$work/fresh.err" || rc=$?
[ "$rc" -eq 2 ] || fail "a fresh run over records exited $rc, not 2"
grep -q "already holds measured results" "$work/fresh.err" || fail "unexpected error: $(cat "$work/fresh.err")"
cmp -s "$out" "$work/fresh.before.json" || fail "the refused run changed $out"
echo "  exit $rc: $(cat "$work/fresh.err")"
echo "runner_faults: every check passed"
