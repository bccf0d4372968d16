"""Volunteer passbook at scale: 2,000,000 ledger rows across 1,824 volunteers.

    python bench/points.py [--rows 2000000]

Prints the median and worst time of a volunteer's balance (summary) and first
history page, against a primary-key lookup measured in the same run.
Target: each <= 10 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.passbook import Passbook  # noqa: E402
from kiosk.store import Store  # noqa: E402

VOLUNTEERS = 1824
TARGET_MS = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    store = Store(Path(tempfile.mkdtemp(prefix="liulinhui-bench-")) / "kiosk.db")
    rnd = random.Random(1824)
    t0 = time.perf_counter()
    with store.transaction() as db:
        db["volunteers"].insert_all({"id": f"v{i}", "number": f"LJY-{i:04d}", "name": "志愿者",
                                     "phone": f"138{i:08d}"} for i in range(VOLUNTEERS))
        db.conn.executemany(
            "INSERT INTO ledger (volunteer_id, at, activity, hours, points) VALUES (?, ?, ?, ?, ?)",
            ((f"v{rnd.randrange(VOLUNTEERS)}", f"20{rnd.randrange(20, 27)}-{rnd.randrange(1, 13):02d}-"
              f"{rnd.randrange(1, 29):02d}T10:00:00", "社区服务", 2, rnd.choice((8, 10, 12, 15)))
             for _ in range(args.rows)))
    store.db.execute("ANALYZE")
    print(f"{args.rows:,} ledger rows for {VOLUNTEERS} volunteers, filled in "
          f"{time.perf_counter() - t0:.1f} s")
    book = Passbook(store)
    sample = [f"v{rnd.randrange(VOLUNTEERS)}" for _ in range(50)]

    def run(fn):
        times = []
        for vid in sample:
            start = time.perf_counter()
            fn(vid)
            times.append((time.perf_counter() - start) * 1000)
        return times

    results = {
        "baseline: volunteer by primary key": run(lambda v: store.db["volunteers"].get(v)),
        "balance and hours (summary)": run(book.summary),
        "first history page (8 entries)": run(lambda v: book.history(v, 0)),
        "catalogue": run(lambda v: book.catalogue()),
    }
    print(f"{'query':38} {'median ms':>10} {'max ms':>8}")
    for name, times in results.items():
        print(f"{name:38} {statistics.median(times):10.3f} {max(times):8.3f}")
    worst = max(max(t) for n, t in results.items() if not n.startswith("baseline"))
    print(f"slowest: {worst:.2f} ms (target <= {TARGET_MS} ms): {'ok' if worst <= TARGET_MS else 'OVER'}")
    store.close()


if __name__ == "__main__":
    main()
