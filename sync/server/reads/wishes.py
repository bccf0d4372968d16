"""微心愿台账: one center's wishes as the console lists, exports and shows them.

Filters are SQL; the list is newest first by the kiosk's own time of the
card (indexed with the center, m006), paged (PAGE_SIZE); the export walks
the same order by key, so neither holds the lock for long.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from kiosk.validation import agreed
from sync.server.reads import PAGE_SIZE

CREATED = "json_extract(data, '$.created_at')"  # the expression wishes_by_center_created indexes
# what every read takes of a wish; the card itself is the kiosk's JSON
COLUMNS = (f"id, kiosk_id, status, claimant, claimant_kind, claimant_contact, reason, fulfilled_note, "
           f"data, {CREATED} AS created")
SEARCHED = ("json_extract(data, '$.text')", "json_extract(data, '$.code')", "json_extract(data, '$.name')",
            "claimant")  # what the text search looks in (never the phone or the contact)


@dataclass(frozen=True)
class Filters:
    """Checked by the console before they get here ("" = any)."""
    status: str = ""
    category: str = ""
    day_from: date | None = None
    day_to: date | None = None  # inclusive
    kiosk: str = ""
    text: str = ""


def _where(center_id: str, f: Filters) -> tuple[str, list]:
    where, args = ["center_id = ?"], [center_id]
    for column, value in (("status", f.status), ("kiosk_id", f.kiosk),
                          ("json_extract(data, '$.category')", f.category)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if f.day_from:
        where.append(f"{CREATED} >= ?")
        args.append(f.day_from.isoformat())
    if f.day_to:
        where.append(f"{CREATED} < ?")
        args.append((f.day_to + timedelta(days=1)).isoformat())
    if f.text:  # instr, not LIKE: a % or _ typed is looked for as itself
        where.append("(" + " OR ".join(f"instr(coalesce({c}, ''), ?) > 0" for c in SEARCHED) + ")")
        args.extend([f.text] * len(SEARCHED))
    return " AND ".join(where), args


def _wish(row: sqlite3.Row | tuple, names) -> dict:
    wish = dict(zip(names, row))
    card = json.loads(wish.pop("data"))
    # public: the resident agreed to the wall; a private wish is the office's only
    return dict(wish, **{k: card.get(k) for k in ("code", "name", "phone", "category", "text")},
                public=agreed(card.get("consent")))


def _rows(conn: sqlite3.Connection, sql: str, args) -> list[dict]:
    cursor = conn.execute(sql, args)
    names = [c[0] for c in cursor.description]
    return [_wish(row, names) for row in cursor]


def page(conn: sqlite3.Connection, center_id: str, f: Filters, number: int, size: int = PAGE_SIZE) -> dict:
    """Page ``number`` (1-based) of the list, whether another follows, and how many match."""
    where, args = _where(center_id, f)
    rows = _rows(conn, f"SELECT {COLUMNS} FROM wishes WHERE {where} ORDER BY created DESC, id DESC "
                       f"LIMIT ? OFFSET ?", [*args, size + 1, (number - 1) * size])
    total = conn.execute(f"SELECT count(*) FROM wishes WHERE {where}", args).fetchone()[0]
    return {"wishes": rows[:size], "more": len(rows) > size, "total": total}


def keyed(conn: sqlite3.Connection, center_id: str, f: Filters, after: tuple | None, size: int) -> list:
    """The same list for the export: (key, wish) in pages after ``after`` (export.paged)."""
    where, args = _where(center_id, f)
    if after is not None:
        where += f" AND ({CREATED}, id) < (?, ?)"
        args = [*args, *after]
    rows = _rows(conn, f"SELECT {COLUMNS} FROM wishes WHERE {where} ORDER BY created DESC, id DESC LIMIT ?",
                 [*args, size])
    return [((w["created"], w["id"]), w) for w in rows]


def one(conn: sqlite3.Connection, center_id: str, wish_id: str) -> dict | None:
    """A wish of this center (another center's is not found here)."""
    found = _rows(conn, f"SELECT {COLUMNS} FROM wishes WHERE id = ? AND center_id = ?", [wish_id, center_id])
    return found[0] if found else None


def kiosks(conn: sqlite3.Connection, center_id: str) -> list[str]:
    """The center's kiosks, for the filter (revoked ones too: their wishes stay)."""
    return [row[0] for row in conn.execute("SELECT id FROM kiosks WHERE center_id = ? ORDER BY id", [center_id])]


def staff_names(conn: sqlite3.Connection, staff_ids) -> dict[str, str]:
    ids = sorted({i for i in staff_ids if i})
    rows = conn.execute(f"SELECT id, display_name FROM staff WHERE id IN ({', '.join('?' * len(ids))})", ids)
    return dict(rows.fetchall())
