"""Pinyin keyboard engine: index load, keystroke-to-candidates latency over a
scripted session, memory added, and the top-3 hit rate per group.

    python bench/ime.py

Targets (printed, not asserted): p99 < 5 ms, load < 0.5 s, memory < 30 MB,
hit rate >= 85 %. Baseline in the same run: one indexed SQLite point query.
"""
from __future__ import annotations

import resource
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.ime.engine import INDEX, PinyinEngine  # noqa: E402
from kiosk.ime.evaluate import hit_rates, load  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    rows = load()
    before = rss_mib()
    t0 = time.perf_counter()
    engine = PinyinEngine()
    load_s = time.perf_counter() - t0

    # The session: every evaluation input typed letter by letter. "cold"
    # empties the span cache before each input, as if nothing had been typed
    # before it; "session" keeps it, as on the kiosk.
    def session(cold: bool) -> list[float]:
        engine._cache.clear()
        latencies = []
        for _group, mode, typed, _expected in rows:
            if cold:
                engine._cache.clear()
            for i in range(1, len(typed) + 1):
                start = time.perf_counter()
                engine.candidates(typed[:i], name=mode == "name")
                latencies.append((time.perf_counter() - start) * 1000)
        return sorted(latencies)

    cold = session(True)
    lat = session(False)
    after = rss_mib()

    # baseline: an indexed point query on the same database
    db = sqlite3.connect(f"file:{INDEX}?mode=ro&immutable=1", uri=True)
    base = []
    for _group, _mode, typed, expected in rows * 6:
        start = time.perf_counter()
        db.execute("SELECT freq FROM words WHERE syl = ? LIMIT 1", (typed,)).fetchall()
        base.append((time.perf_counter() - start) * 1000)

    def p(values, q):
        return values[min(len(values) - 1, int(q * len(values)))]
    print(f"index: {INDEX.stat().st_size / 1e6:.1f} MB on disk, load {load_s * 1000:.0f} ms (target < 500)")
    for name, values in (("session", lat), ("cold", cold)):
        print(f"keystrokes ({name}): {len(values)}  p50 {p(values, .5):.2f} ms  "
              f"p99 {p(values, .99):.2f} ms  max {values[-1]:.2f} ms (target p99 < 5)")
    print(f"baseline point query: median {statistics.median(base):.3f} ms")
    print(f"memory added: {after - before:.1f} MiB (target < 30)")
    rates, _misses = hit_rates(engine, rows)
    total = [sum(h for h, _ in rates.values()), sum(t for _, t in rates.values())]
    for group, (hits, count) in rates.items():
        print(f"top-3 {group:14} {hits:3}/{count:<3} {hits / count:6.1%}")
    print(f"top-3 {'all':14} {total[0]:3}/{total[1]:<3} {total[0] / total[1]:6.1%} (target >= 85%)")


if __name__ == "__main__":
    main()
