"""How the server applies each mutation type (no Kivy).

The registry (sync/mutations.py) names each applier and has already checked
the data against its schema and the sender's credential. An applier gets the
context and the validated payload; it returns None when applied, DUPLICATE
when its record is already here (sent again under another mutation id), or a
stable refusal reason, and records what other kiosks must learn through
``ctx.change``. It checks everything before its first write, so a refusal
leaves nothing behind (a savepoint per mutation would cost the push a third
of its speed). Field rules are the kiosk's own (shared code): a value the
kiosk would have normalised differently was not made by a kiosk and is
refused. Rules that span kiosks are decided here: seats and slots, the
picture-book places and their waitlist, stock against holds, balances.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from kiosk import lifecycle as life
from kiosk.bookings import NOTE_LIMIT, validate_booking
from kiosk.center import Center
from kiosk.clock import read, stamp, wall
from kiosk.sessions import bookable, checkin_window, session_start, slot_serves, weekly_entry
from kiosk.pins import after_failure, hash_pin, is_locked, pin_hash_problem, verify_pin
from kiosk.validation import NOTE_MAX, FieldError, FormError, agreed, normalise_phone, validate_note
from kiosk.wishes import anonymise, validate_wish
from sync import payloads as p
from sync.protocol import DUPLICATE
from sync.rows import LimitsRow
from sync.server.sealing import open_pin_change

INVALID = "invalid"
CLAIMANT_MAX = 40
ACTIVITY_MAX = 40  # sync/payloads.py Short
PAST_DAYS = 1  # a booking made offline for yesterday's session may still arrive
PIN_CHECKS_PER_PUSH = 3  # a volunteer changes a PIN now and then; a push of hundreds is an attack


@dataclass(frozen=True)
class Limits:
    """What the office allows one staff-mode entry at a kiosk (per center); until it
    sets some, the defaults of the row kiosks receive (sync/rows.py LimitsRow)."""
    points_per_entry: int = LimitsRow().points_per_entry
    points_per_staff_day: int = LimitsRow().points_per_staff_day
    hours_per_entry: float = LimitsRow().hours_per_entry


@dataclass
class Context:
    conn: sqlite3.Connection
    kiosk_id: str  # "" for the office's own change
    center_id: str
    center: Center
    now: datetime  # the center's local time, as the kiosks keep it
    change: Callable[[str, dict], None]  # (kind, data): appended to the center's pull feed
    audit: Callable[[str, str, str, object, object], None]  # (staff id, action, target, before, after)
    limits: Limits = field(default_factory=Limits)
    staff: dict | None = None  # the staff member behind this change (staff mode or the office)
    action: str = ""  # the mutation type or office operation being applied
    pin_checks: int = 0  # PIN changes checked in this push
    staff_pins: dict = field(default_factory=dict)  # staff id -> (PIN, right?) checked in this push

    def record(self, target: str, before, after) -> None:
        """An audit row when staff made this change; residents' own submissions are not audited."""
        if self.staff is not None:
            self.audit(self.staff["id"], self.action, target, before, after)


def one(conn: sqlite3.Connection, sql: str, args) -> dict | None:
    """The first row as a dict of its columns, or None."""
    cursor = conn.execute(sql, args)
    row = cursor.fetchone()
    return dict(zip((c[0] for c in cursor.description), row)) if row else None


def _known(ctx: Context, table: str, column: str, value: str) -> str | None:
    """DUPLICATE for a record already here (sent again under another mutation id),
    INVALID for an id another center holds, None for a new one."""
    row = ctx.conn.execute(f"SELECT center_id FROM {table} WHERE {column} = ?", [value]).fetchone()
    return None if row is None else DUPLICATE if row[0] == ctx.center_id else INVALID


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _as_written(text: str | None, limit: int, one_line: bool = True) -> bool:
    """Whether a staff member's text (None: not given) is as the kiosk's own validation leaves it."""
    try:
        return text is None or validate_note(text, "text", limit=limit, one_line=one_line) == text
    except FieldError:
        return False


