"""年度台账: one center's year in figures, as its volunteer station is
assessed on them (no Kivy). Every figure is an SQL aggregate.

- 志愿服务: the roster, who served this year, who served for the first
  time; hours and points per person and per activity, exchanges apart.
  Reversals count against the entry they undo.
- 微心愿: the wishes collected in the year, by category and by month of
  collection, with how far each has come as of today.
- 民情恳谈室: requests by topic and by month, counts only (no name, phone or
  note is read).
- 自习室 and 妈妈绘本馆: bookings and check-ins by month of the session.

A year of the ledger is ~400,000 rows at five years of data: summing them
takes most of a second. The sums are kept per (database, center, year) and
carried forward from the last row they include: the ledger is append-only
(triggers refuse UPDATE and DELETE) and a row's rowid only grows, so later
rows are the only change, and only they are summed on the next read.
"""
from __future__ import annotations

import sqlite3
from collections import OrderedDict
from dataclasses import dataclass, field

from kiosk import lifecycle as life
from kiosk.wishes import CATEGORIES

# a hand-over's ledger entry (sync/server/apply.py redemption_handover, kiosk/passbook.py)
EXCHANGE_PREFIX = "积分兑换："
MONTHS = 12
CARRY_AT_MOST = 100_000  # more new rows than this: sum the year again through its index
CACHED_YEARS = 64


def span(year: int) -> tuple[str, str]:
    """The year as ISO bounds: [start, end) for dates and the center's local times."""
    return f"{year:04d}-01-01", f"{year + 1:04d}-01-01"


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # our own constants only


# -- 志愿服务 ------------------------------------------------------------------------------
@dataclass
class Service:
    entries: int = 0  # service entries, less those reversed
    hours: float = 0.0
    points: int = 0
    exchanges: int = 0
    exchanged: int = 0  # points handed over for items (positive)


@dataclass
class Activity:
    entries: int = 0
    hours: float = 0.0
    points: int = 0
    people: int = 0


@dataclass
class LedgerYear:
    people: dict[str, Service] = field(default_factory=dict)  # volunteer id -> their year
    activities: dict[str, Activity] = field(default_factory=dict)
    total: Service = field(default_factory=Service)
    first_served: int = 0  # volunteers whose first entry of all is in this year


def _grouped(source: str, rows: str) -> str:
    """One row a (volunteer, activity) pair; exchanges are one activity, "" here. A
    reversal counts against the entry it undoes, under that entry's activity (the
    office's reversal is written 冲正：<activity>)."""
    return (f"SELECT volunteer_id, CASE WHEN substr(activity, 1, {len(EXCHANGE_PREFIX)}) = '{EXCHANGE_PREFIX}' "
            "THEN '' ELSE activity END, sum(CASE WHEN undoes IS NULL THEN 1 ELSE -1 END), sum(hours), sum(points) "
            "FROM (SELECT l.volunteer_id, l.reverses_uid AS undoes, l.hours, l.points, "
            "CASE WHEN l.reverses_uid IS NULL THEN l.activity "
            "ELSE (SELECT o.activity FROM ledger o WHERE o.uid = l.reverses_uid) END AS activity "
            f"FROM ledger l {source} WHERE l.center_id = ? AND l.at >= ? AND l.at < ? AND {rows}) GROUP BY 1, 2")


# the year through ledger_by_center_time (m009); later rows by rowid, whichever years they touch
_YEAR = _grouped("", "+l.rowid <= ?")
_LATER = _grouped("NOT INDEXED", "l.rowid > ? AND l.rowid <= ?")


@dataclass
class _Sums:
    last_rowid: int
    last_uid: str | None  # tells this database from another at the same path
    groups: dict[tuple[str, str], list]  # (volunteer, activity) -> [entries, hours, points]
    year: LedgerYear


_SUMS: OrderedDict[tuple[str, str, int], _Sums] = OrderedDict()


def _database(conn: sqlite3.Connection) -> str:
    return next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "")


def _last_uid(conn: sqlite3.Connection, rowid: int) -> str | None:
    row = conn.execute("SELECT uid FROM ledger WHERE rowid = ?", [rowid]).fetchone()
    return row[0] if row else None


