"""The study room's and the picture-book corner's bookings, the center's
document as the office last published it, and the pause kiosks were last
told (no Kivy). Plain reads of (conn, ...) run through ``ServerStore.read``."""
from __future__ import annotations

import json
import sqlite3

from kiosk import lifecycle as life
from kiosk.center import CenterDataError
from kiosk.paths import CENTER_FILE
from kiosk.tomlfile import read_toml
from sync.server.reads import PAGE_SIZE

# a booking's state as the office says it (the states are kiosk/lifecycle.py's)
BOOKING_WORDS = {life.BOOKED: "已预约", life.WAITING: "候补中", life.CANCELLED: "已取消",
                 life.CHECKED_IN: "已签到", life.NO_SHOW: "未到"}
TAGS = {life.BOOKED: "", life.WAITING: "warn", life.CANCELLED: "", life.CHECKED_IN: "ok",
        life.NO_SHOW: "bad"}


def center_document(conn: sqlite3.Connection, center_id: str) -> dict:
    """The document the office last published for the center, or the one that
    ships with the kiosk (what a kiosk shows before any is published)."""
    row = conn.execute("SELECT document FROM center_documents WHERE center_id = ?", [center_id]).fetchone()
    return json.loads(row[0]) if row else read_toml(CENTER_FILE, "center file", CenterDataError)


def pause_message(conn: sqlite3.Connection, center_id: str) -> str | None:
    """The last pause kiosks were sent (None: bookings are open); the partial
    index changes_pauses finds it without walking the center's feed."""
    row = conn.execute("SELECT data FROM changes WHERE center_id = ? AND kind = 'bookings.pause' "
                       "ORDER BY cursor DESC LIMIT 1", [center_id]).fetchone()
    return json.loads(row[0]).get("message") if row else None


def open_on_day(conn: sqlite3.Connection, center_id: str, day: str) -> int:
    """Bookings that still hold or wait for a place that day (a closure does not cancel them)."""
    return conn.execute(
        "SELECT count(*) FROM bookings WHERE center_id = ? AND kind IN ('study', 'books', 'counseling') "
        "AND day = ? AND status IN ('booked', 'waiting')", [center_id, day]).fetchone()[0]


def day_counts(conn: sqlite3.Connection, center_id: str, kind: str, day: str) -> dict[str, dict]:
    """Per session of the day: places held, checked in, no-shows, waiting."""
    return {session: {"held": held, "checked_in": checked, "no_show": missed, "waiting": waiting}
            for session, held, checked, missed, waiting in conn.execute(
                "SELECT session, sum(status IN ('booked', 'checked_in')), sum(status = 'checked_in'), "
                "sum(status = 'no_show'), sum(status = 'waiting') FROM bookings "
                "WHERE center_id = ? AND kind = ? AND day = ? GROUP BY session", [center_id, kind, day])}


def _row(rowid, booking_id, session, seat, status, data) -> dict:
    d = json.loads(data)
    return {"key": (d.get("starts_at") or "", seat or 0, rowid), "id": booking_id, "session": session,
            "seat": seat, "status": status, "name": d.get("name"), "phone": d.get("phone"),
            "child_name": d.get("child_name"), "child_age": d.get("child_age"),
            "starts_at": d.get("starts_at"), "day": d.get("day"), "created_at": d.get("created_at")}


_DAY_SQL = ("SELECT rowid, id, session, seat, status, data FROM bookings "
            "WHERE center_id = ? AND kind = ? AND day = ?")
_DAY_ORDER = "json_extract(data, '$.starts_at'), coalesce(seat, 0), rowid"


def _day_where(center_id: str, kind: str, day: str, session: str, status: str) -> tuple[str, list]:
    sql, args = _DAY_SQL, [center_id, kind, day]
    if session:
        sql += " AND session = ?"
        args.append(session)
    if status:
        sql += " AND status = ?"
        args.append(status)
    return sql, args


def day_page(conn: sqlite3.Connection, center_id: str, kind: str, day: str, session: str, status: str,
             page: int, size: int = PAGE_SIZE) -> tuple[list[dict], bool]:
    """One page of the day's bookings, in the order of the day (session, seat,
    arrival); and whether another page follows. One day holds at most a few
    hundred bookings, read through bookings_by_session."""
    sql, args = _day_where(center_id, kind, day, session, status)
    rows = conn.execute(f"{sql} ORDER BY {_DAY_ORDER} LIMIT ? OFFSET ?",
                        [*args, size + 1, (page - 1) * size]).fetchall()
    return [_row(*r) for r in rows[:size]], len(rows) > size


def day_rows(conn: sqlite3.Connection, center_id: str, kind: str, day: str, session: str, status: str,
             after, size: int) -> list[tuple]:
    """The same list for an export: (key, booking) pages after ``after`` (keyset)."""
    sql, args = _day_where(center_id, kind, day, session, status)
    if after is not None:
        sql += f" AND ({_DAY_ORDER}) > (?, ?, ?)"
        args += list(after)
    rows = [_row(*r) for r in conn.execute(f"{sql} ORDER BY {_DAY_ORDER} LIMIT ?", [*args, size])]
    return [(r["key"], r) for r in rows]


def waitlist(conn: sqlite3.Connection, center_id: str, day: str) -> list[dict]:
    """The families waiting for a full picture-book session that day, in the
    order the server promotes them (arrival: rowid, as apply._promote_next).
    The waitlist rule keeps it short (bookings.waitlist a session)."""
    return [_row(*r) for r in conn.execute(
        "SELECT rowid, id, session, seat, status, data FROM bookings WHERE center_id = ? AND kind = 'books' "
        "AND day = ? AND status = 'waiting' ORDER BY json_extract(data, '$.starts_at'), rowid", [center_id, day])]


def booking(conn: sqlite3.Connection, center_id: str, kind: str, booking_id: str) -> dict | None:
    row = conn.execute("SELECT rowid, id, session, seat, status, data FROM bookings "
                       "WHERE id = ? AND center_id = ? AND kind = ?", [booking_id, center_id, kind]).fetchone()
    return _row(*row) if row else None


def place_in_line(conn: sqlite3.Connection, center_id: str, booking_id: str) -> int | None:
    """A waiting family's place on its session's waitlist (1: promoted next)."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM bookings w WHERE w.center_id = b.center_id AND w.kind = 'books' "
        "AND w.day = b.day AND w.session = b.session AND w.status = 'waiting' AND w.rowid <= b.rowid) "
        "FROM bookings b WHERE b.id = ? AND b.center_id = ? AND b.status = 'waiting'",
        [booking_id, center_id]).fetchone()
    return row[0] if row else None


def room_day(conn: sqlite3.Connection, center_id: str, kind: str, day: str, session: str, status: str,
             page: int) -> dict:
    """What a room's page shows for one day, read under one lock."""
    rows, more = day_page(conn, center_id, kind, day, session, status, page)
    return {"document": center_document(conn, center_id), "paused": pause_message(conn, center_id),
            "counts": day_counts(conn, center_id, kind, day), "rows": rows, "more": more,
            "waitlist": waitlist(conn, center_id, day) if kind == "books" else []}
