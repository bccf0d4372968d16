"""What on-duty staff at a kiosk read from the server (no Kivy): today's
bookings at every kiosk of the center, for 今日预约 and 恳谈室 in staff mode.

A kiosk holds only its own residents' names and phones; a resident who
booked at the other kiosk stands at this one's desk too. So staff ask the
server, with their own PIN sealed for that one request (a kiosk token alone
reads nothing personal), each request id is taken once, and every read is
in the office's audit. The answer is the minimum the desk needs: the name,
the phone masked, a counseling request's topic and note.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from kiosk.validation import mask_phone
from sync.rows import DUTY_READ_MAX, DutyBooking

ACTION = "duty.today"
KEPT = timedelta(days=1)  # a request id is remembered this long: a proof is never older
_PERSON = ("ticket", "created_at", "name", "child_name", "child_age", "topic", "note")


def first_use(conn: sqlite3.Connection, request_id: str, staff_id: str, kiosk_id: str,
              now: datetime) -> bool:
    """Whether this request id is new (then it is taken); old ones are purged."""
    conn.execute("DELETE FROM duty_reads WHERE at < ?", [(now - KEPT).isoformat(timespec="seconds")])
    return conn.execute("INSERT OR IGNORE INTO duty_reads (request_id, staff_id, kiosk_id, at) "
                        "VALUES (?, ?, ?, ?)",
                        [request_id, staff_id, kiosk_id, now.isoformat(timespec="seconds")]).rowcount == 1


def today_bookings(conn: sqlite3.Connection, center_id: str, today: str) -> list[dict]:
    """Today's bookings of the center still to be seen to or done (and the
    counseling requests without a slot made today), by start."""
    rows = conn.execute(
        "SELECT id, kiosk_id, kind, day, session, seat, status, data FROM bookings "
        "WHERE center_id = ? AND status IN ('booked', 'checked_in', 'no_show', 'waiting') AND "
        "(day = ? OR (kind = 'counseling' AND day IS NULL "
        "AND substr(json_extract(data, '$.created_at'), 1, 10) = ?)) "
        "ORDER BY json_extract(data, '$.starts_at'), kind, seat, rowid LIMIT ?",
        [center_id, today, today, DUTY_READ_MAX]).fetchall()
    out = []
    for booking_id, kiosk_id, kind, day, session, seat, status, data in rows:
        stored = json.loads(data)
        row = {"id": booking_id, "kiosk_id": kiosk_id, "kind": kind, "day": day, "session": session,
               "seat": seat, "status": status, "starts_at": stored.get("starts_at"),
               "phone": mask_phone(stored.get("phone") or ""),
               **{key: stored.get(key) for key in _PERSON}}
        out.append(DutyBooking.model_validate(row).model_dump())  # the shape the kiosk checks too
    return out