def _normal_phone(phone: str) -> bool:
    try:
        return normalise_phone(phone) == phone
    except FieldError:
        return False


def _same(raw: dict, clean: dict) -> bool:
    """Whether the kiosk's validation left every value as it was sent."""
    return all(raw.get(key) == value for key, value in clean.items() if key != "consent")


# -- bookings -------------------------------------------------------------------------
def public_booking(row: dict) -> dict:
    """What other kiosks learn of a booking: the place it holds, no person."""
    return {key: row.get(key) for key in ("id", "kind", "day", "session", "seat", "status")}


def _places(center: Center, kind: str, session: str | None) -> int:
    entry = weekly_entry(center, kind, session)
    return getattr(entry, "places", 1)


def _held(ctx: Context, kind: str, day: str, session: str, status=life.HOLDS_PLACE) -> int:
    return ctx.conn.execute(
        f"SELECT count(*) FROM bookings WHERE center_id = ? AND kind = ? AND day = ? AND session = ? "
        f"AND status IN ({', '.join('?' * len(status))})",
        [ctx.center_id, kind, day, session, *status]).fetchone()[0]


def booking_create(ctx: Context, data: p.BookingCreate) -> str | None:
    b = data.booking
    raw = b.model_dump()
    try:
        clean = validate_booking(b.kind, ctx.center, dict(raw, consent=True))
    except FormError:
        return INVALID
    if not _same(raw, clean) or (b.kind == "study") != (b.seat is not None) \
            or (b.kind == "books") != (b.child_name is not None):
        return INVALID
    if b.kind != "counseling" and b.day is None:
        return INVALID
    starts = None
    if b.day is not None:
        day = date.fromisoformat(b.day)
        starts = session_start(ctx.center, b.kind, day, b.session)
        today = ctx.now.date()
        if starts is None or not today - timedelta(days=PAST_DAYS) <= day \
                <= today + timedelta(days=ctx.center.rules.window_days):
            return "not_bookable"
        if b.starts_at is not None and wall(read(b.starts_at, ctx.center.tz), ctx.center.tz) != starts:
            return INVALID
        # the kiosk's rule, by the time the kiosk made it (it may arrive later, from offline)
        if not bookable(ctx.center, b.kind, day, b.session, wall(read(b.created_at, ctx.center.tz), ctx.center.tz)):
            return "session_closed"
        if b.kind == "counseling" and not slot_serves(ctx.center, b.session, b.topic):
            return "not_bookable"  # the slot's person does not take this topic
    known = _known(ctx, "bookings", "id", b.id)
    if known:
        return known
    reason = _person_rule(ctx, b)
    if reason:
        return reason
    status = life.BOOKED
    if b.kind == "books":
        # the places are the server's: the first to arrive gets one, later ones wait in order
        if _held(ctx, "books", b.day, b.session) >= _places(ctx.center, "books", b.session):
            if _held(ctx, "books", b.day, b.session, (life.WAITING,)) >= ctx.center.rules.waitlist:
                return "waitlist_full"
            status = life.WAITING
    # the start as the center's schedule says, whatever the kiosk sent: no-shows are released by it
    stored = dict(raw, status=status, starts_at=stamp(starts, ctx.center.tz) if starts else None)
    inserted = ctx.conn.execute(
        "INSERT OR IGNORE INTO bookings (id, kiosk_id, center_id, kind, day, session, seat, phone, status, "
        "data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [b.id, ctx.kiosk_id, ctx.center_id, b.kind, b.day, b.session, b.seat, b.phone, status,
         _json(stored)]).rowcount
    if not inserted:  # the id is new (checked above): a seat or a counseling slot index said no
        return "seat_taken" if b.kind == "study" else "slot_taken"
    ctx.change("booking", public_booking(stored))
    ctx.record(b.id, None, public_booking(stored))
    return None


