# Sourced by the one-call device scripts (run_energy_on_gpu.sh, run_layers_on_gpu.sh): the board's state at the
# start, the SM clock and power every 500 ms in logs/clocks.csv (stop_clock_log ends it), and step(), which runs a
# command with its output in logs/LOG for at most CAP_S or the seconds the call has left. Needs out and limit_s set.
mkdir -p "$out/logs"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit \
  --format=csv | tee "$out/logs/nvidia_smi.csv"
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active \
  --format=csv -lms 500 >"$out/logs/clocks.csv" 2>&1 &
clock_log_pid=$!
stop_clock_log() { kill "$clock_log_pid"; }
# step CAP_S LOG COMMAND...
step() {
  local cap=$1 log=$2
  shift 2
  local left=$((limit_s - SECONDS))
  ((left < cap)) && cap=$left
  if ((cap < 10)); then
    echo "== skipped (time): $*"
    return 1
  fi
  echo "== $* (at most ${cap} s)"
  timeout "$cap" "$@" >"$out/logs/$log" 2>&1
  echo "rc $? after ${SECONDS} s"
}
on_h200() { nvidia-smi --query-gpu=name --format=csv,noheader | grep -q H200; }
# The prefill and decode references of run_fa3_final_on_gpu.sh (fa3-style grid, SDPA backends, decode) into
# $out/ref, with their summary in logs/summary.md; needs s (the validation sources) and bin/cascadesim-fa3-bench.
h200_references() {
  mkdir -p "$out/ref"
  local b=bin/cascadesim-fa3-bench
  step 120 fa3_timing.log $b --time "$out/ref/fa3_measured.json"
  step 120 sdpa.log python3 $s/sdpa_backends_reference.py --out "$out/ref/sdpa.json"
  step 100 decode_timing.log $b --decode-time "$out/ref/decode_measured.json"
  step 100 sdpa_decode.log python3 $s/sdpa_backends_reference.py --decode --out "$out/ref/sdpa_decode.json"
  python3 $s/fa3_summary.py "$out/ref/fa3_measured.json" "$out/ref/sdpa.json" --schedule no-pingpong+persistent \
    >"$out/logs/summary.md" 2>&1
  tail -30 "$out/logs/summary.md"
}
