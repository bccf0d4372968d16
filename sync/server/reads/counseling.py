"""民情恳谈室: the counseling requests kiosks took and the office's follow-up
of each (no Kivy). Every read returns the topic and notes; the console
decides who may see them (web.Here.private) and drops them for anyone else."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from kiosk import lifecycle as life
from sync.server.reads import PAGE_SIZE

# what the office lists a request as: its follow-up, or new, or cancelled by the resident
NEW, CANCELLED = "new", "cancelled"
STATE_WORDS = {NEW: "待处理", "confirmed": "已确认时段", "call_back": "需回电", "done": "已办结",
               CANCELLED: "已取消"}
ACTION_WORDS = {"confirmed": "确认时段", "call_back": "需回电", "done": "已办结"}  # the office's choices
STATE_TAGS = {NEW: "warn", "confirmed": "ok", "call_back": "warn", "done": "", CANCELLED: ""}


@dataclass(frozen=True)
class Filters:
    since: str = ""  # requests made on or after this day (the center's date, ISO)
    until: str = ""  # ... and on or before this one
    state: str = ""  # a key of STATE_WORDS, or "" for all


# the list's order is the partial index bookings_counseling_by_created (m007): the
# literal kind and the same expression, or SQLite will not use it
_CREATED = "json_extract(b.data, '$.created_at')"
_SELECT = (f"SELECT b.rowid, b.id, b.status, b.data, f.state, f.arranged_at, f.note, f.at, {_CREATED} "
           "FROM bookings b LEFT JOIN counseling_follow_ups f ON f.booking_id = b.id "
           "WHERE b.center_id = ? AND b.kind = 'counseling'")
_ORDER = f"{_CREATED} DESC, b.rowid DESC"


def _where(center_id: str, f: Filters) -> tuple[str, list]:
    sql, args = _SELECT, [center_id]
    if f.since:
        sql += f" AND {_CREATED} >= ?"
        args.append(f.since)
    if f.until:
        sql += f" AND {_CREATED} < ?"
        args.append(f.until + "T99")  # the whole day: every time of it sorts below
    if f.state == CANCELLED:
        sql += " AND b.status = 'cancelled'"
    elif f.state == NEW:
        sql += " AND b.status != 'cancelled' AND f.state IS NULL"
    elif f.state:
        sql += " AND b.status != 'cancelled' AND f.state = ?"
        args.append(f.state)
    return sql, args


def _request(rowid, booking_id, status, data, state, arranged_at, follow_note, followed_at, created) -> dict:
    d = json.loads(data)
    shown = CANCELLED if status == life.CANCELLED else state or NEW
    return {"key": (created, rowid), "id": booking_id, "status": status, "state": shown,
            "created_at": created, "name": d.get("name"), "phone": d.get("phone"),
            "topic": d.get("topic"), "note": d.get("note"), "day": d.get("day"),
            "session": d.get("session"), "starts_at": d.get("starts_at"), "arranged_at": arranged_at,
            "follow_note": follow_note, "followed_at": followed_at}


def requests_page(conn: sqlite3.Connection, center_id: str, f: Filters, page: int,
                  size: int = PAGE_SIZE) -> tuple[list[dict], bool]:
    """One page, newest first, and whether another follows."""
    sql, args = _where(center_id, f)
    rows = conn.execute(f"{sql} ORDER BY {_ORDER} LIMIT ? OFFSET ?", [*args, size + 1, (page - 1) * size]).fetchall()
    return [_request(*r) for r in rows[:size]], len(rows) > size


def requests_rows(conn: sqlite3.Connection, center_id: str, f: Filters, after, size: int) -> list[tuple]:
    """The same list for an export: (key, request) pages after ``after`` (keyset)."""
    sql, args = _where(center_id, f)
    if after is not None:
        sql += f" AND ({_CREATED}, b.rowid) < (?, ?)"
        args += list(after)
    rows = [_request(*r) for r in conn.execute(f"{sql} ORDER BY {_ORDER} LIMIT ?", [*args, size])]
    return [(r["key"], r) for r in rows]


def request(conn: sqlite3.Connection, center_id: str, booking_id: str) -> dict | None:
    row = conn.execute(f"{_SELECT} AND b.id = ?", [center_id, booking_id]).fetchone()
    return _request(*row) if row else None


def history(conn: sqlite3.Connection, center_id: str, booking_id: str) -> list[dict]:
    """Who did what to the request, oldest first (the audit, by its target)."""
    return [{"at": at, "who": who or staff_id or "", "action": action, "kiosk_id": kiosk_id,
             "after": json.loads(after) if after else {}}
            for at, staff_id, who, action, kiosk_id, after in conn.execute(
                "SELECT a.at, a.staff_id, s.display_name, a.action, a.kiosk_id, a.after FROM audit a "
                "LEFT JOIN staff s ON s.id = a.staff_id WHERE a.target = ? AND a.center_id = ? ORDER BY a.seq",
                [booking_id, center_id])]


def open_slots_from(conn: sqlite3.Connection, center_id: str, day: str) -> set[str]:
    """The slot ids (c0, c1, ...) open requests hold on ``day`` or later."""
    return {row[0] for row in conn.execute(
        "SELECT DISTINCT session FROM bookings WHERE center_id = ? AND kind = 'counseling' AND day >= ? "
        "AND status = 'booked' AND session IS NOT NULL", [center_id, day])}


def open_requests(conn: sqlite3.Connection, center_id: str) -> int:
    """首页's count: requests still waiting for the office — new (no follow-up yet)
    or marked for a call back — with or without a slot, not cancelled or attended."""
    return conn.execute(
        "SELECT count(*) FROM bookings b LEFT JOIN counseling_follow_ups f ON f.booking_id = b.id "
        "WHERE b.center_id = ? AND b.kind = 'counseling' AND b.status IN ('booked', 'waiting') "
        "AND (f.state IS NULL OR f.state = 'call_back')", [center_id]).fetchone()[0]
