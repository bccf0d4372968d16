"""The kiosk's writer killed with SIGKILL at random moments, many times over.

A child process (tests/kill_writer.py) opens the Store and writes wish cards
and study-room bookings as fast as it can, printing each record's id only
after the service call returned. The parent kills it after a seeded number
of reported writes and a short random delay (so how far a round got does not
depend on the machine's speed), or the child kills itself at a known point of
a migration; then the parent checks the database the way a restarted kiosk would meet it:
intact (integrity_check), every reported record there, and record and outbox
still one-to-one, i.e. nothing written twice, no outbox row without its
record and no record without its mutation. The same file is reused round
after round, so damage would accumulate; on every other round the checks run
on a copy, leaving the killed child's WAL for the next child to recover.
"""
from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.migrations import migrations
from kiosk.store import REQUIRED_PRAGMAS, Store

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261127
MIGRATIONS = [m.name for m in migrations._migrations]


@dataclass
class Round:
    delay: float
    alive: bool = False  # still running at the moment of the kill
    returncode: int | None = None
    opened: bool = False  # Store() had returned
    wishes: list[str] = field(default_factory=list)  # ids the child reported
    bookings: list[str] = field(default_factory=list)
    stderr: str = ""

    @property
    def reported(self) -> int:
        return len(self.wishes) + len(self.bookings)


def run_and_kill(db: Path, tag: str, delay: float, log: Path, after_writes: int = 0) -> Round:
    """Start the writer, wait until it is imported and has reported ``after_writes``
    writes, let it run ``delay`` s more, SIGKILL it. Counting writes, not time, makes
    how far each round got the same on a fast machine and on a loaded one."""
    result = Round(delay)
    ready = threading.Event()
    written = threading.Event()
    with open(log, "w+", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, "-m", "tests.kill_writer", str(db), tag], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=err, text=True, encoding="utf-8")

        def read():
            for line in proc.stdout:  # drained continuously: the child never blocks on a full pipe
                if not line.endswith("\n"):
                    break  # cut off by the kill: not a promise
                kind, _, rest = line.strip().partition(" ")
                if kind == "READY":
                    ready.set()
                elif kind == "OPEN":
                    result.opened = True
                elif kind == "W":
                    result.wishes.append(rest)
                elif kind == "B":
                    result.bookings.append(rest)
                if result.reported >= after_writes:
                    written.set()
            ready.set()  # the child ended before it got going: let the parent see why
            written.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            # generous bounds, reached only when something is broken
            assert ready.wait(120), "the writer did not start"
            if after_writes:
                assert written.wait(120), "the writer did not get going"
            time.sleep(delay)
            result.alive = proc.poll() is None
            proc.kill()  # SIGKILL: no finally blocks, no atexit, no sqlite close
            result.returncode = proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        reader.join(10)
        err.seek(0)
        result.stderr = err.read()
    return result


def copy_as_left(db: Path, dest: Path) -> Path:
    """The database, WAL and shared-memory files exactly as the dead child left them."""
    dest.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{db}{suffix}")
        if src.exists():
            shutil.copyfile(src, dest / f"{db.name}{suffix}")
    return dest / db.name


def check_db(db: Path) -> tuple[set[str], set[str]]:
    """Everything a restarted kiosk relies on; returns the (wish, booking) ids stored."""
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        raw.close()
    store = Store(db)  # what the kiosk does at start-up: pragmas checked, migrations completed
    try:
        assert store.pragmas() == REQUIRED_PRAGMAS
        q = store.db.execute
        applied = [r[0] for r in q("SELECT name FROM _sqlite_migrations WHERE migration_set = 'kiosk' "
                                   "ORDER BY id")]
        assert applied == MIGRATIONS
        wishes = {r[0]: r[1] for r in q("SELECT id, code FROM wishes")}
        bookings = {r[0]: r[1] for r in q("SELECT id, ticket FROM bookings")}
        outbox = q("SELECT mutation_id, type, payload, state FROM outbox").fetchall()
        # no orphan outbox row, no record without its mutation, nothing doubled
        assert len(outbox) == len(wishes) + len(bookings)
        assert len({m for m, *_ in outbox}) == len(outbox)
        assert {t for _, t, _, _ in outbox} <= {"wish.create", "booking.create"}
        assert {s for *_, s in outbox} <= {"pending"}
        wish_rows = [json.loads(p)["wish"] for _, t, p, _ in outbox if t == "wish.create"]
        booking_rows = [json.loads(p)["booking"] for _, t, p, _ in outbox if t == "booking.create"]
        # exactly one mutation per record, carrying that record (its code / ticket)
        assert sorted(w["id"] for w in wish_rows) == sorted(wishes)
        assert sorted(b["id"] for b in booking_rows) == sorted(bookings)
        assert all(wishes[w["id"]] == w["code"] for w in wish_rows)
        assert all(bookings[b["id"]] == b["ticket"] for b in booking_rows)
        # each booking's single creation event, and the study room's own rules still hold
        events = q("SELECT booking_id, count(*), min(event) FROM booking_events GROUP BY booking_id")
        assert {b: (n, e) for b, n, e in events} == {b: (1, "created:booked") for b in bookings}
        assert q("SELECT count(*) FROM bookings WHERE kind != 'study' OR status != 'booked'"
                 ).fetchone()[0] == 0
        assert q("SELECT max(n) FROM (SELECT count(*) AS n FROM bookings GROUP BY day, session, seat)"
                 ).fetchone()[0] in (None, 1)
        assert q("SELECT max(n) FROM (SELECT count(*) AS n FROM bookings GROUP BY day, phone)"
                 ).fetchone()[0] in (None, 1, 2)
        return set(wishes), set(bookings)
    finally:
        store.close()


