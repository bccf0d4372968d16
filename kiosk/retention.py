"""What the kiosk forgets, and when (no Kivy). PIPL's minimum necessary: the
kiosk keeps a resident's personal data only as long as it needs it once the
server has it. The periods are the center's ([retention] in the center
document, kiosk/center.py Retention).

- an outbox row the server applied (or already had) goes after outbox_days; a
  refused one stays for staff (--rejected) with its reason and reference only
  once its booking is forgotten;
- a booking's name, phone, child's name and age, topic and note go
  booking_days after its day (a counseling request without a slot: after the
  day it was made), leaving what the seat map and the counts need;
- a counseling request's topic and note go as soon as the server has the
  request (forget_counseling_details, also called when a push is answered);
- a fulfilled or declined wish keeps only the wall's 张** and no phone (as
  the replica stores other kiosks' wishes) wish_days after it was written.

The store deletes with secure_delete on, and the WAL is checkpointed after a
purge, so what was forgotten is not left in the database files either.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from kiosk.center import Center, Retention
from kiosk.clock import release_paused
from kiosk.lifecycle import DECLINED, FULFILLED
from kiosk.store import Store
from kiosk.wishes import anonymise

log = logging.getLogger("kiosk")
PURGED_KEY = "purged_on"  # meta: the day of the last purge
CHECK_EVERY = 3600.0  # s: the app asks hourly whether today's purge is done
BATCH = 500  # bookings forgotten in one transaction

ACKNOWLEDGED = "state IN ('applied', 'duplicate')"
# the day after which a booking is no longer needed: its session's, or the request's
BOOKING_DAY = "coalesce(day, substr(created_at, 1, 10))"
PERSONAL = ("name", "phone", "child_name", "child_age", "topic", "note")


def forget_counseling_details(conn) -> int:
    """Drop the topic and note of every counseling request the server has (its
    booking.create is no longer pending and was not refused), from the record
    and from the acknowledged outbox row that sent it."""
    conn.execute(
        f"UPDATE outbox SET payload = json_remove(payload, '$.booking.topic', '$.booking.note') "
        f"WHERE {ACKNOWLEDGED} AND type = 'booking.create' AND json_extract(payload, '$.booking.kind') = 'counseling' "
        "AND json_type(payload, '$.booking.topic') IS NOT NULL")
    return conn.execute(
        "UPDATE bookings SET topic = NULL, note = NULL WHERE kind = 'counseling' AND topic IS NOT NULL "
        "AND rejected_reason IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'pending' "
        "AND o.type = 'booking.create' AND json_extract(o.payload, '$.booking.id') = bookings.id)").rowcount


def _reference(payload: dict) -> dict:
    """What --rejected still shows of a refusal once its record is forgotten."""
    record = payload.get("booking") or payload.get("wish") or payload
    kept = {key: record.get(key) for key in ("id", "ticket", "code") if isinstance(record.get(key), str)}
    return dict(kept, forgotten=True)


def purge(store: Store, rules: Retention, now: Callable[[], datetime] = datetime.now) -> dict:
    """Forget what the center's periods say is no longer needed; returns the counts."""
    today = now().date()
    outbox_before = (today - timedelta(days=rules.outbox_days)).isoformat()
    booking_before = (today - timedelta(days=rules.booking_days)).isoformat()
    done = {}
    with store.transaction() as db:
        conn = db.conn
        done["outbox"] = conn.execute(
            f"DELETE FROM outbox WHERE {ACKNOWLEDGED} AND substr(created_at, 1, 10) < ?",
            [outbox_before]).rowcount
        done["counseling"] = forget_counseling_details(conn)
        closed = conn.execute(
            "SELECT id, name FROM wishes WHERE status IN (?, ?) AND phone <> '' AND substr(created_at, 1, 10) < ?",
            [FULFILLED, DECLINED, (today - timedelta(days=rules.wish_days)).isoformat()]).fetchall()
        conn.executemany("UPDATE wishes SET name = ?, phone = '' WHERE id = ?",
                         [(anonymise(name), wish_id) for wish_id, name in closed])
        done["wishes"] = len(closed)
        # a lift only matters while the no-shows it lifted still count
        done["lifts"] = conn.execute("DELETE FROM booking_block_lifts WHERE substr(lifted_at, 1, 10) < ?",
                                     [booking_before]).rowcount
        refused = conn.execute(
            "SELECT seq, payload FROM outbox WHERE state = 'rejected' AND substr(created_at, 1, 10) < ? "
            "AND json_extract(payload, '$.forgotten') IS NULL", [booking_before]).fetchall()
        conn.executemany("UPDATE outbox SET payload = ? WHERE seq = ?",
                         [(json.dumps(_reference(json.loads(payload)), ensure_ascii=False), seq)
                          for seq, payload in refused])
        done["refused"] = len(refused)
    done["bookings"] = 0
    while True:  # in batches: a kiosk that kept years of bookings never holds the write lock for long
        with store.transaction() as db:
            # every booking is made with a name, and all its personal fields go together
            forgotten = db.execute(
                f"UPDATE bookings SET {', '.join(f'{column} = NULL' for column in PERSONAL)} WHERE rowid IN "
                f"(SELECT rowid FROM bookings WHERE {BOOKING_DAY} < ? AND name IS NOT NULL LIMIT {BATCH})",
                [booking_before]).rowcount
        done["bookings"] += forgotten
        if forgotten < BATCH:
            break
    if any(done.values()) and store.path is not None:
        # the old pages stay in the WAL until a checkpoint; a reader (the sync
        # thread) may hold it back, and the next purge or auto-checkpoint then does it
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return done


def daily(store: Store, center: Callable[[], Center],
          now: Callable[[], datetime] = datetime.now) -> Callable[..., None]:
    """A callback for the app's clock (every CHECK_EVERY s): once a day, purge in
    a thread of its own with its own connection (WAL lets it and the screens
    work side by side), so the screens never wait for it; in memory, at once."""
    running = threading.Lock()

    def run() -> None:
        today = now().date().isoformat()
        own = Store(store.path) if store.path is not None else store
        try:
            # a clock that jumped ahead would forget early: wait, as the no-show release does
            if own.get_meta(PURGED_KEY) != today and release_paused(own) is None:
                purge(own, center().retention, now)
                own.set_meta(PURGED_KEY, today)
        except Exception as exc:  # a database hiccup must never stop the kiosk; tried again in an hour
            log.error("purge failed: %s", type(exc).__name__)  # no data: it may be personal
        finally:
            if own is not store:
                own.close()
            running.release()

    def tick(*_args) -> threading.Thread | None:
        if not running.acquire(blocking=False):
            return None  # the last one is still at work
        if store.path is None:
            run()
            return None
        worker = threading.Thread(target=run, name="purge", daemon=True)
        worker.start()
        return worker
    return tick
