"""首页: what needs doing today in one center."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from kiosk import lifecycle as life
from sync.server.reads import counseling

KIOSK_QUIET = timedelta(minutes=10)  # a kiosk not heard from for this long is shown
REFUSALS_SINCE = timedelta(days=7)  # refused mutations still worth a look
# a refused mutation of ``mutations m``: the condition of the partial index mutations_refused (m008)
REJECTED = "json_extract(m.result, '$.status') = 'rejected'"

ROOM_WORDS = {"study": "自习室", "books": "妈妈绘本馆", "counseling": "民情恳谈室"}


def today(conn: sqlite3.Connection, center_id: str, day: str, now_utc: datetime) -> dict:
    """day: the center's date; now_utc: the server's clock (kiosks' last_seen is UTC)."""
    one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
    rooms = [
        {"kind": kind, "room": ROOM_WORDS[kind], "session": session, "booked": booked,
         "checked_in": checked, "no_show": missed, "waiting": waiting}
        for kind, session, booked, checked, missed, waiting in conn.execute(
            "SELECT kind, session, "
            "sum(status IN ('booked', 'checked_in', 'no_show')), sum(status = 'checked_in'), "
            "sum(status = 'no_show'), sum(status = 'waiting') "
            "FROM bookings WHERE center_id = ? AND day = ? AND kind IN ('study', 'books') "
            "GROUP BY kind, session ORDER BY kind DESC, session", [center_id, day])]
    quiet_before = (now_utc - KIOSK_QUIET).isoformat(timespec="seconds")
    since = (now_utc - REFUSALS_SINCE).isoformat(timespec="seconds")
    kiosks = [
        {"id": kid, "last_seen": seen, "quiet": seen is None or seen < quiet_before, "refused": refused,
         "queue_depth": depth}
        for kid, seen, depth, refused in conn.execute(
            "SELECT k.id, k.last_seen, k.queue_depth, "
            f"(SELECT count(*) FROM mutations m WHERE m.kiosk_id = k.id AND m.received_at >= ? AND {REJECTED}) "
            "FROM kiosks k WHERE k.center_id = ? AND k.revoked = 0 ORDER BY k.id", [since, center_id])]
    return {
        "wishes_to_review": one("SELECT count(*) FROM wishes WHERE center_id = ? AND status = ?",
                                center_id, life.SUBMITTED),
        "counseling_waiting": counseling.open_requests(conn, center_id),
        "counseling_today": one(
            "SELECT count(*) FROM bookings WHERE center_id = ? AND kind = 'counseling' AND day = ? "
            "AND status IN ('booked', 'checked_in')", center_id, day),
        "rooms": rooms,
        "kiosks": kiosks,
        "kiosks_needing_look": [k for k in kiosks if k["quiet"] or k["refused"]],
    }