def _person_rule(ctx: Context, b: p.BookingRecord) -> str | None:
    """What one person may hold, across kiosks: the kiosk's own rules (kiosk/bookings.py),
    decided again where every kiosk's bookings meet."""
    def count(where: str, *args) -> int:
        return ctx.conn.execute(
            f"SELECT count(*) FROM bookings WHERE center_id = ? AND kind = ? AND phone = ? AND {where}",
            [ctx.center_id, b.kind, b.phone, *args]).fetchone()[0]
    held = "status IN ('booked', 'checked_in')"
    if b.kind == "study":
        if count(f"day = ? AND session = ? AND {held}", b.day, b.session):
            return "person_limit"  # one seat a session
        if count(f"day = ? AND {held}", b.day) >= ctx.center.rules.sessions_per_day:
            return "person_limit"
    elif b.kind == "books":
        if count("day = ? AND session = ? AND status IN ('booked', 'checked_in', 'waiting') "
                 "AND json_extract(data, '$.child_name') = ?", b.day, b.session, b.child_name):
            return "person_limit"  # one place (or one turn on the waitlist) a child
    elif count("status = 'booked'"):
        return "person_limit"  # one open counseling request a phone
    return None


def _booking(ctx: Context, data: p.BookingChange) -> dict | None:
    row = one(ctx.conn, "SELECT id, kiosk_id, kind, day, session, seat, status, data FROM bookings "
                        "WHERE id = ? AND center_id = ?", [data.id, ctx.center_id])
    if row is not None:
        row["data"] = json.loads(row["data"])
    return row


def _check_change(ctx: Context, data: p.BookingChange, target: str) -> tuple[str | None, dict | None]:
    """The booking and the refusal, if any: it exists here, the ticket is its
    own, this kiosk made it (or staff act), and the move is in its lifecycle."""
    found = _booking(ctx, data)
    if found is None or found["data"].get("ticket") != data.ticket:
        return "unknown_booking", None  # e.g. its creation was refused
    if data.status != target:
        return INVALID, None
    if found["kiosk_id"] != ctx.kiosk_id and ctx.staff is None:
        return "not_yours", None
    if found["status"] == target:
        return DUPLICATE, None
    if not life.can_move(life.BOOKING_MOVES, found["status"], target):
        return "booking_state", None
    return None, found


def _move(ctx: Context, found: dict, status: str, **noted) -> None:
    """``noted``: what else the audit keeps of the move (staff's reason)."""
    ctx.conn.execute("UPDATE bookings SET status = ?, data = json_set(data, '$.status', ?) WHERE id = ?",
                     [status, status, found["id"]])
    ctx.change("booking", public_booking(dict(found, status=status)))
    ctx.record(found["id"], {"status": found["status"]}, {"status": status, **noted})


def _promote_next(ctx: Context, found: dict) -> None:
    """A picture-book place came free: the family that has waited longest,
    at any kiosk of the center, gets it."""
    if found["kind"] != "books" or found["status"] != life.BOOKED:
        return
    if _held(ctx, "books", found["day"], found["session"]) >= _places(ctx.center, "books", found["session"]):
        return  # no place is free after all: the office has since cut the session's places
    first = one(ctx.conn, "SELECT id, kiosk_id, kind, day, session, seat, status FROM bookings "
                          "WHERE center_id = ? AND kind = 'books' AND day = ? AND session = ? AND status = ? "
                          "ORDER BY rowid LIMIT 1",
                [ctx.center_id, found["day"], found["session"], life.WAITING])
    if first is not None:
        _move(ctx, first, life.BOOKED)


def booking_cancel(ctx: Context, data: p.BookingChange) -> str | None:
    reason, found = _check_change(ctx, data, life.CANCELLED)
    if reason:
        return reason
    if ctx.staff is None and data.last4 != found["data"]["phone"][-4:]:
        return "wrong_phone"
    _move(ctx, found, life.CANCELLED)
    _promote_next(ctx, found)
    return None


