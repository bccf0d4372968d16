"""志愿者: one center's roster, points ledger, catalogue and open exchange
requests, read for the console's pages and exports.

Pages take an offset (PAGE_SIZE rows); exports page by key (console/export.py
``paged``), so a ledger of millions of rows streams without OFFSET. Every
list filters in SQL on an index (schema m009): the center's ledger by date
or by activity, a volunteer's by date.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from sync.server.apply import balance_sql
from sync.server.reads import PAGE_SIZE


@dataclass(frozen=True)
class Listing:
    """A list in a fixed order, read a page (by offset) or a batch after a key.
    The rows of one page are chosen first and only they are then joined and
    summed (a balance is a sum over the volunteer's ledger)."""
    source: str  # the table listed, with its alias: "volunteers v"
    order: tuple[str, ...]  # its columns that order the list, the last one unique
    columns: str  # what a row shows, over the alias and the joins
    joins: str = ""
    newest_first: bool = False

    def _read(self, conn: sqlite3.Connection, where: str, args: list, tail: str, more: list) -> list[dict]:
        direction = " DESC" if self.newest_first else ""
        alias = self.source.split()[-1]
        keys = ", ".join(f"{c} AS _k{i}" for i, c in enumerate(self.order))
        sql = (f"WITH page AS MATERIALIZED (SELECT {alias}.*, {keys} FROM {self.source} WHERE {where} "
               f"ORDER BY {', '.join(c + direction for c in self.order)}{tail}) "
               f"SELECT {self.columns}, {', '.join(f'{alias}._k{i}' for i in range(len(self.order)))} "
               f"FROM page AS {alias} {self.joins} "
               f"ORDER BY {', '.join(f'{alias}._k{i}{direction}' for i in range(len(self.order)))}")
        cursor = conn.execute(sql, [*args, *more])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def page(self, conn, where: str, args: list, page: int) -> tuple[list[dict], bool]:
        """Page ``page`` (from 1) and whether another follows."""
        rows = self._read(conn, where, args, " LIMIT ? OFFSET ?", [PAGE_SIZE + 1, (max(page, 1) - 1) * PAGE_SIZE])
        return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

    def after(self, conn, where: str, args: list, after, size: int) -> list[tuple[tuple, dict]]:
        """(key, row) of the ``size`` rows after ``after`` (None: from the start)."""
        if after is not None:
            where += f" AND ({', '.join(self.order)}) {'<' if self.newest_first else '>'} " \
                     f"({', '.join('?' * len(self.order))})"
            args = [*args, *after]
        rows = self._read(conn, where, args, " LIMIT ?", [size])
        return [(tuple(r[f"_k{i}"] for i in range(len(self.order))), r) for r in rows]

    def one(self, conn, where: str, args: list) -> dict | None:
        rows = self._read(conn, where, args, " LIMIT 1", [])
        return rows[0] if rows else None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# -- the roster -----------------------------------------------------------------------------
ROSTER = Listing(
    "volunteers v", ("length(v.number)", "v.number", "v.id"),  # 2 before 10, LJY-0002 before LJY-0010
    "v.id, v.number, v.name, v.phone, v.pin_hash IS NOT NULL AS has_pin, "
    f"{balance_sql('v.id')} AS balance, "
    "(SELECT coalesce(sum(points), 0) FROM holds WHERE volunteer_id = v.id AND status = 'held') AS held, "
    "(SELECT coalesce(sum(hours), 0) FROM ledger WHERE volunteer_id = v.id) AS hours")


def _roster_where(center_id: str, search: str) -> tuple[str, list]:
    """search: part of a name or a number, or the last four digits of a phone."""
    where, args = "v.center_id = ?", [center_id]
    search = search.strip()
    if search:
        where += " AND (v.name LIKE ? ESCAPE '\\' OR v.number LIKE ? ESCAPE '\\'"
        args += [_like(search), _like(search)]
        if len(search) == 4 and search.isdigit():
            where += " OR substr(v.phone, -4) = ?"
            args.append(search)
        where += ")"
    return where, args


def roster_page(conn, center_id: str, search: str, page: int) -> tuple[list[dict], bool]:
    return ROSTER.page(conn, *_roster_where(center_id, search), page)


def roster_export(conn, center_id: str, search: str, after, size: int) -> list:
    return ROSTER.after(conn, *_roster_where(center_id, search), after, size)


def roster_count(conn, center_id: str) -> int:
    return conn.execute("SELECT count(*) FROM volunteers WHERE center_id = ?", [center_id]).fetchone()[0]


def volunteer(conn, center_id: str, volunteer_id: str) -> dict | None:
    """One volunteer with their balance (less holds), what is on hold and their hours."""
    return ROSTER.one(conn, "v.center_id = ? AND v.id = ?", [center_id, volunteer_id])


def volunteer_by_number(conn, center_id: str, number: str) -> str | None:
    row = conn.execute("SELECT id FROM volunteers WHERE center_id = ? AND number = ?",
                       [center_id, number.strip()]).fetchone()
    return row[0] if row else None


# -- the points ledger ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerFilter:
    start: date | None = None  # the days of ``at``, both ends included
    end: date | None = None
    activity: str = ""  # exactly (the page offers the recent ones)
    volunteer_id: str | None = None


LEDGER = Listing(
    "ledger l", ("l.at", "l.rowid"),
    "l.uid, l.at, l.volunteer_id, v.number, v.name, l.activity, l.hours, l.points, "
    "l.reason, l.reverses_uid, s.display_name AS staff, "
    "EXISTS (SELECT 1 FROM ledger r WHERE r.reverses_uid = l.uid) AS reversed",
    "JOIN volunteers v ON v.id = l.volunteer_id LEFT JOIN staff s ON s.id = l.staff_id", newest_first=True)


def _ledger_where(center_id: str, f: LedgerFilter) -> tuple[str, list]:
    # one volunteer's few rows come by their own index ("+": not the center's, which would
    # walk the center's ledger in date order looking for them)
    where, args = ["+l.center_id = ?" if f.volunteer_id else "l.center_id = ?"], [center_id]
    if f.volunteer_id:
        where.append("l.volunteer_id = ?")
        args.append(f.volunteer_id)
    if f.start:
        where.append("l.at >= ?")
        args.append(f.start.isoformat())
    if f.end:
        where.append("l.at < ?")
        args.append((f.end + timedelta(days=1)).isoformat())
    if f.activity:
        where.append("l.activity = ?")
        args.append(f.activity)
    return " AND ".join(where), args


def ledger_page(conn, center_id: str, f: LedgerFilter, page: int) -> tuple[list[dict], bool]:
    return LEDGER.page(conn, *_ledger_where(center_id, f), page)


def ledger_export(conn, center_id: str, f: LedgerFilter, after, size: int) -> list:
    return LEDGER.after(conn, *_ledger_where(center_id, f), after, size)


def ledger_entry(conn, center_id: str, uid: str) -> dict | None:
    return LEDGER.one(conn, "l.center_id = ? AND l.uid = ?", [center_id, uid])


def recent_activities(conn, center_id: str) -> list[str]:
    """What service was recorded lately (not hand-overs or reversals): the forms' suggestions."""
    return [row[0] for row in conn.execute(
        "SELECT activity FROM (SELECT activity, at FROM ledger WHERE center_id = ? AND points > 0 "
        "AND reverses_uid IS NULL ORDER BY at DESC LIMIT 500) GROUP BY activity ORDER BY max(at) DESC LIMIT 30",
        [center_id])]


# -- the catalogue and exchange requests ---------------------------------------------------------
CATALOGUE = Listing(
    "catalogue c", ("c.points", "c.id"),
    "c.id, c.item, c.points, c.stock, "
    "(SELECT count(*) FROM holds h WHERE h.center_id = c.center_id AND h.status = 'held' AND h.item_id = c.id) "
    "AS held")


def catalogue_page(conn, center_id: str, page: int) -> tuple[list[dict], bool]:
    return CATALOGUE.page(conn, "c.center_id = ?", [center_id], page)


def catalogue_export(conn, center_id: str, after, size: int) -> list:
    return CATALOGUE.after(conn, "c.center_id = ?", [center_id], after, size)


def catalogue_item(conn, center_id: str, item_id: str) -> dict | None:
    return CATALOGUE.one(conn, "c.center_id = ? AND c.id = ?", [center_id, item_id])


HOLDS = Listing(
    "holds h", ("h.created_at", "h.id"), "h.id, h.created_at, h.points, h.volunteer_id, v.number, v.name, c.item",
    "JOIN volunteers v ON v.id = h.volunteer_id LEFT JOIN catalogue c ON c.id = h.item_id")
IN_STATE = "h.center_id = ? AND h.status = ?"  # holds_by_center (center_id, status, created_at)


def holds_page(conn, center_id: str, page: int, status: str = "held") -> tuple[list[dict], bool]:
    """Exchange requests in one state (by default those waiting for their hand-over), oldest first."""
    return HOLDS.page(conn, IN_STATE, [center_id, status], page)


def holds_export(conn, center_id: str, status: str, after, size: int) -> list:
    return HOLDS.after(conn, IN_STATE, [center_id, status], after, size)
