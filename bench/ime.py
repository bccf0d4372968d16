"""Pinyin keyboard engine against its baseline, measured in the same run:
index size on disk, load time, keystroke-to-candidates latency (p99 cold is
the target), memory added, and the hit rates of the regression list and the
held-out evaluation.

    python bench/ime.py [--baseline REV]

The baseline is the engine and index of git revision REV (default 54cd84b,
the keyboard before likelihood readings, word pairs and the wider name mode),
taken out of git into a temporary folder and measured in its own process with
the same script, the same inputs and the same machine.

Targets (printed, not asserted): p99 cold <= 5 ms, index <= 40 MB, memory
added < 30 MB, load < 0.5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "54cd84b"
SAMPLE = 5  # every 5th held-out row is typed letter by letter


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(lists: list[Path]) -> dict:
    """Run in the process of one engine (the current one, or the baseline's
    with its folder first on sys.path)."""
    from kiosk.ime.engine import INDEX, PinyinEngine
    from kiosk.ime.evaluate import load

    def rank_table(engine, rows):
        out: dict[str, list[int]] = {}
        for group, mode, typed, expected in rows:
            got = [c.text for c in engine.candidates(typed, name=mode == "name")[:6]]
            rank = got.index(expected) if expected in got else 6
            for g in [group] + (["names (all)"] if group.startswith("names-")
                                and group != "names-elder" else []):
                line = out.setdefault(g, [0, 0, 0, 0])
                line[0] += rank < 1
                line[1] += rank < 3
                line[2] += rank < 6
                line[3] += 1
        return out

    tables = {p.name: load(p) for p in lists}
    typed_rows = tables[lists[0].name] + tables[lists[1].name][::SAMPLE]
    before = rss_mib()
    t0 = time.perf_counter()
    engine = PinyinEngine()
    load_s = time.perf_counter() - t0

    # The session: every input typed letter by letter. "cold" empties the
    # span cache before each input, as if nothing had been typed before it;
    # "session" keeps it, as on the kiosk.
    # Wall time is what the visitor waits; the CPU time of the thread is
    # printed beside it, since on a shared machine other work inflates the
    # wall time of a keystroke and not its CPU time.
    def session(cold: bool) -> tuple[list[float], list[float]]:
        engine._cache.clear()
        wall, cpu = [], []
        for _group, mode, typed, _expected in typed_rows:
            if cold:
                engine._cache.clear()
            for i in range(1, len(typed) + 1):
                start, start_cpu = time.perf_counter(), time.thread_time()
                engine.candidates(typed[:i], name=mode == "name")
                cpu.append((time.thread_time() - start_cpu) * 1000)
                wall.append((time.perf_counter() - start) * 1000)
        return sorted(wall), sorted(cpu)

    cold, cold_cpu = session(True)
    warm, _warm_cpu = session(False)
    after = rss_mib()

    def p(values, q):
        return values[min(len(values) - 1, int(q * len(values)))]
    return {
        "index_mb": INDEX.stat().st_size / 1e6, "load_ms": load_s * 1000,
        "keystrokes": len(cold),
        "cold": [p(cold, .5), p(cold, .99), cold[-1]],
        "cold_cpu": [p(cold_cpu, .5), p(cold_cpu, .99), cold_cpu[-1]],
        "load": os.getloadavg()[0],
        "session": [p(warm, .5), p(warm, .99), warm[-1]],
        "memory_mib": after - before,
        "rates": {name: rank_table(engine, rows) for name, rows in tables.items()},
    }


def baseline(rev: str, lists: list[Path]) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "kiosk", "assets/ime"],
                                     capture_output=True, check=True).stdout
        except (subprocess.CalledProcessError, FileNotFoundError) as error:
            print(f"baseline {rev}: not measured ({error})")
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = subprocess.run(
            [sys.executable, __file__, "--measure", *map(str, lists)], cwd=tmp,
            env={**os.environ, "PYTHONPATH": tmp}, capture_output=True, text=True, check=True)
        return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the baseline")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child process of one engine
        sys.path.insert(0, os.getcwd())
        print(json.dumps(measure([Path(p) for p in args.measure])))
        return
    lists = [ROOT / "tests" / "ime_eval.tsv", ROOT / "tests" / "ime_heldout.tsv"]
    base = baseline(args.baseline, lists)
    now = json.loads(subprocess.run(
        [sys.executable, __file__, "--measure", *map(str, lists)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        check=True).stdout)

    def row(label, fmt, key, target=""):
        b = fmt(base[key]) if base else "-"
        print(f"{label:34} {b:>24} {fmt(now[key]):>24}  {target}")
    lat = "p50 {0[0]:.2f} p99 {0[1]:.2f} max {0[2]:.1f}".format
    print(f"{'':34} {'baseline ' + args.baseline:>24} {'now':>24}")
    row("index on disk (MB)", "{:.1f}".format, "index_mb", "target <= 40")
    row("load (ms)", "{:.0f}".format, "load_ms", "target < 500")
    row(f"keystrokes typed", "{}".format, "keystrokes")
    row("per keystroke, cold (ms)", lat, "cold", "target p99 <= 5")
    row("  the same, CPU time (ms)", lat, "cold_cpu")
    row("per keystroke, session (ms)", lat, "session")
    row("memory added (MiB)", "{:.1f}".format, "memory_mib", "target < 30")
    row("machine load (1 min)", "{:.1f}".format, "load", f"on {os.cpu_count()} cores")
    for name in now["rates"]:
        print(f"\n{name}: top-1 / top-3 / first page (6)")
        for group, (t1, t3, page, n) in sorted(now["rates"][name].items()):
            old = base["rates"][name].get(group) if base else None
            before = (f"{old[0] / old[3]:5.1%} {old[1] / old[3]:5.1%} {old[2] / old[3]:5.1%}"
                      if old else "-")
            print(f"  {group:18} {n:5}  {before:>20}  {t1 / n:5.1%} {t3 / n:5.1%} {page / n:5.1%}")


if __name__ == "__main__":
    main()
