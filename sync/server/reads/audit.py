"""操作记录: the audit of one center (or, for the administrator, of the staff
accounts, which belong to no center), filtered in SQL, newest first.

Each filter has its index (schema m008: center, then staff member, action or
target, then time), so a page is an index range however old the audit is.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sync.server.shared import CENTER_TZ


@dataclass(frozen=True)
class AuditFilter:
    day_from: date | None = None  # the center's days, both included
    day_to: date | None = None
    staff_id: str = ""
    action: str = ""
    target: str = ""


def _utc_start(day: date) -> str:
    """The audit's stamps are UTC: a center's day starts at 16:00 UTC the day before."""
    return datetime.combine(day, time(0), CENTER_TZ).astimezone(timezone.utc).isoformat(timespec="seconds")


def _where(center_id: str | None, wanted: AuditFilter) -> tuple[str, list]:
    clauses, args = ["a.center_id IS ?"], [center_id]
    for column, value in (("staff_id", wanted.staff_id), ("action", wanted.action), ("target", wanted.target)):
        if value:
            clauses.append(f"a.{column} = ?")
            args.append(value)
    if wanted.day_from:
        clauses.append("a.at >= ?")
        args.append(_utc_start(wanted.day_from))
    if wanted.day_to:
        clauses.append("a.at < ?")
        args.append(_utc_start(wanted.day_to + timedelta(days=1)))
    return " AND ".join(clauses), args


_SELECT = ("SELECT a.seq, a.at, a.staff_id, s.display_name, a.action, a.target, a.kiosk_id, a.address, "
           "a.before, a.after FROM audit a LEFT JOIN staff s ON s.id = a.staff_id WHERE ")
_ORDER = " ORDER BY a.at DESC, a.seq DESC LIMIT ?"


def _entry(row) -> dict:
    seq, at, staff_id, name, action, target, kiosk_id, address, before, after = row
    return {"seq": seq, "at": at, "staff_id": staff_id, "staff_name": name or staff_id or "", "action": action,
            "target": target, "kiosk_id": kiosk_id, "address": address,
            "before": json.loads(before) if before else None, "after": json.loads(after) if after else None}


def entries(conn: sqlite3.Connection, center_id: str | None, wanted: AuditFilter, offset: int,
            size: int) -> list[dict]:
    where, args = _where(center_id, wanted)
    return [_entry(row) for row in conn.execute(_SELECT + where + _ORDER + " OFFSET ?", [*args, size, offset])]


def entries_after(conn: sqlite3.Connection, center_id: str | None, wanted: AuditFilter, after, size: int):
    """For an export (export.paged): keyset pages of ((at, seq), entry)."""
    where, args = _where(center_id, wanted)
    if after is not None:
        where += " AND (a.at, a.seq) < (?, ?)"
        args += list(after)
    return [((row[1], row[0]), _entry(row)) for row in conn.execute(_SELECT + where + _ORDER, [*args, size])]


def actions(conn: sqlite3.Connection, center_id: str | None) -> list[str]:
    """The actions this audit holds, each found by one index seek (not a scan of the audit)."""
    rows = conn.execute(
        "WITH RECURSIVE found (action) AS ("
        " SELECT min(action) FROM audit WHERE center_id IS :c"
        " UNION ALL SELECT (SELECT min(action) FROM audit WHERE center_id IS :c AND action > found.action)"
        " FROM found WHERE found.action IS NOT NULL) "
        "SELECT action FROM found WHERE action IS NOT NULL", {"c": center_id})
    return [row[0] for row in rows]


def staff_choices(conn: sqlite3.Connection, center_id: str | None) -> list[tuple[str, str]]:
    """(id, name) of who may appear: the center's staff and the administrators (everyone for
    the accounts' own audit)."""
    rows = conn.execute(
        "SELECT s.id, s.display_name FROM staff s WHERE :c IS NULL "
        "OR EXISTS (SELECT 1 FROM staff_centers c WHERE c.staff_id = s.id AND c.center_id = :c) "
        "OR EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = 'admin') "
        "ORDER BY s.display_name, s.id", {"c": center_id})
    return [(row[0], row[1]) for row in rows]
