"""How the SQLite store applies each kind of kiosk mutation (no Kivy).

Each function gets the pushing kiosk's context and the mutation's data; it
returns None when applied, DUPLICATE when its record is already here (sent
again under another mutation id), or a stable rejection reason, and records
what other kiosks must learn through ``ctx.change``. A function checks
everything before its first write, so a rejection leaves nothing behind (a
savepoint per mutation would cost the push a third of its speed). Field
rules come from the kiosk's own services (shared code), so a record refused
at the kiosk's form is refused here too.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.bookings import validate_booking
from kiosk.center import Center
from kiosk.validation import FieldError, FormError
from kiosk.wishes import anonymise, validate_wish
from sync.protocol import DUPLICATE

BOOKING_STATES = {"booked", "waiting", "cancelled", "checked_in", "no_show"}
WISH_STATES = {"submitted", "approved", "claimed", "fulfilled", "declined"}
WALL_STATES = {"approved", "claimed", "fulfilled"}
NEXT_WISH_STATES = {  # the lifecycle of kiosk/wishes.py, checked where kiosks meet
    "submitted": {"approved", "declined"}, "approved": {"claimed"},
    "claimed": {"approved", "fulfilled"}, "fulfilled": set(), "declined": set()}
INVALID = "invalid"


@dataclass
class Context:
    conn: sqlite3.Connection
    kiosk_id: str
    center_id: str
    center: Center
    change: Callable[[str, dict], None]  # (kind, data): appended to the center's pull feed


def texts(*values) -> bool:
    """Whether every value is a string: what the database columns hold (a list
    or dict would make SQLite raise instead of answering invalid)."""
    return all(isinstance(v, str) for v in values)


def optional_texts(*values) -> bool:
    return all(v is None or isinstance(v, str) for v in values)


def one(conn: sqlite3.Connection, sql: str, args) -> dict | None:
    """The first row as a dict of its columns, or None."""
    cursor = conn.execute(sql, args)
    row = cursor.fetchone()
    return dict(zip((c[0] for c in cursor.description), row)) if row else None


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def public_booking(row: dict) -> dict:
    """What other kiosks learn of a booking: the place it holds, no person."""
    return {key: row.get(key) for key in ("id", "kind", "day", "session", "seat", "status")}


def public_wish(conn: sqlite3.Connection, wish_id: str) -> dict | None:
    """A wish as the wall shows it: no full name, no phone."""
    row = one(conn, "SELECT id, data, status, claimant, claimant_kind, reason, fulfilled_note "
                    "FROM wishes WHERE id = ?", [wish_id])
    if row is None:
        return None
    card = json.loads(row.pop("data"))
    return dict(row, code=card.get("code"), display_name=anonymise(card.get("name", "")),
                category=card.get("category"), text=card.get("text"), created_at=card.get("created_at"))


# -- bookings -------------------------------------------------------------------------
def booking_create(ctx: Context, data: dict) -> str | None:
    b = data.get("booking")
    if not isinstance(b, dict) or not isinstance(b.get("id"), str) or b.get("status") not in (
            "booked", "waiting"):
        return INVALID
    try:
        validate_booking(b.get("kind"), ctx.center, dict(b, consent=True))
    except (FormError, FieldError, TypeError, ValueError):
        return INVALID
    if b["kind"] == "study" and not (isinstance(b.get("seat"), int)
                                     and 1 <= b["seat"] <= ctx.center.study_seats):
        return INVALID
    if not optional_texts(b.get("day"), b.get("session")):
        return INVALID
    try:
        ctx.conn.execute(
            "INSERT INTO bookings (id, kiosk_id, center_id, kind, day, session, seat, status, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [b["id"], ctx.kiosk_id, ctx.center_id, b["kind"], b.get("day"), b.get("session"),
             b.get("seat"), b["status"], _json(b)])
    except sqlite3.IntegrityError as exc:
        if "bookings.id" in str(exc):
            return DUPLICATE  # the same booking under another mutation id: already here
        return "seat_taken" if b["kind"] == "study" else "slot_taken"
    ctx.change("booking", public_booking(b))
    return None


def booking_status(ctx: Context, data: dict) -> str | None:
    """Cancel, check-in, no-show, promotion: the booking's new state."""
    if not isinstance(data.get("id"), str) or data.get("status") not in BOOKING_STATES:
        return INVALID
    found = one(ctx.conn, "SELECT id, kind, day, session, seat FROM bookings WHERE id = ? AND center_id = ?",
                [data["id"], ctx.center_id])
    if found is None:
        return "unknown_booking"  # e.g. its creation was refused
    try:
        ctx.conn.execute("UPDATE bookings SET status = ? WHERE id = ?", [data["status"], data["id"]])
    except sqlite3.IntegrityError:
        return "seat_taken" if found["kind"] == "study" else "slot_taken"
    ctx.change("booking", public_booking(dict(found, status=data["status"])))
    return None


