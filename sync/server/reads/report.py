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
    kept = _Sums(last, _last_uid(conn, last), groups, _summed(groups))
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


def roster(conn: sqlite3.Connection, center_id: str) -> dict[str, tuple[str, str]]:
    """volunteer id -> (number, name): the names for the per-person table, never a phone."""
    return {vid: (number, name) for vid, number, name in conn.execute(
        "SELECT id, number, name FROM volunteers WHERE center_id = ?", [center_id])}


def volunteer_counts(conn: sqlite3.Connection, center_id: str, year: int) -> dict:
    start, end = span(year)
    one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
    return {
        "registered": one("SELECT count(*) FROM volunteers WHERE center_id = ?", center_id),
        # a volunteer's first entry of all: one seek each through ledger_by_volunteer_time (m009)
        "first_served": one(
            "SELECT count(*) FROM (SELECT (SELECT min(l.at) FROM ledger l WHERE l.volunteer_id = v.id) AS first "
            "FROM volunteers v WHERE v.center_id = ?) WHERE first >= ? AND first < ?", center_id, start, end),
    }


# -- 微心愿 -------------------------------------------------------------------------------
WISH_COLUMNS = ("收集", "通过审核", "已认领", "已实现", "未通过", "待审核")
_WISH = (
    "SELECT {key}, count(*), sum(status IN {wall}), sum(status IN {claimed}), sum(status = '{fulfilled}'), "
    "sum(status = '{declined}'), sum(status = '{submitted}') FROM wishes "
    # wishes_by_center_created (m006): the same expression, or SQLite will not use it
    "WHERE center_id = ? AND json_extract(data, '$.created_at') >= ? AND json_extract(data, '$.created_at') < ? "
    "GROUP BY 1"
).format(key="{key}", wall=_in(life.ON_WALL), claimed=_in((life.CLAIMED, life.FULFILLED)),
         fulfilled=life.FULFILLED, declined=life.DECLINED, submitted=life.SUBMITTED)


def wishes(conn: sqlite3.Connection, center_id: str, year: int) -> dict:
    """by category and by month of collection: each a list of (label, counts in WISH_COLUMNS' order)."""
    start, end = span(year)
    by = {key: {row[0]: list(row[1:]) for row in conn.execute(
        _WISH.format(key=expr), [center_id, start, end])}
        for key, expr in (("category", "json_extract(data, '$.category')"),
                          ("month", "substr(json_extract(data, '$.created_at'), 1, 7)"))}
    return {"by_category": _labelled(by["category"], CATEGORIES, len(WISH_COLUMNS)),
            "by_month": _months(by["month"], year, len(WISH_COLUMNS))}


# -- 民情恳谈室 ---------------------------------------------------------------------------
COUNSELING_COLUMNS = ("申请", "已接待办结", "未到", "已取消", "处理中")
_COUNSELING = (
    "SELECT {key}, count(*), "
    "sum(b.status = 'checked_in' OR (b.status != 'cancelled' AND f.state = 'done')), "
    "sum(b.status = 'no_show'), sum(b.status = 'cancelled'), "
    "sum(b.status IN ('booked', 'waiting') AND f.state IS NOT 'done') "
    "FROM bookings b LEFT JOIN counseling_follow_ups f ON f.booking_id = b.id "
    # bookings_counseling_by_created (m007): the literal kind and the same expression
    "WHERE b.center_id = ? AND b.kind = 'counseling' "
    "AND json_extract(b.data, '$.created_at') >= ? AND json_extract(b.data, '$.created_at') < ? GROUP BY 1")


def counseling(conn: sqlite3.Connection, center_id: str, year: int, topics: tuple[str, ...]) -> dict:
    """Requests made in the year, by topic and by month: counts only."""
    start, end = span(year)
    by = {key: {row[0]: list(row[1:]) for row in conn.execute(
        _COUNSELING.format(key=expr), [center_id, start, end])}
        for key, expr in (("topic", "json_extract(b.data, '$.topic')"),
                          ("month", "substr(json_extract(b.data, '$.created_at'), 1, 7)"))}
    return {"by_topic": _labelled(by["topic"], topics, len(COUNSELING_COLUMNS)),
            "by_month": _months(by["month"], year, len(COUNSELING_COLUMNS))}


# -- 自习室, 妈妈绘本馆 ---------------------------------------------------------------------
ROOM_COLUMNS = {"study": ("预约", "签到", "未到", "取消", "待签到"),
                "books": ("报名", "签到", "未到", "取消", "待签到", "候补未轮到")}
_ROOM = (
    # by day first: bookings_by_session (m003) gives the rows in day order, so no sort of the
    # year's rows; the months are then summed from a few hundred days
    "SELECT substr(day, 1, 7), sum(n), sum(checked), sum(missed), sum(cancelled), sum(booked), sum(waiting) "
    "FROM (SELECT day, count(*) AS n, sum(status = 'checked_in') AS checked, sum(status = 'no_show') AS missed, "
    "sum(status = 'cancelled') AS cancelled, sum(status = 'booked') AS booked, sum(status = 'waiting') AS waiting "
    "FROM bookings WHERE center_id = ? AND kind = ? AND day >= ? AND day < ? GROUP BY day) GROUP BY 1")


def room(conn: sqlite3.Connection, center_id: str, year: int, kind: str) -> list[tuple[str, list]]:
    start, end = span(year)
    width = len(ROOM_COLUMNS[kind])
    rows = {row[0]: list(row[1:1 + width]) for row in conn.execute(_ROOM, [center_id, kind, start, end])}
    return _months(rows, year, width)


# -- shapes ----------------------------------------------------------------------------------
def _labelled(found: dict, known, width: int) -> list[tuple[str, list]]:
    """Every known label in its order (zeros where none), then any other found, then 合计."""
    labels = list(known) + sorted(str(k) for k in found if k not in known)
    rows = [(label, found.get(label, [0] * width)) for label in labels]
    return rows + [("合计", [sum(r[1][i] or 0 for r in rows) for i in range(width)])]


def _months(found: dict, year: int, width: int) -> list[tuple[str, list]]:
    months = [(f"{m}月", found.get(f"{year:04d}-{m:02d}", [0] * width)) for m in range(1, MONTHS + 1)]
    return months + [("合计", [sum(r[1][i] or 0 for r in months) for i in range(width)])]


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
    volunteers: dict
    ledger: LedgerYear
    wishes: dict
    counseling: dict
    study: list
    books: list
    first_year: str | None


def report(conn: sqlite3.Connection, center_id: str, year: int, topics: tuple[str, ...]) -> Report:
    """The whole year, read at once (under the store's lock: one consistent picture)."""
    return Report(year, volunteer_counts(conn, center_id, year), ledger_year(conn, center_id, year),
                  wishes(conn, center_id, year), counseling(conn, center_id, year, topics),
                  room(conn, center_id, year, "study"), room(conn, center_id, year, "books"),
                  first_year(conn, center_id))
