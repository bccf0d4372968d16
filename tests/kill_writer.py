"""Child process for tests/test_store_kill.py: the kiosk's writer, to be SIGKILLed.

Run as ``python -m tests.kill_writer DB TAG [KILL_AT]`` from the checkout. It prints
``READY`` once imported (before the database is touched), ``OPEN`` once
``Store(DB)`` returned (migrations applied), then writes forever: mostly wish
cards with distinct texts, every fifth write a study-room booking on a seat
that is still free, each for a phone never used before (so no per-person
limit can refuse it). After each service call RETURNED it prints ``W <id>``
or ``B <id>`` and flushes; a line is therefore a promise that the record was
committed. Any exception is a bug: the process exits non-zero with a traceback
instead of being killed with -9, and the parent test fails.

KILL_AT ``before:NAME`` or ``in:NAME``: the child SIGKILLs itself at that known
point of the start-up, just before the kiosk migration NAME runs or after its
statements ran inside its transaction (before the record that it was applied).
"""
from __future__ import annotations

import os
import signal
import sys
from datetime import date, datetime

from kiosk.bookings import Bookings
from kiosk.center import load_center
from kiosk.paths import CENTER_FILE
from kiosk.store import Store
from kiosk.wishes import CATEGORIES, Wishes

DAY = date(2026, 11, 27)
NOW = lambda: datetime(2026, 11, 27, 7, 0)  # noqa: E731  before the first session of DAY
BOOK_EVERY = 5


def report(line: str) -> None:
    """One whole line per write(2), whatever PYTHONUNBUFFERED says (print() would
    write its pieces separately when unbuffered, and a kill could split a line)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def free_seats(bookings: Bookings) -> list[tuple[date, str, int]]:
    """Every (day, session, seat) still free, in the order they will be taken."""
    places = []
    for day in bookings.open_days():
        for slot in bookings.study_sessions(day):
            seats = bookings.seat_map(day, slot.session)
            places += [(day, slot.session, seat) for seat, taken in seats.items() if not taken]
    return places


def die_at(point: str) -> None:
    """Wrap the named migration so the process dies there, with no chance to clean up."""
    from kiosk.migrations import migrations
    phase, _, name = point.partition(":")
    migration = next(m for m in migrations._migrations if m.name == name)
    original = migration.fn

    def fn(db):
        if phase == "in":
            original(db)
        os.kill(os.getpid(), signal.SIGKILL)
    migration.fn = fn


def main(db_path: str, tag: str, kill_at: str | None = None) -> None:
    center = load_center(CENTER_FILE)
    if kill_at:
        die_at(kill_at)
    report("READY")
    store = Store(db_path)
    report("OPEN")
    wishes = Wishes(store, now=NOW)
    bookings = Bookings(store, center, now=NOW)
    places = free_seats(bookings)
    places.reverse()  # pop() from the end takes them in order
    # A phone per booking, never reused: only committed bookings are counted,
    # and every later booking of this run gets a higher number.
    phone_base = store.db["bookings"].count
    booked = 0
    i = 0
    while True:
        i += 1
        if i % BOOK_EVERY == 0 and places:
            day, session, seat = places.pop()
            record = bookings.book_study(day, session, seat, "李四",
                                         f"139{phone_base + booked:08d}")
            booked += 1
            report(f"B {record['id']}")
        else:
            text = f"心愿{tag}号第{i}条：希望楼道的灯能修好"
            record = wishes.submit("张秀英", "13812345678", CATEGORIES[i % len(CATEGORIES)], text,
                                   consent=True)
            report(f"W {record['id']}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