def noted(_ctx: Context, data: dict) -> str | None:
    """Recorded in the mutation log only (e.g. staff lifted a no-show block)."""
    return None if isinstance(data, dict) else INVALID


# -- wishes -----------------------------------------------------------------------------
def wish_create(ctx: Context, data: dict) -> str | None:
    w = data.get("wish")
    if not isinstance(w, dict) or not texts(w.get("id"), w.get("code"), w.get("created_at")) \
            or w.get("status") != "submitted":
        return INVALID
    try:
        validate_wish(w.get("name"), w.get("phone"), w.get("category"), w.get("text"), w.get("consent"))
    except (FormError, FieldError, TypeError, ValueError):
        return INVALID
    inserted = ctx.conn.execute(
        "INSERT OR IGNORE INTO wishes (id, kiosk_id, center_id, status, data) VALUES (?, ?, ?, ?, ?)",
        [w["id"], ctx.kiosk_id, ctx.center_id, "submitted", _json(w)]).rowcount
    return None if inserted else DUPLICATE


def set_wish(ctx: Context, wish_id: str, status: str, claimant: str | None = None,
             claimant_kind: str | None = None, reason: str | None = None,
             fulfilled_note: str | None = None) -> str | None:
    if status not in WISH_STATES or not optional_texts(claimant, claimant_kind, reason, fulfilled_note):
        return INVALID
    current = ctx.conn.execute("SELECT status FROM wishes WHERE id = ? AND center_id = ?",
                               [wish_id, ctx.center_id]).fetchone()
    if current is None:
        return "unknown_wish"
    if status not in NEXT_WISH_STATES[current[0]]:
        # e.g. two kiosks claimed one wish offline: the first to arrive keeps it
        return "already_claimed" if status == "claimed" else "wish_state"
    # back to approved is a withdrawn claim; otherwise what is not sent stays as it was
    ctx.conn.execute(
        "UPDATE wishes SET status = :status, "
        "claimant = CASE WHEN :status = 'approved' THEN NULL ELSE coalesce(:claimant, claimant) END, "
        "claimant_kind = CASE WHEN :status = 'approved' THEN NULL "
        "ELSE coalesce(:claimant_kind, claimant_kind) END, "
        "reason = coalesce(:reason, reason), fulfilled_note = coalesce(:note, fulfilled_note) "
        "WHERE id = :id",
        {"status": status, "claimant": claimant, "claimant_kind": claimant_kind, "reason": reason,
         "note": fulfilled_note, "id": wish_id})
    ctx.change("wish.status", public_wish(ctx.conn, wish_id))
    return None


def wish_status(ctx: Context, data: dict) -> str | None:
    if not texts(data.get("id")):
        return INVALID
    return set_wish(ctx, data["id"], data.get("status"), data.get("claimant"), data.get("claimant_kind"),
                    data.get("reason"), data.get("fulfilled_note"))


# -- volunteers, points, redemptions ---------------------------------------------------------
def volunteer_row(conn: sqlite3.Connection, volunteer_id: str) -> dict | None:
    return one(conn, "SELECT id, number, name, phone, pin_hash FROM volunteers WHERE id = ?", [volunteer_id])


def volunteer_pin(ctx: Context, data: dict) -> str | None:
    pin_hash = data.get("pin_hash")
    if not texts(pin_hash, data.get("id")) or not pin_hash.startswith("pbkdf2_sha256$"):
        return INVALID
    updated = ctx.conn.execute("UPDATE volunteers SET pin_hash = ? WHERE id = ? AND center_id = ?",
                               [pin_hash, data.get("id"), ctx.center_id]).rowcount
    if not updated:
        return "unknown_volunteer"
    ctx.change("volunteer", volunteer_row(ctx.conn, data["id"]))
    return None


LEDGER_FIELDS = ("uid", "volunteer_id", "at", "activity", "hours", "points", "reason", "staff_id",
                 "reverses_uid")


def ledger_problem(ctx: Context, entry: dict) -> str | None:
    if not (isinstance(entry, dict) and texts(entry.get("uid"), entry.get("volunteer_id"),
                                              entry.get("activity"), entry.get("at"))
            and isinstance(entry.get("points"), int) and isinstance(entry.get("hours") or 0, int | float)
            and optional_texts(entry.get("reason"), entry.get("staff_id"), entry.get("reverses_uid"))):
        return INVALID
    known = ctx.conn.execute("SELECT 1 FROM volunteers WHERE id = ? AND center_id = ?",
                             [entry.get("volunteer_id"), ctx.center_id]).fetchone()
    return None if known else "unknown_volunteer"