def booking_checkin(ctx: Context, data: p.BookingChange) -> str | None:
    reason, found = _check_change(ctx, data, life.CHECKED_IN)
    if reason:
        return reason
    _move(ctx, found, life.CHECKED_IN)
    return None


def booking_no_show(ctx: Context, data: p.BookingChange) -> str | None:
    reason, found = _check_change(ctx, data, life.NO_SHOW)
    if reason:
        return reason
    if ctx.staff is None and found["data"].get("no_show_undone"):
        return "booking_state"  # staff undid its no-show: no kiosk releases it by itself again
    starts = found["data"].get("starts_at")  # the schedule's, stored when the booking was taken
    if not starts:
        return "too_early"
    starts = wall(read(starts, ctx.center.tz), ctx.center.tz)
    # on-duty staff at the desk may mark 未到 once the session has started; the kiosk by itself
    # releases a place only when the check-in window is over (kiosk/sessions.py)
    closes = starts if ctx.staff is not None else checkin_window(ctx.center.rules, starts)[1]
    if ctx.now < closes:  # by the server's clock, not the kiosk's
        return "too_early"
    _move(ctx, found, life.NO_SHOW)
    _promote_next(ctx, found)
    return None


def _place_free(ctx: Context, found: dict) -> bool:
    """Whether the seat, slot or picture-book place a booking held is still free."""
    if found["kind"] == "study":
        return not ctx.conn.execute(
            "SELECT 1 FROM bookings WHERE center_id = ? AND kind = 'study' AND day = ? AND session = ? "
            "AND seat = ? AND status IN ('booked', 'checked_in') AND id != ?",
            [ctx.center_id, found["day"], found["session"], found["seat"], found["id"]]).fetchone()
    if found["session"] is None:
        return True  # a counseling request without a slot holds no place
    return _held(ctx, found["kind"], found["day"], found["session"]) \
        < _places(ctx.center, found["kind"], found["session"])


def booking_reinstate(ctx: Context, data: p.NoShowUndo) -> str | None:
    """撤销未到: on-duty staff undo a no-show with a reason (audited). The booking
    holds its place again if nobody took it meanwhile, and no longer counts
    against the resident; no kiosk releases it by itself again."""
    if not data.reason or not _as_written(data.reason, NOTE_LIMIT):
        return INVALID
    reason, found = _check_change(ctx, data, life.BOOKED)
    if reason:
        return reason
    if found["status"] != life.NO_SHOW:
        return "booking_state"  # waiting -> booked is a promotion, decided here only
    if not _place_free(ctx, found):
        return "place_taken"
    ctx.conn.execute("UPDATE bookings SET data = json_set(data, '$.no_show_undone', 1) WHERE id = ?",
                     [found["id"]])
    _move(ctx, found, life.BOOKED, reason=data.reason)
    return None


def booking_promote(ctx: Context, data: p.BookingChange) -> str | None:
    """Promotions are decided here, when a place comes free. A kiosk's own
    provisional promotion stands if the server made the same one; if the family
    still waits here, it is refused and the kiosk puts them back on the waitlist
    (any other state already reached the kiosk through the feed)."""
    found = _booking(ctx, data)
    if found is None or found["data"].get("ticket") != data.ticket:
        return "unknown_booking"
    if found["kiosk_id"] != ctx.kiosk_id and ctx.staff is None:
        return "not_yours"
    return None if found["status"] == life.BOOKED else (
        "still_waiting" if found["status"] == life.WAITING else "booking_state")


def lift_block(ctx: Context, data: p.LiftBlock) -> str | None:
    if not data.reason or not _as_written(data.reason, NOTE_LIMIT) or not _normal_phone(data.phone):
        return INVALID  # the kiosk asks for a reason and sends the phone as it stores it
    ctx.record(data.phone[-4:], None, {"lifted": True, "reason": data.reason})
    return None


