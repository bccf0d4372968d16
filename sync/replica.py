"""Applies the server's pull feed to the kiosk's local copy (no Kivy).

Every change carries absolute values (a status, a stock, a whole roster
row) or a unique id (ledger uid), so applying a page twice changes nothing.
Each change is checked first (sync/rows.py): one the kiosk cannot use is
kept for staff (sync_conflicts, ``liulinhui-kiosk --rejected``) and skipped,
so a bad row never reaches a screen nor stops the rows after it. A record
that still has an unsent local change is left alone: the kiosk's newer
state reaches the server first and comes back in a later page.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from kiosk.bookings import PAUSE_KEY
from kiosk.center import PUBLISHED_KEY, CenterDataError, parse_center
from kiosk.clock import CenterClock
from kiosk.lifecycle import CLAIMED, FULFILLED, on_wall
from sync.mutations import REGISTRY
from sync.rows import LIMITS_KEY, checked
from sync.sealing import SERVER_KEY

_stamp = CenterClock().stamp  # what the kiosk notes of a change it applies, in the one stored form

_RECORD_PATHS = sorted({path for t in REGISTRY.values() for path in t.record})


def _unsent(db: sqlite3.Connection, record_id: str) -> bool:
    """Whether a pending outbox row still refers to this record (wherever its type keeps the id)."""
    clauses = " OR ".join(f"json_extract(payload, '{p}') = :id" for p in _RECORD_PATHS)
    return db.execute(f"SELECT 1 FROM outbox WHERE state = 'pending' AND ({clauses}) LIMIT 1",
                      {"id": record_id}).fetchone() is not None


def _set_meta(db: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM meta WHERE key = ?", [key])
    else:
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def booking(db: sqlite3.Connection, d: dict) -> None:
    if db.execute("SELECT 1 FROM bookings WHERE id = ?", [d["id"]]).fetchone():
        if not _unsent(db, d["id"]):
            try:  # e.g. the office cancelled it, or the server promoted or put it on the waitlist
                db.execute("UPDATE bookings SET status = ? WHERE id = ? AND status != ?",
                           [d["status"], d["id"], d["status"]])
            except sqlite3.IntegrityError:
                pass  # this kiosk's place was given to another booking here; staff sort it out
        return
    db.execute("INSERT INTO remote_bookings (id, kind, day, session, seat, status) "
               "VALUES (:id, :kind, :day, :session, :seat, :status) "
               "ON CONFLICT (id) DO UPDATE SET status = excluded.status", d)


def wish_status(db: sqlite3.Connection, d: dict) -> None:
    exists = db.execute("SELECT 1 FROM wishes WHERE id = ?", [d["id"]]).fetchone()
    if exists and _unsent(db, d["id"]):
        return
    if not exists:
        if not on_wall(d["status"], d["public"]):
            return  # only the wall's wishes are copied to other kiosks, without name or phone
        code = d["code"]
        if db.execute("SELECT 1 FROM wishes WHERE code = ?", [code]).fetchone():
            code = f"{code}-{d['id'][:4]}"  # codes are drawn per kiosk; two kiosks can draw one
        db.execute(
            "INSERT INTO wishes (id, code, name, phone, category, text, consent, status, "
            "created_at, updated_at) VALUES (:id, :code, :display_name, '', :category, :text, 1, "
            ":status, :created_at, :created_at)", dict(d, code=code))
    db.execute("UPDATE wishes SET status = :status, reason = :reason, fulfilled_note = :fulfilled_note "
               "WHERE id = :id", d)
    live = db.execute("SELECT claimant FROM wish_claims WHERE wish_id = ? AND live = 1",
                      [d["id"]]).fetchone()
    claimed = d["status"] in (CLAIMED, FULFILLED)
    if live and (not claimed or live[0] != d.get("claimant")):
        db.execute("UPDATE wish_claims SET live = 0, withdrawn_at = ? WHERE wish_id = ? AND live = 1",
                   [_stamp(), d["id"]])
        live = None
    if not live and claimed and d.get("claimant"):
        db.execute("INSERT INTO wish_claims (wish_id, claimant, claimant_kind, live, claimed_at) "
                   "VALUES (?, ?, ?, 1, ?)",
                   [d["id"], d["claimant"], d.get("claimant_kind") or "party_member", _stamp()])


def volunteer(db: sqlite3.Connection, d: dict) -> None:
    # sign-in failures and lockouts are this kiosk's own; the roster fields are the office's.
    # A phone or number the office moved to this volunteer is first let go by its old holder
    # (whose own change follows): the kiosk's UNIQUE columns must not stop the feed.
    for column in ("phone", "number"):
        db.execute(f"UPDATE volunteers SET {column} = '-' || id WHERE {column} = ? AND id != ?",
                   [d[column], d["id"]])
    local = d["pin_hash"]
    if _unsent(db, d["id"]):  # a PIN changed here and not yet sent stays
        row = db.execute("SELECT pin_hash FROM volunteers WHERE id = ?", [d["id"]]).fetchone()
        local = row[0] if row else local
    db.execute("INSERT INTO volunteers (id, number, name, phone, pin_hash, confirmed_pin_hash) "
               "VALUES (:id, :number, :name, :phone, :local, :pin_hash) ON CONFLICT (id) DO UPDATE SET "
               "number = excluded.number, name = excluded.name, phone = excluded.phone, "
               "pin_hash = excluded.pin_hash, confirmed_pin_hash = excluded.confirmed_pin_hash",
               dict(d, local=local))


def staff(db: sqlite3.Connection, d: dict) -> None:
    db.execute("INSERT INTO staff_roster (id, display_name, pin_hash, locked_until, active) "
               "VALUES (:id, :display_name, :pin_hash, :locked_until, :active) ON CONFLICT (id) DO UPDATE SET "
               "display_name = excluded.display_name, pin_hash = excluded.pin_hash, "
               "locked_until = excluded.locked_until, active = excluded.active", d)


def ledger(db: sqlite3.Connection, d: dict) -> None:
    reverses = None
    if d.get("reverses_uid"):
        row = db.execute("SELECT id FROM ledger WHERE uid = ?", [d["reverses_uid"]]).fetchone()
        reverses = row[0] if row else None
    db.execute("INSERT INTO ledger (uid, volunteer_id, at, activity, hours, points, reason, "
               "staff_id, reverses) VALUES (:uid, :volunteer_id, :at, :activity, :hours, :points, "
               ":reason, :staff_id, :reverses) ON CONFLICT (uid) DO NOTHING", dict(d, reverses=reverses))


def catalogue(db: sqlite3.Connection, d: dict) -> None:
    db.execute("INSERT INTO catalogue (id, item, points, stock) VALUES (:id, :item, :points, :stock) "
               "ON CONFLICT (id) DO UPDATE SET item = excluded.item, points = excluded.points, "
               "stock = excluded.stock", d)


def hold(db: sqlite3.Connection, d: dict) -> None:
    if _unsent(db, d["id"]):  # a hand-over made here and not yet sent stays
        return
    db.execute("INSERT INTO holds (id, volunteer_id, item_id, points, status, created_at, closed_at) "
               "VALUES (:id, :volunteer_id, :item_id, :points, :status, :created_at, :closed_at) "
               "ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed_at = excluded.closed_at, "
               "points = excluded.points", d)


def center(db: sqlite3.Connection, d: dict) -> None:
    try:
        parse_center(d["document"])  # a document the kiosk could not read is not stored
    except (CenterDataError, TypeError, AttributeError) as exc:
        raise ValueError(f"center document: {exc}") from None
    _set_meta(db, PUBLISHED_KEY, json.dumps(d["document"], ensure_ascii=False))


def bookings_pause(db: sqlite3.Connection, d: dict) -> None:
    _set_meta(db, PAUSE_KEY, d.get("message"))


def server_key(db: sqlite3.Connection, d: dict) -> None:
    _set_meta(db, SERVER_KEY, d["public_key"])


def limits(db: sqlite3.Connection, d: dict) -> None:
    _set_meta(db, LIMITS_KEY, json.dumps(d))


APPLY: dict[str, Callable[[sqlite3.Connection, dict], None]] = {
    "booking": booking, "wish.status": wish_status, "volunteer": volunteer, "staff": staff,
    "ledger": ledger, "catalogue": catalogue, "hold": hold, "center": center,
    "bookings.pause": bookings_pause, "server.key": server_key, "limits": limits,
}


# -- what a refusal undoes on the kiosk (named by the registry) ---------------------------
def undo_booking(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    """The server never granted the place: the booking keeps the reason and holds nothing."""
    db.execute("UPDATE bookings SET rejected_reason = ?, status = 'cancelled' WHERE id = ?",
               [reason, payload["booking"]["id"]])


def undo_wish(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    db.execute("UPDATE wishes SET rejected_reason = ? WHERE id = ?", [reason, payload["wish"]["id"]])


def undo_redemption(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    """The points on hold are the volunteer's again."""
    db.execute("UPDATE holds SET status = 'released', closed_at = ? WHERE id = ? AND status = 'held'",
               [_stamp(), payload["hold"]["id"]])