def ledger_year(conn: sqlite3.Connection, center_id: str, year: int) -> LedgerYear:
    key = (_database(conn), center_id, year)
    last = conn.execute("SELECT coalesce(max(rowid), 0) FROM ledger").fetchone()[0]
    kept = _SUMS.get(key)
    if kept is not None and kept.last_rowid == last and kept.last_uid == _last_uid(conn, last):
        _SUMS.move_to_end(key)
        return kept.year
    start, end = span(year)
    if kept is not None and 0 <= last - kept.last_rowid <= CARRY_AT_MOST \
            and kept.last_uid == _last_uid(conn, kept.last_rowid):
        groups = {k: list(v) for k, v in kept.groups.items()}
        added = conn.execute(_LATER, [center_id, start, end, kept.last_rowid, last]).fetchall()
    else:
        groups, added = {}, conn.execute(_YEAR, [center_id, start, end, last]).fetchall()
    for volunteer, activity, entries, hours, points in added:
        sums = groups.setdefault((volunteer, activity), [0, 0.0, 0])
        sums[0] += entries
        sums[1] += hours
        sums[2] += points
    year_figures = _summed(groups)
    year_figures.first_served = _first_served(conn, center_id, start, end)  # moves only with the ledger too
    kept = _Sums(last, _last_uid(conn, last), groups, year_figures)
    _SUMS[key] = kept
    _SUMS.move_to_end(key)
    while len(_SUMS) > CACHED_YEARS:
        _SUMS.popitem(last=False)
    return kept.year


def _summed(groups: dict[tuple[str, str], list]) -> LedgerYear:
    """Per person, per activity and in all, from the (volunteer, activity) sums."""
    out = LedgerYear()
    for (volunteer, activity), (entries, hours, points) in groups.items():
        person = out.people.setdefault(volunteer, Service())
        if activity == "":
            person.exchanges += entries
            person.exchanged -= points
            continue
        person.entries += entries
        person.hours += hours
        person.points += points
        act = out.activities.setdefault(activity, Activity())
        act.entries += entries
        act.hours += hours
        act.points += points
        act.people += entries > 0
    for person in out.people.values():
        for name in ("entries", "hours", "points", "exchanges", "exchanged"):
            setattr(out.total, name, getattr(out.total, name) + getattr(person, name))
    return out


def roster(conn: sqlite3.Connection, center_id: str, ids=None) -> dict[str, tuple[str, str]]:
    """volunteer id -> (number, name), of everyone or of these ids: the names for the
    per-person table, never a phone."""
    sql, args = "SELECT id, number, name FROM volunteers WHERE center_id = ?", [center_id]
    if ids is not None:
        ids = list(ids)
        sql += f" AND id IN ({', '.join('?' * len(ids))})"
        args += ids
    return {vid: (number, name) for vid, number, name in conn.execute(sql, args)}


def _first_served(conn: sqlite3.Connection, center_id: str, start: str, end: str) -> int:
    """A volunteer's first entry of all: one seek each through ledger_by_volunteer_time (m009)."""
    return conn.execute(
        "SELECT count(*) FROM (SELECT (SELECT min(l.at) FROM ledger l WHERE l.volunteer_id = v.id) AS first "
        "FROM volunteers v WHERE v.center_id = ?) WHERE first >= ? AND first < ?", [center_id, start, end]).fetchone()[0]


def registered(conn: sqlite3.Connection, center_id: str) -> int:
    return conn.execute("SELECT count(*) FROM volunteers WHERE center_id = ?", [center_id]).fetchone()[0]


# -- 微心愿 -------------------------------------------------------------------------------
WISH_COLUMNS = ("收集", "通过审核", "已认领", "已实现", "未通过", "待审核")
_WISH = (
    "SELECT json_extract(data, '$.category'), substr(json_extract(data, '$.created_at'), 1, 7), count(*), "
    f"sum(status IN {_in(life.ON_WALL)}), sum(status IN {_in((life.CLAIMED, life.FULFILLED))}), "
    f"sum(status = '{life.FULFILLED}'), sum(status = '{life.DECLINED}'), sum(status = '{life.SUBMITTED}') "
    # wishes_by_center_created (m006): the same expression, or SQLite will not use it
    "FROM wishes WHERE center_id = ? AND json_extract(data, '$.created_at') >= ? "
    "AND json_extract(data, '$.created_at') < ? GROUP BY 1, 2")


def wishes(conn: sqlite3.Connection, center_id: str, year: int) -> dict:
    """By category and by month of collection: each a list of (label, counts in WISH_COLUMNS' order)."""
    by_category, by_month = _fold(conn.execute(_WISH, [center_id, *span(year)]), len(WISH_COLUMNS))
    return {"by_category": _labelled(by_category, CATEGORIES, len(WISH_COLUMNS)),
            "by_month": _months(by_month, year, len(WISH_COLUMNS))}


# -- 民情恳谈室 ---------------------------------------------------------------------------
COUNSELING_COLUMNS = ("申请", "已接待办结", "未到", "已取消", "处理中")
_COUNSELING = (
    "SELECT json_extract(b.data, '$.topic'), substr(json_extract(b.data, '$.created_at'), 1, 7), count(*), "
    "sum(b.status = 'checked_in' OR (b.status != 'cancelled' AND f.state = 'done')), "
    "sum(b.status = 'no_show'), sum(b.status = 'cancelled'), "
    "sum(b.status IN ('booked', 'waiting') AND f.state IS NOT 'done') "
    "FROM bookings b LEFT JOIN counseling_follow_ups f ON f.booking_id = b.id "
    # bookings_counseling_by_created (m007): the literal kind and the same expression
    "WHERE b.center_id = ? AND b.kind = 'counseling' "
    "AND json_extract(b.data, '$.created_at') >= ? AND json_extract(b.data, '$.created_at') < ? GROUP BY 1, 2")