# -- wishes -----------------------------------------------------------------------------
def public_wish(conn: sqlite3.Connection, wish_id: str) -> dict | None:
    """A wish as the wall shows it: no full name, no phone. A private one (the
    resident did not agree to the wall) goes to the kiosks without its words or
    its 张**: its own kiosk has them, and the others must not (sync/rows.py
    WishRow; a kiosk from before private wishes refuses such a row and skips it)."""
    row = one(conn, "SELECT id, data, status, claimant, claimant_kind, reason, fulfilled_note "
                    "FROM wishes WHERE id = ?", [wish_id])
    if row is None:
        return None
    card = json.loads(row.pop("data"))
    shown = dict(row, code=card.get("code"), category=card.get("category"), created_at=card.get("created_at"))
    if not agreed(card.get("consent")):
        return dict(shown, public=False)
    return dict(shown, display_name=anonymise(card.get("name", "")), text=card.get("text"))


def wish_create(ctx: Context, data: p.WishCreate) -> str | None:
    w = data.wish.model_dump()
    known = _known(ctx, "wishes", "id", w["id"])
    if known:
        return known
    try:
        clean = validate_wish(w["name"], w["phone"], w["category"], w["text"], w["consent"])
    except FormError:
        return INVALID
    if not _same(w, clean):
        return INVALID
    ctx.conn.execute("INSERT INTO wishes (id, kiosk_id, center_id, status, data) VALUES (?, ?, ?, ?, ?)",
                     [w["id"], ctx.kiosk_id, ctx.center_id, life.SUBMITTED, _json(w)])
    ctx.record(w["id"], None, {"status": life.SUBMITTED})
    return None


def wish_status(ctx: Context, data: p.WishChange) -> str | None:
    """The office's review, claim, fulfilment or withdrawal of a claim."""
    if data.status not in life.WISH_STATES:
        return INVALID
    for given in (data.claimant, data.claimant_contact):
        if given == "" or not _as_written(given, CLAIMANT_MAX, one_line=False):
            return INVALID
    current = one(ctx.conn, "SELECT status, claimant FROM wishes WHERE id = ? AND center_id = ?",
                  [data.id, ctx.center_id])
    if current is None:
        return "unknown_wish"
    if not life.can_move(life.WISH_MOVES, current["status"], data.status):
        # e.g. two claims for one wish: the first to arrive keeps it
        return "already_claimed" if data.status == life.CLAIMED else "wish_state"
    if data.status == life.CLAIMED and not data.claimant:
        return INVALID
    # back to approved is a withdrawn claim; otherwise what is not sent stays as it was
    ctx.conn.execute(
        "UPDATE wishes SET status = :status, "
        "claimant = CASE WHEN :status = 'approved' THEN NULL ELSE coalesce(:claimant, claimant) END, "
        "claimant_kind = CASE WHEN :status = 'approved' THEN NULL "
        "ELSE coalesce(:claimant_kind, claimant_kind) END, "
        "claimant_contact = CASE WHEN :status = 'approved' THEN NULL "
        "ELSE coalesce(:contact, claimant_contact) END, "
        "reason = coalesce(:reason, reason), fulfilled_note = coalesce(:note, fulfilled_note) "
        "WHERE id = :id",
        {"status": data.status, "claimant": data.claimant, "claimant_kind": data.claimant_kind,
         "contact": data.claimant_contact, "reason": data.reason, "note": data.fulfilled_note, "id": data.id})
    ctx.change("wish.status", public_wish(ctx.conn, data.id))
    # the audit is read by roles that may not see a claimant's contact
    ctx.record(data.id, current, data.model_dump(exclude_none=True, exclude={"claimant_contact"}))
    return None


