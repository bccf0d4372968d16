"""The server's storage behind one class (SQLite through sqlite-utils today;
a PostgreSQL store can implement the same methods without touching routes)."""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import sqlite3
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database, Migrations

from kiosk.center import Center, load_center, parse_center
from kiosk.paths import CENTER_FILE
from kiosk.store import apply_migrations, write_transaction
from sync.protocol import APPLIED, DUPLICATE, REJECTED, payload_digest
from sync.server import apply
from sync.server.apply import APPLIERS, INVALID, Context

migrations = Migrations("server")
log = logging.getLogger("liulinhui.server")


@migrations()
def m001_core(db):
    db.executescript(
        """
        CREATE TABLE centers (id TEXT PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE kiosks (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL REFERENCES centers (id),
            token_sha256 TEXT NOT NULL UNIQUE, revoked INTEGER NOT NULL DEFAULT 0,
            last_seen TEXT, last_push TEXT, queue_depth INTEGER);
        CREATE TABLE mutations (
            kiosk_id TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, digest TEXT NOT NULL,
            result TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (kiosk_id, id));
        CREATE TABLE bookings (
            id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, kind TEXT NOT NULL, day TEXT, session TEXT,
            seat INTEGER, status TEXT NOT NULL, data TEXT NOT NULL);
        -- the first kiosk to arrive keeps a seat; a later one is rejected (seat_taken)
        CREATE UNIQUE INDEX bookings_one_seat ON bookings (day, session, seat)
            WHERE kind = 'study' AND status IN ('booked', 'checked_in');
        CREATE TABLE wishes (id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, status TEXT NOT NULL,
                             data TEXT NOT NULL);
        CREATE TABLE changes (cursor INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
                              data TEXT NOT NULL, at TEXT NOT NULL);
        """
    )


