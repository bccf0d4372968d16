"""Cold start to first frame, and peak memory, of `python main.py` against a
Kivy hello-world measured in the same run (same machine, same moment).

    python bench/startup.py [--runs 7] [--size 1920x1080]

Prints medians and the ratios against the targets (<= 1.5x time, <= 1.3x
memory). Runs offscreen when there is no display.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_TIME, TARGET_MEMORY = 1.5, 1.3


def measure(cmd: list[str], env: dict) -> tuple[float, float]:
    """Seconds from spawn to the child's first frame, and its peak RSS in MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env, cwd=ROOT)
    first = None
    for line in proc.stdout:
        if line.startswith("first_frame") and first is None:
            first = time.perf_counter() - start
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if first is None or proc.returncode != 0:
        raise SystemExit(f"{cmd} failed (exit {proc.returncode})")
    return first, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
    width, height = args.size.split("x")
    # The kiosk starts on an existing database, as it does every morning
    # (the first, unmeasured run creates it).
    data_dir = tempfile.mkdtemp(prefix="liulinhui-bench-")
    env = dict(os.environ, KCFG_GRAPHICS_WIDTH=width, KCFG_GRAPHICS_HEIGHT=height,
               LIULINHUI_DATA_DIR=data_dir)
    commands = {
        "hello-world": [sys.executable, str(ROOT / "bench" / "hello_world.py")],
        "kiosk": [sys.executable, str(ROOT / "main.py"), "--first-frame", "--size", args.size],
    }
    results = {name: [] for name in commands}
    measure(commands["kiosk"], env)  # warm the page cache once: we measure cold *process* start
    for _ in range(args.runs):
        for name, cmd in commands.items():  # interleaved, so drift hits both alike
            results[name].append(measure(cmd, env))
    print(f"start-up to first frame, {args.runs} runs each, window {args.size}")
    print(f"{'':12} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MiB':>13}")
    medians = {}
    for name, runs in results.items():
        times = [t for t, _ in runs]
        rss = statistics.median(m for _, m in runs)
        medians[name] = (statistics.median(times), rss)
        print(f"{name:12} {medians[name][0]:9.3f} {min(times):7.3f} {max(times):7.3f} {rss:13.1f}")
    t_ratio = medians["kiosk"][0] / medians["hello-world"][0]
    m_ratio = medians["kiosk"][1] / medians["hello-world"][1]
    print(f"ratio time   {t_ratio:.2f}x (target <= {TARGET_TIME}x) "
          f"{'ok' if t_ratio <= TARGET_TIME else 'OVER'}")
    print(f"ratio memory {m_ratio:.2f}x (target <= {TARGET_MEMORY}x) "
          f"{'ok' if m_ratio <= TARGET_MEMORY else 'OVER'}")


if __name__ == "__main__":
    main()
