"""CPU and memory of the kiosk sitting idle on its home screen, against a Kivy
hello-world idling in the same run. The kiosk runs all day: the target is
<= 1% of one core.

    python bench/idle_cpu.py [--settle 8] [--window 30]

Both run offscreen (SDL_VIDEODRIVER=offscreen) with no display needed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
TARGET_PERCENT = 1.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def pss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(cmd: list[str], env: dict, settle: float, window: float) -> tuple[float, float]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, cwd=ROOT)
    try:
        time.sleep(settle)
        if proc.poll() is not None:
            raise SystemExit(f"{cmd} exited early ({proc.returncode})")
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(window)
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
        return 100 * (c1 - c0) / (t1 - t0), pss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--settle", type=float, default=8, help="s before measuring")
    parser.add_argument("--window", type=float, default=30, help="s measured")
    args = parser.parse_args()
    env = dict(os.environ, SDL_VIDEODRIVER="offscreen",
               LIULINHUI_DATA_DIR=tempfile.mkdtemp(prefix="liulinhui-bench-"),
               # the attract loop starts after 180 s; this measures the plain home screen
               LIULINHUI_ATTRACT_AFTER="3600")
    env.pop("DISPLAY", None)
    commands = {
        "hello-world": [sys.executable, str(ROOT / "bench" / "hello_world.py"), "--stay"],
        "kiosk": [sys.executable, str(ROOT / "main.py")],
    }
    print(f"idle CPU over {args.window:.0f} s after {args.settle:.0f} s settling")
    print(f"{'':12} {'% of a core':>12} {'PSS MiB':>9}")
    for name, cmd in commands.items():
        cpu, pss = measure(cmd, env, args.settle, args.window)
        verdict = "" if name != "kiosk" else (
            f"  (target <= {TARGET_PERCENT}%: {'ok' if cpu <= TARGET_PERCENT else 'OVER'})")
        print(f"{name:12} {cpu:12.2f} {pss:9.1f}{verdict}")


if __name__ == "__main__":
    main()
