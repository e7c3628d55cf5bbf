#!/usr/bin/env bash
# out_of_memory.sh EXE WORK_DIR: an allocation that fails is one line and exit 2, not an internal error or a crash.
# A valid 30 MiB study (a long description) is read under an address-space limit (ulimit -v) too small to hold it
# parsed. Skipped (exit 77) for a sanitizer build, whose shadow memory needs more address space than any such limit.
set -euo pipefail
exe=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
if grep -q __asan_init "$exe" 2>/dev/null || grep -q __tsan_init "$exe" 2>/dev/null; then
  echo "skipped: $exe is a sanitizer build"
  exit 77
fi
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
{
  printf '{"schema_version": 1, "name": "big", "hardware": "h100-sxm", "model": "llama-3.2-1b",'
  printf ' "workload": {"phase": "prefill", "seq_len": 4096, "top_k": 4, "schedule": "1D+3A+12R"}, "description": "'
  head -c $((30 << 20)) /dev/zero | tr '\0' x
  printf '"}\n'
} >"$work/big.json"
# The study loads with room to spare: the limit below is what fails it.
"$exe" predict "$work/big.json" >/dev/null || fail "the 30 MiB study does not load without a limit"
set +e
(
  ulimit -v 150000
  exec "$exe" predict "$work/big.json"
) >/dev/null 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "exit $rc under ulimit -v, not 2: $(cat "$work/err")"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "not one error line: $(cat "$work/err")"
grep -q "^cascadesim predict: out of memory" "$work/err" || fail "not the out-of-memory line: $(cat "$work/err")"
echo "out of memory: $(cat "$work/err")"
