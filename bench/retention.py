"""The kiosk's daily purge (kiosk/retention.py) on five years of bookings (~330,000).

    python bench/retention.py [--years 5]

Prints the first purge of a kiosk that kept everything (the upgrade), a
day's purge afterwards (what the app's clock runs once a day, on the UI
thread), and, measured in the same run, a primary-key lookup and the
no-show release the app already runs every minute.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bookings import TODAY, fill, timed  # noqa: E402
from kiosk.bookings import Bookings  # noqa: E402
from kiosk.center import load_center  # noqa: E402
from kiosk.paths import CENTER_FILE  # noqa: E402
from kiosk.retention import purge  # noqa: E402
from kiosk.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    center = replace(load_center(CENTER_FILE), study_seats=80)  # as bench/bookings.py: ~330,000 bookings
    store = Store(Path(tempfile.mkdtemp(prefix="liulinhui-bench-")) / "kiosk.db")
    count = fill(store, center, args.years)
    morning = datetime.combine(TODAY, datetime.min.time()).replace(hour=7)
    some = store.db.execute("SELECT id FROM bookings ORDER BY random() LIMIT 1").fetchone()[0]
    bookings = Bookings(store, center, now=lambda: morning)
    baseline = {
        "baseline: booking by primary key": timed(lambda: store.db.execute(
            "SELECT * FROM bookings WHERE id = ?", [some]).fetchone()),
        "baseline: release no-shows (every minute)": timed(bookings.release_no_shows),
    }
    start = time.perf_counter()
    first = purge(store, center.retention, now=lambda: morning)
    first_ms = (time.perf_counter() - start) * 1000
    days = iter(range(1, 1000))
    daily = timed(lambda: purge(store, center.retention, now=lambda: morning + timedelta(days=next(days))), 15)
    print(f"{count:,} bookings over {args.years} years")
    print(f"{'':44} {'median ms':>10} {'max ms':>8}")
    for name, runs in baseline.items():
        print(f"{name:44} {statistics.median(runs):10.3f} {max(runs):8.3f}")
    print(f"{'a day of purge (one day of bookings each)':44} {statistics.median(daily):10.3f} {max(daily):8.3f}")
    print(f"first purge after keeping everything: {first_ms:.0f} ms, {first['bookings']:,} bookings forgotten")
    store.close()


if __name__ == "__main__":
    main()