def describe(r: Round) -> str:
    return (f"delay={r.delay * 1000:.0f}ms alive={r.alive} rc={r.returncode} opened={r.opened} "
            f"reported={r.reported}\n{r.stderr[-3000:]}")


def test_sigkill_at_random_moments_never_loses_doubles_or_orphans_a_write(tmp_path):
    rng = random.Random(SEED)
    db = tmp_path / "kiosk.db"
    # A third of the rounds die in start-up or the very first writes, the rest after a
    # seeded number of writes and somewhere inside the next (the kill points in the
    # migrations themselves are the next test's, at known places)
    plan = [(0, rng.uniform(0, 0.02)) if n % 3 == 0 else (rng.randint(5, 40), rng.uniform(0, 0.005))
            for n in range(30)]
    known_w: set[str] = set()
    known_b: set[str] = set()
    for n, (writes, delay) in enumerate(plan):
        r = run_and_kill(db, str(n), delay, tmp_path / f"child{n}.log", after_writes=writes)
        assert r.alive and r.returncode == -9, describe(r)  # killed, not crashed or finished
        assert r.reported >= writes, describe(r)
        assert len(set(r.wishes)) == len(r.wishes) and len(set(r.bookings)) == len(r.bookings)
        # every other round the checks run on a copy, so the next child meets the WAL as left
        target = copy_as_left(db, tmp_path / f"copy{n}") if n % 2 == 0 else db
        wishes, bookings = check_db(target)
        assert set(r.wishes) <= wishes and set(r.bookings) <= bookings, describe(r)  # nothing lost
        assert known_w <= wishes and known_b <= bookings  # nor anything from an earlier round
        new = (wishes - known_w) | (bookings - known_b)
        assert set(r.wishes) | set(r.bookings) <= new
        # one writer, one call at a time: at most the write in flight at the
        # kill was committed without being reported
        assert len(new) - r.reported in (0, 1), describe(r)
        known_w, known_b = wishes, bookings
    assert known_b  # not vacuous: bookings too (every fifth write), not only wish cards


@pytest.mark.parametrize("phase", ["before", "in"])
def test_sigkill_inside_each_migration_of_the_first_start_up_leaves_a_database_that_opens(tmp_path, phase):
    """Fresh database files; the child dies at a known point of each migration in
    turn: just before it, or after its statements inside its transaction. The
    migrations before it stay applied, that one and the rest are not, and the
    next start-up completes them all."""
    for n, name in enumerate(MIGRATIONS):
        db = tmp_path / f"fresh{n}.db"
        child = subprocess.run([sys.executable, "-m", "tests.kill_writer", str(db), f"k{n}", f"{phase}:{name}"],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert child.returncode == -9 and "OPEN" not in child.stdout, child.stderr[-3000:]
        raw = sqlite3.connect(copy_as_left(db, tmp_path / f"as_left{n}"))
        try:
            applied = [r[0] for r in raw.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
        finally:
            raw.close()
        assert applied == MIGRATIONS[:n], name  # exactly those before the kill point
        assert check_db(db) == (set(), set())  # the next start-up completes the migrations


def test_a_start_up_killed_between_table_and_index_gets_its_migrations_index(tmp_path):
    db = tmp_path / "k.db"
    raw = sqlite3.connect(db)  # the state such a kill leaves behind
    raw.execute("CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT, "
                "name TEXT, applied_at TEXT)")
    raw.commit()
    raw.close()
    store = Store(db)
    try:
        indexes = store.db["_sqlite_migrations"].indexes
        assert [(i.columns, i.unique) for i in indexes] == [(["migration_set", "name"], 1)]
    finally:
        store.close()
