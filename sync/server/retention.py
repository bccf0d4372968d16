"""What the server forgets, per center and its [retention] periods (no Kivy).

The office needs a resident's name and phone to follow a booking or a wish
up, not for ever (PIPL's minimum necessary). After the center's period the
personal fields go; what the ledgers and the 年度台账 count stays: a
booking's kind, day, session, seat, status, a counseling request's topic and
when it was made; a wish's code, category, text (shown on the wall with the
resident's consent), status and claimant.

- bookings: name, phone, child's name and age, note, and the office's
  follow-up note of a counseling request, server_booking_days after the
  booking's day (or the day a request without a slot was made);
- wishes: name, phone and the claimant's contact of a fulfilled or declined
  wish, server_wish_days after it was written.

Run daily by the serving process (start_daily) and by `liulinhui-server purge`.
The connection deletes with secure_delete on (shared.py) and the WAL is
checkpointed afterwards, so the values are gone from the files too.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from kiosk import lifecycle as life
from kiosk.center import Center
from sync.server.centers import Centers
from sync.server.shared import Shared

log = logging.getLogger("liulinhui.server")
EVERY = 24 * 3600.0  # s between purges in the serving process

_BOOKING_DAY = "coalesce(day, substr(json_extract(data, '$.created_at'), 1, 10))"
_OLD_BOOKINGS = f"center_id = :center AND {_BOOKING_DAY} < :before"
_FORGET_BOOKING = "json_set(json_remove(data, '$.child_name', '$.child_age', '$.note'), '$.name', '', '$.phone', '')"
_REMEMBERED = ("(phone IS NOT NULL OR json_extract(data, '$.name') <> '' OR json_extract(data, '$.phone') <> '' "
               "OR json_type(data, '$.child_name') IS NOT NULL OR json_type(data, '$.child_age') IS NOT NULL "
               "OR json_type(data, '$.note') IS NOT NULL)")
_CLOSED = f"('{life.FULFILLED}', '{life.DECLINED}')"


def purge_center(shared: Shared, center_id: str, center: Center) -> dict:
    """One center's purge, by its document's periods, inside the caller's transaction; returns the counts."""
    rules = center.retention
    today = shared.local_now(center.tz).date()  # the center's day, in its own zone
    bookings = {"center": center_id, "before": (today - timedelta(days=rules.server_booking_days)).isoformat()}
    conn = shared.conn
    follow_ups = conn.execute(
        "UPDATE counseling_follow_ups SET note = NULL WHERE note IS NOT NULL AND booking_id IN "
        f"(SELECT id FROM bookings WHERE kind = 'counseling' AND {_OLD_BOOKINGS})", bookings).rowcount
    forgotten = conn.execute(f"UPDATE bookings SET phone = NULL, data = {_FORGET_BOOKING} "
                             f"WHERE {_OLD_BOOKINGS} AND {_REMEMBERED}", bookings).rowcount
    wishes = conn.execute(
        "UPDATE wishes SET data = json_set(data, '$.name', '', '$.phone', ''), claimant_contact = NULL "
        f"WHERE center_id = ? AND status IN {_CLOSED} AND substr(json_extract(data, '$.created_at'), 1, 10) < ? "
        "AND (json_extract(data, '$.name') <> '' OR json_extract(data, '$.phone') <> '' "
        "OR claimant_contact IS NOT NULL)",
        [center_id, (today - timedelta(days=rules.server_wish_days)).isoformat()]).rowcount
    return {"bookings": forgotten, "follow_ups": follow_ups, "wishes": wishes}


def purge(shared: Shared, centers: Centers) -> dict[str, dict]:
    """Every center's purge, each by its own published periods; counts by center."""
    done = {}
    with shared.lock:
        ids = [row[0] for row in shared.conn.execute("SELECT id FROM centers ORDER BY id")]
        with shared.transaction():
            for center_id in ids:
                done[center_id] = purge_center(shared, center_id, centers.document(center_id))
        if any(any(counts.values()) for counts in done.values()):
            shared.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old page images leave the WAL
    return done


def start_daily(store, every: float = EVERY) -> threading.Event:
    """Purge now and then every ``every`` seconds in a background thread of the
    serving process; set the returned event to stop it."""
    stop = threading.Event()

    def run() -> None:
        while True:
            try:
                store.purge()
            except Exception as exc:  # the server keeps serving; tried again tomorrow
                log.error("purge failed: %s", type(exc).__name__)  # no data: it may be personal
            if stop.wait(every):
                return

    threading.Thread(target=run, name="purge", daemon=True).start()
    return stop