# -- volunteers, points, redemptions ---------------------------------------------------------
def volunteer_row(conn: sqlite3.Connection, volunteer_id: str) -> dict | None:
    return one(conn, "SELECT id, number, name, phone, pin_hash FROM volunteers WHERE id = ?", [volunteer_id])


def set_pin_hash(ctx: Context, volunteer_id: str, pin_hash: str) -> str | None:
    if pin_hash_problem(pin_hash):
        return INVALID
    updated = ctx.conn.execute("UPDATE volunteers SET pin_hash = ? WHERE id = ? AND center_id = ?",
                               [pin_hash, volunteer_id, ctx.center_id]).rowcount
    if not updated:
        return "unknown_volunteer"
    ctx.change("volunteer", volunteer_row(ctx.conn, volunteer_id))
    ctx.record(volunteer_id, None, {"pin": "reset"})  # never the hash itself
    return None


def volunteer_pin(ctx: Context, data: p.PinHash) -> str | None:
    """The office resets a PIN (the console; never a kiosk)."""
    return set_pin_hash(ctx, data.id, data.pin_hash)


def volunteer_pin_change(ctx: Context, data: p.PinChange) -> str | None:
    """A volunteer's own change at a kiosk: the server opens the seal and
    checks the current PIN itself before it makes the new hash."""
    row = one(ctx.conn, "SELECT pin_hash, pin_failures, pin_locked_until, pin_failed_at FROM volunteers "
                        "WHERE id = ? AND center_id = ?", [data.id, ctx.center_id])
    if row is None:
        return "unknown_volunteer"
    if is_locked(row["pin_locked_until"], ctx.now):
        return "pin_locked"
    ctx.pin_checks += 1  # each costs a KDF run under the store's lock: a few a push at most
    if ctx.pin_checks > PIN_CHECKS_PER_PUSH:
        return "too_many"
    opened = open_pin_change(ctx.conn, data.sealed, data.id)
    if opened is None:
        return INVALID
    old, new = opened
    if not verify_pin(old, row["pin_hash"]):
        # a refusal rolls nothing back here (it writes no record), so the count stays
        ctx.conn.execute("UPDATE volunteers SET pin_failures = ?, pin_locked_until = ?, pin_failed_at = ? "
                         "WHERE id = ?", [*after_failure(row["pin_failures"], row["pin_failed_at"], ctx.now),
                                          data.id])
        return "wrong_pin"
    ctx.conn.execute("UPDATE volunteers SET pin_failures = 0 WHERE id = ?", [data.id])
    return set_pin_hash(ctx, data.id, hash_pin(new))


LEDGER_FIELDS = ("uid", "volunteer_id", "at", "activity", "hours", "points", "reason", "staff_id",
                 "reverses_uid")


def _known_volunteer(ctx: Context, volunteer_id: str) -> bool:
    return ctx.conn.execute("SELECT 1 FROM volunteers WHERE id = ? AND center_id = ?",
                            [volunteer_id, ctx.center_id]).fetchone() is not None


def add_ledger(ctx: Context, entry: dict) -> str | None:
    """Append one entry (the ledger is append-only here too); its uid makes a
    second arrival of the same entry a no-op."""
    if not _known_volunteer(ctx, entry["volunteer_id"]):
        return "unknown_volunteer"
    row = {key: entry.get(key) for key in LEDGER_FIELDS}
    row["hours"] = row["hours"] or 0
    inserted = ctx.conn.execute(
        f"INSERT OR IGNORE INTO ledger (center_id, recorded_at, {', '.join(LEDGER_FIELDS)}) "
        f"VALUES (?, ?, {', '.join('?' * len(LEDGER_FIELDS))})",
        [ctx.center_id, ctx.now.isoformat(timespec="seconds"), *row.values()]).rowcount
    if not inserted:
        return DUPLICATE
    ctx.change("ledger", row)
    ctx.record(row["uid"], None, row)
    return None


