"""SM clock, board power and throttle reasons sampled by nvidia-smi in the background while kernels are timed, so that
every measured time can carry the clock and power it ran at (an H100 under sustained GEMMs or attention sits at its
power cap with the SM clock well below its boost clock; a short burst may not).

Power is the instantaneous reading where the driver has one (power.draw.instant), else power.draw (a one-second
average on Hopper, so it lags a burst). Energy comes from NVML's total-energy counter (millijoules since the driver
loaded; nvmlDeviceGetTotalEnergyConsumption, read through ctypes as the runner reads it through dlopen), sampled on
the same clock: `between` gives the energy of a window as the counter's difference over it.
"""
import ctypes
import statistics
import subprocess
import threading
import time


def _power_field():
    probe = subprocess.run(["nvidia-smi", "--query-gpu=power.draw.instant", "--format=csv,noheader,nounits"],
                           capture_output=True, text=True)
    ok = probe.returncode == 0 and probe.stdout.strip() and "N/A" not in probe.stdout and "not" not in probe.stdout
    return "power.draw.instant" if ok else "power.draw"


class EnergyCounter:
    """NVML's total-energy counter of GPU 0; `error` says why not where NVML or the counter is missing."""

    def __init__(self):
        self.error = None
        try:
            self.lib = ctypes.CDLL("libnvidia-ml.so.1")
            self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
            self.device = ctypes.c_void_p()
            self._check(self.lib.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(self.device)),
                        "nvmlDeviceGetHandleByIndex_v2")
            self.read_mJ()
        except (OSError, RuntimeError) as e:
            self.error = str(e)

    def _check(self, status, call):
        if status != 0:
            raise RuntimeError(f"NVML {call} failed with status {status}")

    def read_mJ(self):
        energy = ctypes.c_ulonglong()
        self._check(self.lib.nvmlDeviceGetTotalEnergyConsumption(self.device, ctypes.byref(energy)),
                    "nvmlDeviceGetTotalEnergyConsumption")
        return energy.value


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
        self.energy = EnergyCounter()
        self.energy_samples = []  # (host time, mJ)
        self.running = True
        if self.energy.error is None:
            self.energy_thread = threading.Thread(target=self._read_energy, args=(period_ms,), daemon=True)
            self.energy_thread.start()

    def _read_energy(self, period_ms):
        while self.running:
            self.energy_samples.append((time.time(), self.energy.read_mJ()))
            time.sleep(period_ms / 1000.0)

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
                    x[3].startswith("0x") for x in s) else None} | self.energy_between(start, end)

    def energy_between(self, start, end):
        """The counter's difference between its first and last samples inside [start, end], and the mean power."""
        e = [x for x in self.energy_samples if start <= x[0] <= end]
        if self.energy.error is not None:
            return {"energy_error": self.energy.error}
        if len(e) < 2 or e[-1][0] <= e[0][0]:
            return {}
        energy_J = (e[-1][1] - e[0][1]) / 1000.0
        return {"energy_J": energy_J, "energy_seconds": e[-1][0] - e[0][0],
                "mean_power_W_from_energy": energy_J / (e[-1][0] - e[0][0])}

    def stop(self):
        self.running = False
        self.proc.terminate()