def undo_pin_change(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    """The PIN the server knows is the one that signs in (once the kiosk has heard it)."""
    db.execute("UPDATE volunteers SET pin_hash = confirmed_pin_hash WHERE id = ? "
               "AND confirmed_pin_hash IS NOT NULL", [payload["id"]])


def undo_no_show(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    """The server's clock says the session's check-in is not over (this kiosk's clock ran ahead)."""
    if reason == "too_early":
        db.execute("UPDATE bookings SET status = 'booked' WHERE id = ? AND status = 'no_show'", [payload["id"]])


def undo_reinstate(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    """The server kept the no-show (its place went to someone else, or it changed meanwhile)."""
    if reason == "place_taken":
        db.execute("UPDATE bookings SET status = 'no_show' WHERE id = ? AND status = 'booked'", [payload["id"]])


def undo_promotion(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    """Another kiosk's family waited longer: this one waits again."""
    if reason == "still_waiting":
        db.execute("UPDATE bookings SET status = 'waiting' WHERE id = ? AND status = 'booked'", [payload["id"]])


def _reverse_locally(db: sqlite3.Connection, uid: str, reason: str) -> None:
    """The ledger is append-only: an entry the server refused is cancelled by a local
    counter-entry (never sent), so the passbook shows what the server holds."""
    row = db.execute("SELECT id, volunteer_id, activity, hours, points FROM ledger WHERE uid = ?", [uid]).fetchone()
    if row is None:
        return
    entry_id, volunteer_id, activity, hours, points = row
    db.execute("INSERT INTO ledger (uid, volunteer_id, at, activity, hours, points, reason, staff_id, reverses) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (uid) DO NOTHING",
               [f"refused-{uid}", volunteer_id, _stamp(), f"未被服务器接受：{activity}"[:40], -hours, -points,
                reason, entry_id])


def undo_ledger_entry(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    _reverse_locally(db, payload["uid"], reason)


def undo_handover(db: sqlite3.Connection, payload: dict, reason: str) -> None:
    """The item was not handed over as far as the server knows: the hold, the stock and
    the points are as they were (a hold the server closed meanwhile arrives by the feed)."""
    row = db.execute("SELECT item_id, status FROM holds WHERE id = ?", [payload["hold"]]).fetchone()
    if row and row[1] == "handed_over":
        db.execute("UPDATE holds SET status = 'held', closed_at = NULL WHERE id = ?", [payload["hold"]])
        db.execute("UPDATE catalogue SET stock = stock + 1 WHERE id = ?", [row[0]])
    _reverse_locally(db, payload["entry"]["uid"], reason)


def refused(db: sqlite3.Connection, mutation_type: str, payload: dict, reason: str) -> None:
    """The server refused what this kiosk did. Types with nothing to undo
    (staff-mode ledger entries, hand-overs) stay as they are: staff see the
    refusal (``liulinhui-kiosk --rejected``) and correct it."""
    spec = REGISTRY.get(mutation_type)
    undo = spec.undo_function() if spec else None
    if undo is not None:
        undo(db, payload, reason)


def apply_change(db: sqlite3.Connection, change: dict) -> str | None:
    """Apply one change; returns its kind, or None for a kind this version
    does not know (a newer server: skipped, not fatal) or one it could not
    use (kept in sync_conflicts for staff and skipped)."""
    handler = APPLY.get(change.get("kind"))
    if handler is None:
        return None
    db.execute("SAVEPOINT change")
    try:
        handler(db, checked(change["kind"], change.get("data")))
    except (sqlite3.Error, KeyError, TypeError, ValueError) as exc:
        db.execute("ROLLBACK TO change")
        db.execute("INSERT INTO sync_conflicts (cursor, kind, data, error, at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   [change.get("cursor", 0), change["kind"],
                    json.dumps(change.get("data"), ensure_ascii=False)[:2000],
                    type(exc).__name__ + ": " + str(exc)[:200], _stamp()])
        db.execute("RELEASE change")
        return None
    db.execute("RELEASE change")
    return change["kind"]