def _staff_points_today(ctx: Context) -> int:
    return ctx.conn.execute(
        "SELECT coalesce(sum(points), 0) FROM ledger WHERE center_id = ? AND staff_id = ? AND points > 0 "
        "AND reverses_uid IS NULL AND substr(recorded_at, 1, 10) = ?",
        [ctx.center_id, ctx.staff["id"], ctx.now.date().isoformat()]).fetchone()[0]


def _staff_texts(data: p.LedgerEntry) -> bool:
    # an activity may be the office's (a reversal names it), whose notes may have lines
    return _as_written(data.activity, ACTIVITY_MAX, one_line=False) and _as_written(data.reason, NOTE_MAX)


def ledger_add(ctx: Context, data: p.LedgerEntry) -> str | None:
    """Service points recorded at a kiosk, inside the limits the office set."""
    known = _known(ctx, "ledger", "uid", data.uid)
    if known:
        return known
    if data.reverses_uid is not None or data.hours < 0 or not _staff_texts(data):
        return INVALID
    if not 0 < data.points <= ctx.limits.points_per_entry or data.hours > ctx.limits.hours_per_entry \
            or _staff_points_today(ctx) + data.points > ctx.limits.points_per_staff_day:
        return "over_limit"
    return add_ledger(ctx, dict(data.model_dump(), staff_id=ctx.staff["id"]))


def ledger_reverse(ctx: Context, data: p.LedgerEntry) -> str | None:
    """A kiosk may undo one entry exactly, and only a small one; larger
    corrections are the office's."""
    known = _known(ctx, "ledger", "uid", data.uid)
    if known:
        return known
    original = one(ctx.conn, "SELECT uid, volunteer_id, points, hours FROM ledger WHERE uid = ? AND center_id = ?",
                   [data.reverses_uid, ctx.center_id]) if data.reverses_uid else None
    if original is None:
        return "unknown_entry"
    if original["points"] <= 0:  # undoing a hand-over or a deduction would make points: the office's
        return "over_limit"
    if (data.volunteer_id, data.points, data.hours) != (original["volunteer_id"], -original["points"],
                                                       -original["hours"]) or not data.reason \
            or not _staff_texts(data):
        return INVALID
    if ctx.conn.execute("SELECT 1 FROM ledger WHERE reverses_uid = ?", [original["uid"]]).fetchone():
        return DUPLICATE  # already reversed (by another kiosk or the office)
    if abs(data.points) > ctx.limits.points_per_entry:
        return "over_limit"
    return add_ledger(ctx, dict(data.model_dump(), staff_id=ctx.staff["id"]))


def balance_sql(volunteer: str) -> str:
    """The points a volunteer may spend (the ledger less what is on hold) as an SQL
    expression of ``volunteer`` (a column, or a parameter such as :v)."""
    return (f"((SELECT coalesce(sum(points), 0) FROM ledger WHERE volunteer_id = {volunteer}) - "
            f"(SELECT coalesce(sum(points), 0) FROM holds WHERE volunteer_id = {volunteer} AND status = 'held'))")


def balance(conn: sqlite3.Connection, volunteer_id: str) -> int:
    return conn.execute("SELECT " + balance_sql(":v"), {"v": volunteer_id}).fetchone()[0]


def catalogue_row(conn: sqlite3.Connection, item_id: str, center_id: str) -> dict | None:
    return one(conn, "SELECT id, item, points, stock FROM catalogue WHERE id = ? AND center_id = ?",
               [item_id, center_id])


def hold_row(conn: sqlite3.Connection, hold_id: str) -> dict:
    return one(conn, "SELECT id, volunteer_id, item_id, points, status, created_at, closed_at "
                     "FROM holds WHERE id = ?", [hold_id])


