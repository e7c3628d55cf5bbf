#!/usr/bin/env bash
# hostile_outputs.sh EXE WORK_DIR: outputs aimed at what must survive. A second sweep into a folder being written is
# refused naming the holder, and the first one's rows stay whole; a trace is created only once the study has loaded
# and never replaces the study itself; a trace, a schema and standard output on a full disk fail with exit 2 and one
# line, leaving the earlier file whole and no temporary behind; an output planted as a link is replaced, not written
# through. Run from the repository root.
set -euo pipefail
exe=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# expect_refusal RC_FILE ERR_FILE REGEX: exit 2 and exactly one stderr line matching REGEX.
expect_refusal() {
  [ "$(cat "$1")" -eq 2 ] || fail "exit $(cat "$1"), not 2: $(cat "$2")"
  # A sanitizer build warns when an exception unwinds past SystemC's coroutine stacks (google/sanitizers#189,
  # docs/reliability.md): its three lines are the sanitizer's, not the tool's.
  grep -v -E '^==[0-9]+==WARNING: ASan is ignoring requested __asan_handle_no_return|^False positive error reports may follow$|^For details see https://github.com/google/sanitizers/issues/189$' \
    "$2" >"$2.tool" || true
  mv "$2.tool" "$2"
  [ "$(wc -l <"$2")" -eq 1 ] || fail "not one error line: $(cat "$2")"
  grep -Eq "$3" "$2" || fail "the error does not match '$3': $(cat "$2")"
}
run() {  # run NAME ARGS...: exit code to NAME.rc, stderr to NAME.err
  local name=$1
  shift
  set +e
  "$@" >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
  set -e
}

# Two writers of one sweep folder: the second is told who holds it; the first finishes with every row.
cat >"$work/long.json" <<JSON
{"schema_version": 1, "name": "two-writers", "study": "tests/data/sim_small.json",
 "axes": [{"path": "/workload/top_k", "values": [1, 2, 3, 4, 8]},
          {"path": "/workload/schedule", "values": ["1D+3A+12R", "2D+2A+12R"]}],
 "backend": "simulate", "objectives": ["simulated_time_ms", "simulated_speedup"]}
JSON
"$exe" sweep "$work/long.json" --out "$work/sweep" -j 1 >"$work/first.out" 2>"$work/first.err" &
first=$!
for _ in $(seq 1 400); do [ -s "$work/sweep/sweep.json" ] && break; sleep 0.01; done
kill -0 "$first" 2>/dev/null || fail "the first sweep ended before a second writer could be tried"
run second "$exe" sweep "$work/long.json" --out "$work/sweep" --resume -j 1
running=$(kill -0 "$first" 2>/dev/null && echo yes || echo no)
expect_refusal "$work/second.rc" "$work/second.err" "^cascadesim sweep: $work/sweep: being written by process $first on "
wait "$first" || fail "the first sweep failed: $(cat "$work/first.err")"
rows=$(($(wc -l <"$work/sweep/points.csv") - 1))
[ "$rows" -eq 10 ] || fail "the first sweep wrote $rows rows, not 10"
[ "$(cut -d, -f1 "$work/sweep/points.csv" | tail -n +2 | sort -n | uniq | wc -l)" -eq 10 ] || fail "rows are duplicated"
echo "  second writer refused (the first still running after: $running): $(cat "$work/second.err")"
# Once the first has finished, the folder is free again.
run third "$exe" sweep "$work/long.json" --out "$work/sweep" --resume -j 1
[ "$(cat "$work/third.rc")" -eq 0 ] || fail "a resume after the first writer ended failed: $(cat "$work/third.err")"

# A bad study leaves an existing trace as it was: the trace is created only after the study loads.
echo "an earlier trace" >"$work/trace.json"
echo '{"schema_version": 1, "name": ' >"$work/bad.json"
run bad "$exe" simulate "$work/bad.json" --trace "$work/trace.json"
expect_refusal "$work/bad.rc" "$work/bad.err" "^$work/bad[.]json: /: invalid JSON"
[ "$(cat "$work/trace.json")" = "an earlier trace" ] || fail "a bad study clobbered the trace"

# The trace is never the study, nor a link to it.
cp tests/data/sim_small.json "$work/study.json"
ln -s "$work/study.json" "$work/study-link.json"
for target in study.json study-link.json; do
  run self "$exe" simulate "$work/study.json" --trace "$work/$target"
  expect_refusal "$work/self.rc" "$work/self.err" "^cascadesim simulate: --trace $work/$target: is the input"
  cmp -s tests/data/sim_small.json "$work/study.json" || fail "the trace replaced the study"
done

# Full disk: the trace fails with one line; the earlier trace stays whole; no temporary is left.
(
  trap '' XFSZ
  ulimit -f 64
  run full "$exe" simulate "$work/study.json" --trace "$work/trace.json"
)
expect_refusal "$work/full.rc" "$work/full.err" "^cascadesim simulate: $work/trace[.]json: writing failed: File too large"
[ "$(cat "$work/trace.json")" = "an earlier trace" ] || fail "a failed trace replaced the earlier one"
[ -z "$(find "$work" -name '*.tmp-*')" ] || fail "temporaries left: $(find "$work" -name '*.tmp-*')"

# A schema written over a planted link replaces the link; the file it pointed to is untouched.
echo precious >"$work/victim.txt"
ln -s "$work/victim.txt" "$work/schema.json"
run schema "$exe" describe --schema "$work/schema.json"
[ "$(cat "$work/schema.rc")" -eq 0 ] || fail "describe --schema failed: $(cat "$work/schema.err")"
[ ! -L "$work/schema.json" ] && [ "$(cat "$work/victim.txt")" = precious ] || fail "the schema was written through a link"

# Standard output on a full disk: exit 2, one line.
set +e
"$exe" predict --json >/dev/full 2>"$work/stdout.err"
echo $? >"$work/stdout.rc"
set -e
expect_refusal "$work/stdout.rc" "$work/stdout.err" "^cascadesim predict: writing to standard output failed"

# Outputs aimed at devices and folders are refused, never replaced.
run device "$exe" describe --schema /dev/null
expect_refusal "$work/device.rc" "$work/device.err" "^cascadesim describe: /dev/null: is not a regular file"
[ -c /dev/null ] || fail "/dev/null was replaced"
run folder "$exe" describe --schema "$work"
expect_refusal "$work/folder.rc" "$work/folder.err" "is a folder"
echo "hostile outputs: all refused, nothing clobbered"
