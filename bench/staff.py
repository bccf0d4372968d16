"""Staff mode: how long the kiosk's UI thread is held by a staff sign-in, and
what the desk's read of today's bookings costs (figures only, no assertions).

    python bench/staff.py [--bookings 300] [--reads 30]

1. the UI thread during a staff PIN sign-in: the whole check in one call
   (StaffDesk.sign_in, as the pad ran it before) next to what the pad now runs
   on the UI thread (attempt + finish; the PBKDF2 check runs on a thread);
2. a desk read (POST /api/v1/duty/challenge, then /duty/today) against the real
   server on loopback with N of today's bookings, next to GET /api/v1/health and
   a pull of one page of the same server in the same run (each read includes one
   PBKDF2 check on the server).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.bookings import Bookings  # noqa: E402
from kiosk.staff_session import StaffDesk  # noqa: E402
from kiosk.store import Store  # noqa: E402
from sync.client import ServerLink, SyncClient  # noqa: E402
from tests.sync_server import CENTER, DAY, DUTY, DUTY_PIN, NOW, Server, on_duty  # noqa: E402


def ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"median {statistics.median(samples) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--reads", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        server = Server(folder)
        server.start()
        try:
            here, there = Store(folder / "lobby-1.db"), Store(folder / "lobby-2.db")
            at_there = Bookings(there, CENTER, now=NOW)
            sessions = [s.session for s in at_there.study_sessions(DAY)]
            made = 0
            for i in range(args.bookings):  # study seats, then counseling requests without a slot
                session, seat = sessions[i % len(sessions)], i // len(sessions) + 1
                if seat <= CENTER.study_seats:
                    at_there.book_study(DAY, session, seat, "张伟", f"138{i:08d}")
                else:
                    at_there.request_counseling("婚姻家庭", None, "赵敏", f"137{i:08d}", "", True)
                made += 1
            SyncClient(there, server.url, server.tokens["lobby-2"], timeout=60).cycle()
            SyncClient(here, server.url, server.tokens["lobby-1"], timeout=60).cycle()

            desk = StaffDesk(here, now=datetime.now)
            whole = timed(lambda: desk.sign_in(DUTY, DUTY_PIN), 10)

            def ui_part():
                attempt = desk.attempt(DUTY, DUTY_PIN)
                matched = attempt.matches()  # on the pad's thread: not timed below
                start = time.perf_counter()
                desk.finish(attempt, matched)
                return time.perf_counter() - start
            ui = []
            for _ in range(10):
                start = time.perf_counter()
                desk.attempt(DUTY, DUTY_PIN)
                ui.append(time.perf_counter() - start + ui_part())
            print("UI thread during a staff sign-in")
            print(f"  baseline, the check in one call (sign_in):  {ms(whole)}")
            print(f"  now, attempt + finish on the UI thread:     {ms(ui)}")

            link = ServerLink(server.url, server.tokens["lobby-1"], timeout=60)
            staff = on_duty(here)
            read = timed(lambda: link.duty_today(staff), args.reads)
            count = len(link.duty_today(staff)["bookings"])
            health = timed(lambda: requests.get(f"{server.url}/api/v1/health", timeout=60), args.reads)
            pull = timed(lambda: link.call("GET", "/api/v1/pull", params={"cursor": 0, "limit": 200}),
                         args.reads)
            print(f"\nPOST /api/v1/duty/today, {count} of today's bookings ({made} made), {args.reads} reads")
            print(f"  baseline GET /api/v1/health:          {ms(health)}")
            print(f"  baseline GET /api/v1/pull (200 rows): {ms(pull)}")
            print(f"  duty/today (one PBKDF2 check each):   {ms(read)}")
            here.close()
            there.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