def redemption_request(ctx: Context, data: p.RedemptionRequest) -> str | None:
    """Where two kiosks' offline requests meet: a request the volunteer's
    points or the stock (less what is already on hold) cannot cover is refused."""
    hold = data.hold
    known = _known(ctx, "holds", "id", hold.id)
    if known:
        return known
    item = catalogue_row(ctx.conn, hold.item_id, ctx.center_id)
    if item is None or not _known_volunteer(ctx, hold.volunteer_id):
        return "unknown_item_or_volunteer"
    on_hold = ctx.conn.execute("SELECT count(*) FROM holds WHERE item_id = ? AND center_id = ? AND "
                               "status = 'held'", [item["id"], ctx.center_id]).fetchone()[0]
    if item["stock"] - on_hold <= 0:
        return "out_of_stock"
    if balance(ctx.conn, hold.volunteer_id) < item["points"]:
        return "insufficient_points"
    ctx.conn.execute(
        "INSERT INTO holds (id, center_id, volunteer_id, item_id, points, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'held', ?)",
        [hold.id, ctx.center_id, hold.volunteer_id, item["id"], item["points"], hold.created_at])
    ctx.change("hold", hold_row(ctx.conn, hold.id))
    ctx.record(hold.id, None, {"item": item["id"], "points": item["points"]})
    return None


def redemption_withdraw(ctx: Context, data: p.Withdrawal) -> str | None:
    """The volunteer withdraws a request still waiting for its item: its points
    and its place in the stock are free again. Only their own, only while it waits;
    a second withdrawal (from another kiosk) finds it withdrawn already."""
    row = one(ctx.conn, "SELECT id, volunteer_id, status FROM holds WHERE id = ? AND center_id = ?",
              [data.hold, ctx.center_id])
    if row is None:
        return "unknown_hold"
    if row["volunteer_id"] != data.volunteer_id:
        return "not_their_hold"
    if row["status"] == life.WITHDRAWN:
        return DUPLICATE
    if not life.can_move(life.HOLD_MOVES, row["status"], life.WITHDRAWN):
        return "already_closed"  # handed out, or released by the office
    ctx.conn.execute("UPDATE holds SET status = ?, closed_at = ? WHERE id = ?",
                     [life.WITHDRAWN, stamp(ctx.now, ctx.center.tz), row["id"]])
    ctx.change("hold", hold_row(ctx.conn, row["id"]))
    ctx.record(row["id"], {"status": row["status"]}, {"status": life.WITHDRAWN})
    return None


def redemption_handover(ctx: Context, data: p.Handover) -> str | None:
    """Staff gave the item: the held points become a ledger entry. The entry
    is made here from the hold, so its points are the hold's, whatever was sent."""
    row = one(ctx.conn, "SELECT id, volunteer_id, item_id, points, status FROM holds "
                        "WHERE id = ? AND center_id = ?", [data.hold, ctx.center_id])
    if row is None:
        return "unknown_hold"
    if row["status"] != "held":
        return "already_closed"
    if ctx.conn.execute("SELECT 1 FROM ledger WHERE uid = ?", [data.entry.uid]).fetchone():
        return INVALID
    item = catalogue_row(ctx.conn, row["item_id"], ctx.center_id)
    ctx.conn.execute("UPDATE holds SET status = 'handed_over', closed_at = ? WHERE id = ?",
                     [data.entry.at, row["id"]])
    ctx.conn.execute("UPDATE catalogue SET stock = max(stock - 1, 0) WHERE id = ? AND center_id = ?",
                     [row["item_id"], ctx.center_id])
    add_ledger(ctx, {"uid": data.entry.uid, "volunteer_id": row["volunteer_id"], "at": data.entry.at,
                     "activity": f"积分兑换：{item['item']}"[:40], "hours": 0, "points": -row["points"],
                     "staff_id": ctx.staff["id"]})
    ctx.change("hold", hold_row(ctx.conn, row["id"]))
    ctx.change("catalogue", catalogue_row(ctx.conn, row["item_id"], ctx.center_id))
    return None
