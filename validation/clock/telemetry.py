"""SM clock, board power and throttle reasons sampled by nvidia-smi in the background while kernels are timed, so that
every measured time can carry the clock and power it ran at (an H100 under sustained GEMMs or attention sits at its
power cap with the SM clock well below its boost clock; a short burst may not).

Power is the instantaneous reading where the driver has one (power.draw.instant), else power.draw (a one-second
average on Hopper, so it lags a burst).
"""
import statistics
import subprocess
import threading
import time


def _power_field():
    probe = subprocess.run(["nvidia-smi", "--query-gpu=power.draw.instant", "--format=csv,noheader,nounits"],
                           capture_output=True, text=True)
    ok = probe.returncode == 0 and probe.stdout.strip() and "N/A" not in probe.stdout and "not" not in probe.stdout
    return "power.draw.instant" if ok else "power.draw"


class Sampler:
    """(host time, SM MHz, power W, throttle reasons), every `period_ms`."""

    def __init__(self, period_ms=50):
        self.samples = []
        self.power_field = _power_field()
        self.proc = subprocess.Popen(
            ["nvidia-smi", f"--query-gpu=clocks.sm,{self.power_field},clocks_throttle_reasons.active",
             "--format=csv,noheader,nounits", "-lms", str(period_ms)], stdout=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = [p.strip() for p in line.split(",")]
            try:
                self.samples.append((time.time(), float(parts[0]), float(parts[1]), parts[2]))
            except (ValueError, IndexError):
                pass

    def between(self, start, end):
        """The clock and power sampled in [start, end] (host time)."""
        s = [x for x in self.samples if start <= x[0] <= end]
        if not s:
            return {"samples": 0, "power_field": self.power_field}
        return {"samples": len(s), "power_field": self.power_field,
                "sm_clock_MHz_median": statistics.median(x[1] for x in s), "sm_clock_MHz_min": min(x[1] for x in s),
                "power_W_median": statistics.median(x[2] for x in s), "power_W_max": max(x[2] for x in s),
                "throttled_samples": sum(1 for x in s if int(x[3], 16) != 0) if all(
                    x[3].startswith("0x") for x in s) else None}

    def stop(self):
        self.proc.terminate()
