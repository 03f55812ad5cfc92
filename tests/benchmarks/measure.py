"""Timing helpers: child processes with their own wall time, CPU time and peak memory."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float  # user + system, all threads
    peak_rss_bytes: int  # the child's high-water mark (getrusage ru_maxrss)
    stdout: str = ""


@dataclass
class Series:
    """Repeated runs of one measurement; the median is what gets reported."""

    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu_s for r in self.runs)

    @property
    def peak_rss(self) -> int:
        return max(r.peak_rss_bytes for r in self.runs)

    @property
    def spread(self) -> str:
        walls = [r.wall_s for r in self.runs]
        return f"runs {min(walls):.1f}–{max(walls):.1f} s" if len(walls) > 1 else "1 run"


def run_measured(args: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    """Run `python args...` from the repository root, with the child's own CPU time and peak
    RSS from wait4 (exact, per child). Raises when it fails."""
    started = time.perf_counter()
    out_path = ROOT / "benchmark_data" / f".child-{os.getpid()}.out"
    with open(out_path, "w") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                raise TimeoutError(" ".join(args))
            time.sleep(0.02)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text()
    out_path.unlink()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed ({process.returncode}): {stdout[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, stdout)


def timed_python(code: str, timeout: float = 1800) -> dict:
    """Run a snippet in a fresh interpreter; it prints one JSON object (its own timings)."""
    run = run_measured(["-c", code], timeout=timeout)
    return json.loads(run.stdout.strip().splitlines()[-1])


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"nproc": str(len(os.sched_getaffinity(0))), "ram": f"{mem_kb / 2**20:.1f} GiB", "cpu": cpu,
            "python": platform.python_version(), "os": platform.platform(terse=True)}


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())