def add_ledger(ctx: Context, entry: dict) -> str | None:
    """Append one entry (the ledger is append-only here too); its uid makes
    a second arrival of the same entry a no-op."""
    reason = ledger_problem(ctx, entry)
    if reason:
        return reason
    row = {key: entry.get(key) for key in LEDGER_FIELDS}
    row["hours"] = row["hours"] or 0
    inserted = ctx.conn.execute(
        f"INSERT OR IGNORE INTO ledger (center_id, {', '.join(LEDGER_FIELDS)}) "
        f"VALUES (?, {', '.join('?' * len(LEDGER_FIELDS))})",
        [ctx.center_id, *row.values()]).rowcount
    if inserted:
        ctx.change("ledger", row)
    return None


def ledger_add(ctx: Context, data: dict) -> str | None:
    known = ctx.conn.execute("SELECT 1 FROM ledger WHERE uid = ?", [data.get("uid")]).fetchone() \
        if texts(data.get("uid")) else None
    return DUPLICATE if known else add_ledger(ctx, data)


def balance(conn: sqlite3.Connection, volunteer_id: str) -> int:
    return conn.execute(
        "SELECT (SELECT coalesce(sum(points), 0) FROM ledger WHERE volunteer_id = :v) - "
        "(SELECT coalesce(sum(points), 0) FROM holds WHERE volunteer_id = :v AND status = 'held')",
        {"v": volunteer_id}).fetchone()[0]


def catalogue_row(conn: sqlite3.Connection, item_id: str, center_id: str) -> dict | None:
    return one(conn, "SELECT id, item, points, stock FROM catalogue WHERE id = ? AND center_id = ?",
               [item_id, center_id])


def hold_row(conn: sqlite3.Connection, hold_id: str) -> dict:
    return one(conn, "SELECT id, volunteer_id, item_id, points, status, created_at, closed_at "
                     "FROM holds WHERE id = ?", [hold_id])


def redemption_request(ctx: Context, data: dict) -> str | None:
    """The server is where two kiosks' offline requests meet: it refuses a
    request the volunteer's points or the stock cannot cover."""
    hold = data.get("hold")
    if not isinstance(hold, dict) or not texts(hold.get("id"), hold.get("item_id"), hold.get("volunteer_id"),
                                                hold.get("created_at")):
        return INVALID
    if ctx.conn.execute("SELECT 1 FROM holds WHERE id = ?", [hold["id"]]).fetchone():
        return DUPLICATE  # sent again under another mutation id
    item = catalogue_row(ctx.conn, hold["item_id"], ctx.center_id)
    if item is None or not ctx.conn.execute("SELECT 1 FROM volunteers WHERE id = ? AND center_id = ?",
                                            [hold.get("volunteer_id"), ctx.center_id]).fetchone():
        return "unknown_item_or_volunteer"
    if item["stock"] <= 0:
        return "out_of_stock"
    if balance(ctx.conn, hold["volunteer_id"]) < item["points"]:
        return "insufficient_points"
    ctx.conn.execute(
        "INSERT INTO holds (id, center_id, volunteer_id, item_id, points, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'held', ?)",
        [hold["id"], ctx.center_id, hold["volunteer_id"], item["id"], item["points"], hold.get("created_at")])
    ctx.change("hold", hold_row(ctx.conn, hold["id"]))
    return None


def redemption_handover(ctx: Context, data: dict) -> str | None:
    hold_id = data.get("hold")
    if not texts(hold_id):
        return INVALID
    row = ctx.conn.execute("SELECT status, item_id FROM holds WHERE id = ? AND center_id = ?",
                           [hold_id, ctx.center_id]).fetchone()
    if row is None:
        return "unknown_hold"
    if row[0] != "held":
        return "already_closed"
    entry = data.get("entry") or {}
    reason = ledger_problem(ctx, entry)
    if reason:
        return reason
    ctx.conn.execute("UPDATE holds SET status = 'handed_over', closed_at = ? WHERE id = ?",
                     [entry.get("at"), hold_id])
    ctx.conn.execute("UPDATE catalogue SET stock = max(stock - 1, 0) WHERE id = ? AND center_id = ?",
                     [row[1], ctx.center_id])
    add_ledger(ctx, entry)
    ctx.change("hold", hold_row(ctx.conn, hold_id))
    ctx.change("catalogue", catalogue_row(ctx.conn, row[1], ctx.center_id))
    return None


APPLIERS: dict[str, Callable[[Context, dict], str | None]] = {
    "booking.create": booking_create,
    "booking.cancel": booking_status,
    "checkin.create": booking_status,
    "booking.no_show": booking_status,
    "booking.promote": booking_status,
    "booking.lift_block": noted,
    "wish.create": wish_create,
    "wish.status": wish_status,
    "volunteer.pin": volunteer_pin,
    "ledger.add": ledger_add,
    "ledger.reverse": ledger_add,
    "redemption.request": redemption_request,
    "redemption.handover": redemption_handover,
}
