#!/usr/bin/env bash
# sweep_kill_resume.sh EXE WORK_DIR: kills sweeps with SIGKILL at random moments and checks that what they left is
# a byte prefix of an uninterrupted run's files (whole rows in index order, at most a torn last line, nothing
# duplicated), that no forked worker outlives its parent, and that --resume then completes byte-identical files;
# then fills the disk (ulimit -f: write() fails with EFBIG) and checks for exit 2 and one error line naming the
# file, intact rows, and an identical --resume. The kill moments come from $RANDOM seeded by SWEEP_KILL_SEED
# (default 1, so that CI draws the same moments every time; "clock" draws a seed from the clock; the moments replay,
# the process's progress at them only roughly). Where no drawn moment lands mid-run (a machine busier during the
# reference run than during the trials), further trials kill earlier, a bounded number of times, instead of failing
# by chance. Run from the repository root.
set -euo pipefail
exe=$1
work=$2
# 10#: the clock digits may start with 0, which bash arithmetic would read as octal.
seed=${SWEEP_KILL_SEED:-1}
[ "$seed" != clock ] || seed=$(((($$ << 15) ^ 10#$(date +%s%N | cut -c10-15)) % 1000000))
RANDOM=$seed
echo "sweep_kill_resume: seed $seed (replay with SWEEP_KILL_SEED=$seed)"
rm -rf "$work"
mkdir -p "$work"
# Under ASan, so that a failed run's stderr holds its error line and nothing else.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

fail() {
  echo "FAIL (seed $seed): $*" >&2
  exit 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
random_below() { echo $((((RANDOM << 15) | RANDOM) % ($1 > 0 ? $1 : 1))); }
lines_in() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
# The row files of DIR whose last line is torn (not ending in a newline).
torn() {
  local f list=""
  for f in points.csv points.jsonl; do
    if [ -s "$1/$f" ] && [ "$(tail -c 1 "$1/$f" | wc -l)" -eq 0 ]; then list="$list $f"; fi
  done
  echo "${list:- none}"
}

# 150,006 analytical points (a second or two with two threads, minutes under ASan), and 10 simulated ones with a
# forked worker.
cat >"$work/analytical.json" <<JSON
{"schema_version": 1, "name": "kill-resume-analytical", "study": "configs/studies/kascade-llama-3.2-1b-32k.json",
 "axes": [{"path": "/workload/top_k", "values": [2, 5, 16]},
          {"path": "/workload/schedule", "values": ["1D+3A+12R", "2D+2A+12R"]},
          {"path": "/workload/seq_len", "range": {"from": 2048, "to": 102048, "step": 4}}],
 "backend": "analytical", "objectives": ["time_ms", "speedup"],
 "pareto": {"minimize": ["time_ms"], "maximize": ["speedup"]}}
JSON
cat >"$work/simulated.json" <<JSON
{"schema_version": 1, "name": "kill-resume-simulated", "study": "tests/data/sim_small.json",
 "axes": [{"path": "/workload/top_k", "values": [1, 2, 3, 4, 8]},
          {"path": "/workload/schedule", "values": ["1D+3A+12R", "2D+2A+12R"]}],
 "backend": "simulate", "objectives": ["simulated_time_ms", "simulated_speedup"],
 "pareto": {"minimize": ["simulated_time_ms"], "maximize": ["simulated_speedup"]}}
JSON
files="sweep.json points.csv points.jsonl pareto.csv"

# same REFERENCE_DIR DIR: every output file byte-identical.
same() {
  for f in $files; do
    cmp "$1/$f" "$2/$f" || fail "$2/$f differs from $1/$f"
  done
}

# partial REFERENCE_DIR DIR: what a killed or failed run left. The row files are byte prefixes of the reference's
# (so their complete rows are the reference's first rows, in order, each once, and only the last line may be torn);
# sweep.json and pareto.csv are whole (written through a temporary file and a rename) or absent.
partial() {
  local f size
  for f in points.csv points.jsonl; do
    [ -f "$2/$f" ] || continue
    size=$(stat -c %s "$2/$f")
    [ "$size" -le "$(stat -c %s "$1/$f")" ] || fail "$2/$f holds more bytes than the finished $1/$f"
    cmp -s -n "$size" "$2/$f" "$1/$f" ||
      fail "$2/$f is not a prefix of $1/$f: $(cmp -n "$size" "$2/$f" "$1/$f" 2>&1 | head -1)"
  done
  for f in sweep.json pareto.csv; do
    [ ! -f "$2/$f" ] || cmp -s "$2/$f" "$1/$f" || fail "$2/$f exists but differs from $1/$f"
  done
}

# The rows a resume keeps: the complete rows both row files hold.
kept_rows() {
  local csv jsonl
  csv=$(lines_in "$1/points.csv")
  jsonl=$(lines_in "$1/points.jsonl")
  [ "$csv" -gt 0 ] || {
    echo 0
    return
  }
  echo $((csv - 1 < jsonl ? csv - 1 : jsonl))
}

# finish REFERENCE_DIR DIR SPEC JOBS: --resume to completion; it must say how many rows it kept, and end identical.
finish() {
  local kept
  kept=$(kept_rows "$2")
  "$exe" sweep "$3" --out "$2" --resume -j "$4" >"$2.finish.txt" 2>/dev/null || fail "--resume of $2 failed"
  if [ "$kept" -gt 0 ]; then
    grep -q "resumed after $kept rows" "$2.finish.txt" ||
      fail "--resume of $2 did not keep its $kept rows: $(cat "$2.finish.txt")"
  fi
  same "$1" "$2"
}

# The live processes (not zombies) of session $1 other than $1: the sweep's forked workers.
session_workers() {
  local stat_file line rest state sess pid
  for stat_file in /proc/[0-9]*/stat; do
    read -r line <"$stat_file" 2>/dev/null || continue
    pid=${line%% *}
    rest=${line##*) }
    # Fields after the command: state, parent, process group, session.
    read -r state _ _ sess _ <<<"$rest"
    if [ "$sess" = "$1" ] && [ "$pid" != "$1" ] && [ "$state" != Z ] && [ "$state" != X ]; then echo "$pid"; fi
  done
}

# kill_run SPEC DIR JOBS DELAY_MS WAIT_FOR_WORKER: starts a resuming sweep in its own session, kills it with
# SIGKILL after DELAY_MS (counted from its first worker process when WAIT_FOR_WORKER is 1), and checks that its
# workers die with it. Sets killed (1 when the kill landed mid-run) and workers (how many were alive then).
kill_run() {
  local pid rc=0 waited=0 lingering
  setsid "$exe" sweep "$1" --out "$2" --resume -j "$3" >/dev/null 2>&1 &
  pid=$!
  if [ "$5" = 1 ]; then
    while [ -z "$(session_workers "$pid")" ] && [ -e "/proc/$pid" ] &&
      [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] && [ "$waited" -lt 20000 ]; do
      sleep 0.01
      waited=$((waited + 10))
    done
  fi
  sleep_ms "$4"
  workers=$(session_workers "$pid" | wc -l)
  kill -9 "$pid" 2>/dev/null || true
  # Braced, so that bash's "Killed" job report goes to /dev/null.
  { wait "$pid"; } 2>/dev/null || rc=$?
  case $rc in
    137) killed=1 ;;
    0) killed=0 ;;
    *) fail "the sweep into $2 exited $rc before the kill" ;;
  esac
  # PR_SET_PDEATHSIG: the workers get SIGKILL when the parent dies; allow them a moment to go.
  for _ in $(seq 1 100); do
    lingering=$(session_workers "$pid")
    [ -n "$lingering" ] || return 0
    sleep 0.05
  done
  fail "worker processes $(echo "$lingering" | tr '\n' ' ')outlived the killed sweep $pid"
}

# Reference runs, timed: the kill moments are drawn over the first three quarters of their durations (a run
# may be faster than the reference when the machine is less busy).
start=$(now_ms)
"$exe" sweep "$work/analytical.json" --out "$work/analytical-ref" -j 2 >/dev/null 2>&1
analytical_ms=$(($(now_ms) - start + 1))
start=$(now_ms)
"$exe" sweep "$work/simulated.json" --out "$work/simulated-ref" -j 2 >/dev/null 2>&1
simulated_ms=$(($(now_ms) - start + 1))
echo "reference runs: analytical $analytical_ms ms, simulated $simulated_ms ms"

# Analytical: each trial kills a fresh run, then kills its --resume, then resumes to the end.
landed=0
for trial in 1 2 3 4 5; do
  dir="$work/analytical-killed"
  rm -rf "$dir"
  for attempt in fresh resumed; do
    delay=$(random_below $((analytical_ms * 3 / 4)))
    kill_run "$work/analytical.json" "$dir" 2 "$delay" 0
    partial "$work/analytical-ref" "$dir"
    landed=$((landed + killed))
    echo "  analytical trial $trial, $attempt run: killed at $delay ms (mid-run: $killed)," \
      "$(kept_rows "$dir") rows kept, torn:$(torn "$dir")"
  done
  finish "$work/analytical-ref" "$dir" "$work/analytical.json" 2
done
# A fresh run killed at a quarter, an eighth, ... of the reference's duration until one lands mid-run.
delay=$((analytical_ms / 4))
while [ "$landed" -eq 0 ] && [ "$delay" -gt 0 ]; do
  dir="$work/analytical-killed"
  rm -rf "$dir"
  kill_run "$work/analytical.json" "$dir" 2 "$delay" 0
  partial "$work/analytical-ref" "$dir"
  landed=$killed
  echo "  analytical extra trial: killed at $delay ms (mid-run: $killed), $(kept_rows "$dir") rows kept"
  finish "$work/analytical-ref" "$dir" "$work/analytical.json" 2
  delay=$((delay / 2))
done
[ "$landed" -gt 0 ] || fail "no analytical kill landed before the run ended, even at 1 ms"

# Simulated with -j 2 (this process and a forked worker): kills while the worker runs, then resumes.
seen=0
for trial in 1 2 3; do
  dir="$work/simulated-killed"
  rm -rf "$dir"
  delay=$(random_below $((simulated_ms * 3 / 4)))
  kill_run "$work/simulated.json" "$dir" 2 "$delay" 1
  partial "$work/simulated-ref" "$dir"
  seen=$((seen + workers))
  echo "  simulated trial $trial: killed $delay ms after its worker started (mid-run: $killed, workers alive:" \
    "$workers), $(kept_rows "$dir") rows kept, torn:$(torn "$dir")"
  finish "$work/simulated-ref" "$dir" "$work/simulated.json" 2
done
# Killed as soon as the worker is seen, at most three more times, until a kill finds one alive.
for extra in 1 2 3; do
  [ "$seen" -eq 0 ] || break
  dir="$work/simulated-killed"
  rm -rf "$dir"
  kill_run "$work/simulated.json" "$dir" 2 0 1
  partial "$work/simulated-ref" "$dir"
  seen=$((seen + workers))
  echo "  simulated extra trial $extra: killed when its worker started (workers alive: $workers)"
  finish "$work/simulated-ref" "$dir" "$work/simulated.json" 2
done
[ "$seen" -gt 0 ] || fail "no kill found a live worker process to check"

# Out of disk space: a file-size limit makes write() fail with EFBIG once a file reaches it (the signal ignored).
# 4 MiB stops points.jsonl mid-run, 256 KiB stops sweep.json; the second try, still limited, must fail the same way
# and leave the rows as they were.
# full LIMIT_KiB DIR TRY: runs under the limit; expects exit 2 and one error line that starts with a file of DIR.
full() {
  local rc=0 errors
  (
    trap '' XFSZ
    ulimit -f "$1"
    exec "$exe" sweep "$work/analytical.json" --out "$2" --resume -j 2 >/dev/null 2>"$2.$3.err"
  ) || rc=$?
  # An output that cannot be written is bad input, exit 2 (core/atomic_file.hpp, OutputError).
  [ "$rc" -eq 2 ] || fail "the sweep under ulimit -f $1 exited $rc, not 2: $(cat "$2.$3.err")"
  errors=$(grep -v '^sweep: [0-9]*% ' "$2.$3.err" || true)
  if [ -z "$errors" ] || [ "$(printf '%s\n' "$errors" | wc -l)" -ne 1 ]; then
    fail "ulimit -f $1: not one error line: $errors"
  fi
  printf '%s\n' "$errors" |
    grep -q "^cascadesim sweep: $2/\(points[.]csv\|points[.]jsonl\|sweep[.]json\|pareto[.]csv\): " ||
    fail "ulimit -f $1: the error does not start with the file: $errors"
  partial "$work/analytical-ref" "$2"
  echo "  ulimit -f $1, $3: exit $rc, '$errors', $(kept_rows "$2") rows kept, torn:$(torn "$2")"
}
for limit in 4096 256; do
  dir="$work/analytical-full-$limit"
  full "$limit" "$dir" first
  rows=$(kept_rows "$dir")
  full "$limit" "$dir" again
  [ "$(kept_rows "$dir")" -eq "$rows" ] || fail "ulimit -f $limit: the second try changed the kept rows"
  finish "$work/analytical-ref" "$dir" "$work/analytical.json" 2
done

# The outputs are large: keep only the small simulated ones.
rm -rf "$work"/analytical-*
echo "sweep_kill_resume: killed sweeps left prefixes of the reference, no worker lingered, every --resume was" \
  "byte-identical, and a full disk left whole rows and one error line (seed $seed)"