def counseling(conn: sqlite3.Connection, center_id: str, year: int, topics: tuple[str, ...]) -> dict:
    """Requests made in the year, by topic and by month: counts only."""
    by_topic, by_month = _fold(conn.execute(_COUNSELING, [center_id, *span(year)]), len(COUNSELING_COLUMNS))
    return {"by_topic": _labelled(by_topic, topics, len(COUNSELING_COLUMNS)),
            "by_month": _months(by_month, year, len(COUNSELING_COLUMNS))}


# -- 自习室, 妈妈绘本馆 ---------------------------------------------------------------------
ROOM_COLUMNS = {"study": ("预约", "签到", "未到", "取消", "待签到"),
                "books": ("报名", "签到", "未到", "取消", "待签到", "候补未轮到")}
_ROOM_STATES = (life.CHECKED_IN, life.NO_SHOW, life.CANCELLED, life.BOOKED, life.WAITING)  # the columns after the first
_ROOM = (
    # grouped in bookings_by_session's own order (m003), so the year's rows need no sort;
    # the months are summed from a few thousand groups
    "SELECT substr(day, 1, 7), status, sum(n) FROM (SELECT day, status, count(*) AS n FROM bookings "
    "WHERE center_id = ? AND kind = ? AND day >= ? AND day < ? GROUP BY day, session, status) GROUP BY 1, 2")


def room(conn: sqlite3.Connection, center_id: str, year: int, kind: str) -> list[tuple[str, list]]:
    width = len(ROOM_COLUMNS[kind])
    months: dict[str, list] = {}
    for month, status, n in conn.execute(_ROOM, [center_id, kind, *span(year)]):
        counts = months.setdefault(month, [0] * width)
        counts[0] += n
        column = 1 + _ROOM_STATES.index(status) if status in _ROOM_STATES else None
        if column is not None and column < width:  # a study seat has no waitlist
            counts[column] += n
    return _months(months, year, width)


# -- shapes ----------------------------------------------------------------------------------
def _fold(rows, width: int) -> tuple[dict, dict]:
    """(label, month, counts...) groups summed by label and by month."""
    by_label: dict = {}
    by_month: dict = {}
    for label, month, *counts in rows:
        for into, key in ((by_label, label), (by_month, month)):
            total = into.setdefault(key, [0] * width)
            for i, n in enumerate(counts):
                total[i] += n or 0
    return by_label, by_month


def _labelled(found: dict, known, width: int) -> list[tuple[str, list]]:
    """Every known label in its order (zeros where none), then any other found, then 合计."""
    labels = list(known) + sorted(str(k) for k in found if k not in known)
    rows = [(label, found.get(label, [0] * width)) for label in labels]
    return rows + [("合计", [sum(r[1][i] for r in rows) for i in range(width)])]


def _months(found: dict, year: int, width: int) -> list[tuple[str, list]]:
    months = [(f"{m}月", found.get(f"{year:04d}-{m:02d}", [0] * width)) for m in range(1, MONTHS + 1)]
    return months + [("合计", [sum(r[1][i] for r in months) for i in range(width)])]


def first_year(conn: sqlite3.Connection, center_id: str) -> str | None:
    """The earliest year with any record, each found by one index seek."""
    found = [conn.execute(sql, args).fetchone()[0] for sql, args in (
        ("SELECT min(at) FROM ledger WHERE center_id = ?", [center_id]),
        ("SELECT min(json_extract(data, '$.created_at')) FROM wishes WHERE center_id = ?", [center_id]),
        *(("SELECT min(day) FROM bookings WHERE center_id = ? AND kind = ?", [center_id, kind])
          for kind in ("study", "books")))]
    found = [f for f in found if f]
    return min(found)[:4] if found else None


@dataclass
class Report:
    year: int
    registered: int  # volunteers on the roster
    ledger: LedgerYear
    wishes: dict
    counseling: dict
    study: list
    books: list
    first_year: str | None


def report(conn: sqlite3.Connection, center_id: str, year: int, topics: tuple[str, ...]) -> Report:
    """The whole year, read at once (under the store's lock: one consistent picture)."""
    return Report(year, registered(conn, center_id), ledger_year(conn, center_id, year),
                  wishes(conn, center_id, year), counseling(conn, center_id, year, topics),
                  room(conn, center_id, year, "study"), room(conn, center_id, year, "books"),
                  first_year(conn, center_id))