@migrations()
def m002_center_ledgers(db):
    # Every change belongs to one center's feed; seats are unique per center;
    # the office's ledgers (roster, points, catalogue, holds) and the
    # published center document live here.
    db.executescript(
        """
        ALTER TABLE changes ADD COLUMN center_id TEXT;
        CREATE INDEX changes_by_center ON changes (center_id, cursor);
        ALTER TABLE bookings ADD COLUMN center_id TEXT;
        DROP INDEX bookings_one_seat;
        CREATE UNIQUE INDEX bookings_one_seat_in_center ON bookings (center_id, day, session, seat)
            WHERE kind = 'study' AND status IN ('booked', 'checked_in');
        CREATE UNIQUE INDEX bookings_one_counseling_slot ON bookings (center_id, day, session)
            WHERE kind = 'counseling' AND session IS NOT NULL AND status IN ('booked', 'checked_in');
        ALTER TABLE wishes ADD COLUMN center_id TEXT;
        ALTER TABLE wishes ADD COLUMN claimant TEXT;
        ALTER TABLE wishes ADD COLUMN claimant_kind TEXT;
        ALTER TABLE wishes ADD COLUMN reason TEXT;
        ALTER TABLE wishes ADD COLUMN fulfilled_note TEXT;
        CREATE TABLE center_documents (
            center_id TEXT PRIMARY KEY REFERENCES centers (id), document TEXT NOT NULL,
            published_at TEXT NOT NULL);
        CREATE TABLE volunteers (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL REFERENCES centers (id),
            number TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL, pin_hash TEXT);
        CREATE TABLE ledger (
            uid TEXT PRIMARY KEY, center_id TEXT NOT NULL, volunteer_id TEXT NOT NULL
                REFERENCES volunteers (id),
            at TEXT, activity TEXT NOT NULL, hours REAL NOT NULL DEFAULT 0, points INTEGER NOT NULL,
            reason TEXT, staff_id TEXT, reverses_uid TEXT);
        CREATE INDEX ledger_by_volunteer ON ledger (volunteer_id);
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TABLE catalogue (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL, item TEXT NOT NULL,
            points INTEGER NOT NULL CHECK (points > 0), stock INTEGER NOT NULL CHECK (stock >= 0));
        CREATE TABLE holds (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL, volunteer_id TEXT NOT NULL,
            item_id TEXT NOT NULL, points INTEGER NOT NULL, status TEXT NOT NULL,
            created_at TEXT, closed_at TEXT);
        CREATE INDEX holds_by_volunteer ON holds (volunteer_id, status);
        """
    )


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def serialised(method):
    """One request at a time on the shared connection: SQLite has one writer
    anyway, and a connection must not be used by two threads at once."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


LAST_SEEN_EVERY = 60.0  # s between last_seen writes for one kiosk


class PayloadMismatch(Exception):
    """The same mutation id came back with a different payload."""


class ServerStore:
    def __init__(self, path: Path | str):
        self._lock = threading.RLock()
        self._seen: dict[str, float] = {}
        self._centers: dict[str, tuple[str | None, Center]] = {}  # id -> (published_at, parsed)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        self.db = Database(conn, execute_plugins=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        apply_migrations(self.db, migrations)

    # -- centers and kiosks ------------------------------------------------------
    @serialised
    def add_center(self, center_id: str, name: str) -> None:
        self.db["centers"].insert({"id": center_id, "name": name})

    @serialised
    def add_kiosk(self, kiosk_id: str, center_id: str) -> str:
        """Returns the kiosk's token; only its SHA-256 is kept."""
        token = secrets.token_urlsafe(32)
        self.db["kiosks"].insert({"id": kiosk_id, "center_id": center_id,
                                  "token_sha256": token_hash(token)})
        return token

    @serialised
    def revoke_kiosk(self, kiosk_id: str) -> None:
        self.db["kiosks"].update(kiosk_id, {"revoked": 1})

    @serialised
    def kiosks(self) -> list[dict]:
        return list(self.db["kiosks"].rows_where(
            select="id, center_id, revoked, last_seen, last_push, queue_depth", order_by="id"))

    @serialised
    def kiosk_for_token(self, token: str) -> dict | None:
        row = next(self.db["kiosks"].rows_where("token_sha256 = ? AND revoked = 0",
                                                [token_hash(token)], limit=1), None)
        if row and time.monotonic() - self._seen.get(row["id"], -LAST_SEEN_EVERY) >= LAST_SEEN_EVERY:
            self._seen[row["id"]] = time.monotonic()  # a write per request would cost every request
            self.db["kiosks"].update(row["id"], {"last_seen": now()})
        return row

    # -- push ----------------------------------------------------------------------
    def _context(self, center_id: str, kiosk_id: str = "") -> Context:
        """What an applier works with; no kiosk_id: the office's own change."""
        return Context(self.db.conn, kiosk_id, center_id, self._center(center_id),
                       lambda kind, data: self._change(center_id, kind, data))

    @serialised
    def push(self, kiosk_id: str, mutations: list[dict], queue_depth: int) -> list[dict]:
        try:
            return self._push(kiosk_id, mutations, queue_depth, careful=False)
        except PayloadMismatch:
            raise
        except Exception as exc:  # noqa: BLE001
            # a mutation no applier foresaw (the batch was rolled back): again, one savepoint
            # each, so it alone is refused and the kiosk's outbox does not stall behind it
            log.warning("push: a mutation raised %s; retrying the batch one by one", type(exc).__name__)
            return self._push(kiosk_id, mutations, queue_depth, careful=True)

    def _apply_carefully(self, ctx: Context, m: dict) -> str | None:
        conn = self.db.conn
        conn.execute("SAVEPOINT mutation")
        try:
            reason = APPLIERS[m["type"]](ctx, m["data"] or {})
        except Exception as exc:  # noqa: BLE001  (type only: the payload may be personal)
            log.warning("push: %s refused as invalid (%s)", m["type"], type(exc).__name__)
            reason = INVALID
        if reason not in (None, DUPLICATE):
            conn.execute("ROLLBACK TO mutation")
        conn.execute("RELEASE mutation")
        return reason

    def _push(self, kiosk_id: str, mutations: list[dict], queue_depth: int, careful: bool) -> list[dict]:
        conn = self.db.conn
        center_id = conn.execute("SELECT center_id FROM kiosks WHERE id = ?", [kiosk_id]).fetchone()[0]
        ctx = self._context(center_id, kiosk_id)
        stamp = now()
        ids = [m["id"] for m in mutations]
        with write_transaction(self.db):
            # one query for the batch's earlier answers (a replay gets the first answer again)
            seen = {row[0]: row[1:] for row in conn.execute(
                f"SELECT id, digest, result FROM mutations WHERE kiosk_id = ? AND id IN "
                f"({', '.join('?' * len(ids))})", [kiosk_id, *ids])} if ids else {}
            results, log = [], []
            for m in mutations:
                digest = payload_digest(m)
                first = seen.get(m["id"])
                if first:
                    if first[0] != digest:
                        raise PayloadMismatch(m["id"])
                    results.append(json.loads(first[1]))
                    continue
                # appliers check before they write, so a rejection leaves nothing behind
                # without a savepoint each (a third of the push's time); see push()
                if careful:
                    reason = self._apply_carefully(ctx, m)
                else:
                    reason = APPLIERS[m["type"]](ctx, m["data"] or {})
                if reason is None or reason == DUPLICATE:
                    result = {"id": m["id"], "status": reason or APPLIED}
                else:
                    result = {"id": m["id"], "status": REJECTED, "reason": reason}
                answer = json.dumps(result)
                seen[m["id"]] = (digest, answer)  # the same id twice in one batch is a replay too
                results.append(result)
                log.append((kiosk_id, m["id"], m["type"], digest, answer, stamp))
            # plain SQL on this hot path: sqlite-utils' insert re-reads the schema each call
            conn.executemany("INSERT INTO mutations (kiosk_id, id, type, digest, result, received_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", log)
            conn.execute("UPDATE kiosks SET last_push = ?, queue_depth = ? WHERE id = ?",
                         [stamp, queue_depth, kiosk_id])
        return results

    def _change(self, center_id: str, kind: str, data: dict) -> None:
        self.db.conn.execute("INSERT INTO changes (center_id, kind, data, at) VALUES (?, ?, ?, ?)",
                             [center_id, kind, json.dumps(data, ensure_ascii=False), now()])

    def _center(self, center_id: str) -> Center:
        """The center's published document, or the default description; parsed
        again only when a newer one was published (by any process)."""
        row = self.db.execute("SELECT published_at FROM center_documents WHERE center_id = ?",
                              [center_id]).fetchone()
        published = row[0] if row else None
        cached = self._centers.get(center_id)
        if cached is None or cached[0] != published:
            document = self.db.execute("SELECT document FROM center_documents WHERE center_id = ?",
                                       [center_id]).fetchone() if row else None
            center = parse_center(json.loads(document[0])) if document else load_center(CENTER_FILE)
            self._centers[center_id] = cached = (published, center)
        return cached[1]

    # -- the office's changes (the staff console calls these) ------------------------------
    def _as_office(self, center_id: str, change, *args) -> None:
        """One office change through the appliers kiosks use; a refusal raises."""
        with write_transaction(self.db):
            reason = change(self._context(center_id), *args)
            if reason:
                raise ValueError(reason)

    @serialised
    def publish_center(self, center_id: str, document: dict) -> None:
        """Schedules, closures and the center's description, checked by the
        same parser the kiosk uses before any kiosk receives them."""
        parse_center(document)  # raises CenterDataError with the key at fault
        with write_transaction(self.db):
            self.db["center_documents"].upsert(
                {"center_id": center_id, "document": json.dumps(document, ensure_ascii=False),
                 # to the microsecond: it tells every process's cache that this is a new one
                 "published_at": datetime.now(timezone.utc).isoformat()}, pk="center_id")
            self._change(center_id, "center", {"document": document})

    @serialised
    def pause_bookings(self, center_id: str, message: str | None) -> None:
        """A closure at short notice; None resumes."""
        with write_transaction(self.db):
            self._change(center_id, "bookings.pause", {"message": message})

    def _own(self, table: str, row_id: str, center_id: str) -> dict | None:
        """The existing row, refusing an id that belongs to another center."""
        found = next(self.db[table].rows_where("id = ?", [row_id], limit=1), None)
        if found and found["center_id"] != center_id:
            raise ValueError(f"{table} {row_id!r} belongs to another center")
        return found

    @serialised
    def put_volunteer(self, center_id: str, volunteer: dict) -> None:
        """Add or change a roster row; a missing pin_hash keeps the PIN set before."""
        row = {k: volunteer.get(k) for k in ("id", "number", "name", "phone", "pin_hash")}
        with write_transaction(self.db):
            found = self._own("volunteers", row["id"], center_id)
            if "pin_hash" not in volunteer and found:
                row["pin_hash"] = found["pin_hash"]
            self.db["volunteers"].upsert(dict(row, center_id=center_id), pk="id")
            self._change(center_id, "volunteer", row)

    @serialised
    def add_ledger(self, center_id: str, entry: dict) -> str:
        entry = dict(entry, uid=entry.get("uid") or str(uuid.uuid4()), at=entry.get("at") or now())
        self._as_office(center_id, apply.add_ledger, entry)
        return entry["uid"]

    @serialised
    def put_catalogue_item(self, center_id: str, item: dict) -> None:
        row = {k: item[k] for k in ("id", "item", "points", "stock")}
        with write_transaction(self.db):
            self._own("catalogue", row["id"], center_id)
            self.db["catalogue"].upsert(dict(row, center_id=center_id), pk="id")
            self._change(center_id, "catalogue", row)

    @serialised
    def set_wish_status(self, wish_id: str, status: str, **extra) -> None:
        center_id = self.db.execute("SELECT center_id FROM wishes WHERE id = ?", [wish_id]).fetchone()[0]
        self._as_office(center_id, lambda ctx: apply.set_wish(ctx, wish_id, status, **extra))

    @serialised
    def set_booking_status(self, booking_id: str, status: str) -> None:
        center_id = self.db.execute("SELECT center_id FROM bookings WHERE id = ?",
                                    [booking_id]).fetchone()[0]
        self._as_office(center_id, apply.booking_status, {"id": booking_id, "status": status})

    # -- pull ------------------------------------------------------------------------
    @serialised
    def pull(self, kiosk_id: str, cursor: int, limit: int) -> dict:
        """The kiosk's center's changes after ``cursor``, oldest first."""
        rows = self.db.execute(
            "SELECT cursor, kind, data FROM changes WHERE center_id = "
            "(SELECT center_id FROM kiosks WHERE id = ?) AND cursor > ? ORDER BY cursor LIMIT ?",
            [kiosk_id, cursor, limit + 1]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return {"changes": [{"cursor": c, "kind": k, "data": json.loads(d)} for c, k, d in rows],
                "next_cursor": rows[-1][0] if rows else cursor, "more": more}
