"""The server's storage behind one class (SQLite through sqlite-utils today;
a PostgreSQL store can implement the same methods without touching routes)."""
from __future__ import annotations

import functools
import hashlib
import json
import secrets
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database, Migrations

from sync.protocol import APPLIED, DUPLICATE, REJECTED, payload_digest

migrations = Migrations("server")


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
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        self.db = Database(conn, execute_plugins=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrations.apply(self.db)

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
    @serialised
    def push(self, kiosk_id: str, mutations: list[dict], queue_depth: int) -> list[dict]:
        results = []
        with self.db.atomic():
            for m in mutations:
                digest = payload_digest(m)
                first = self.db.execute(
                    "SELECT digest, result FROM mutations WHERE kiosk_id = ? AND id = ?",
                    [kiosk_id, m["id"]]).fetchone()
                if first:
                    if first[0] != digest:
                        raise PayloadMismatch(m["id"])
                    results.append(json.loads(first[1]))  # a replay: the first answer again
                    continue
                result = self._apply(kiosk_id, m)
                # plain SQL on this hot path: sqlite-utils' insert re-reads the schema each call
                self.db.conn.execute(
                    "INSERT INTO mutations (kiosk_id, id, type, digest, result, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [kiosk_id, m["id"], m["type"], digest, json.dumps(result), now()])
                results.append(result)
            self.db["kiosks"].update(kiosk_id, {"last_push": now(), "queue_depth": queue_depth})
        return results

    def _change(self, kind: str, data: dict) -> None:
        self.db.conn.execute("INSERT INTO changes (kind, data, at) VALUES (?, ?, ?)",
                             [kind, json.dumps(data, ensure_ascii=False), now()])

    def _apply(self, kiosk_id: str, m: dict) -> dict:
        data = m["data"] or {}
        kind = m["type"]
        if kind == "booking.create":
            booking = data.get("booking") or {}
            try:
                self.db.conn.execute(
                    "INSERT INTO bookings (id, kiosk_id, kind, day, session, seat, status, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [booking["id"], kiosk_id, booking["kind"], booking.get("day"), booking.get("session"),
                     booking.get("seat"), booking["status"], json.dumps(booking, ensure_ascii=False)])
            except sqlite3.IntegrityError as exc:
                if "bookings.id" in str(exc):
                    return {"id": m["id"], "status": DUPLICATE}
                return {"id": m["id"], "status": REJECTED, "reason": "seat_taken"}
            except (KeyError, TypeError):
                return {"id": m["id"], "status": REJECTED, "reason": "invalid"}
            self._change("booking", {key: booking.get(key) for key in
                                     ("id", "kind", "day", "session", "seat", "status")})
        elif kind == "wish.create":
            wish = data.get("wish") or {}
            if "id" not in wish:
                return {"id": m["id"], "status": REJECTED, "reason": "invalid"}
            self.db.conn.execute(
                "INSERT OR IGNORE INTO wishes (id, kiosk_id, status, data) VALUES (?, ?, ?, ?)",
                [wish["id"], kiosk_id, wish.get("status", ""), json.dumps(wish, ensure_ascii=False)])
        return {"id": m["id"], "status": APPLIED}

    # -- staff changes (the console will call these) ----------------------------------
    @serialised
    def set_wish_status(self, wish_id: str, status: str) -> None:
        with self.db.atomic():
            self.db["wishes"].update(wish_id, {"status": status})
            self._change("wish.status", {"id": wish_id, "status": status})

    # -- pull ------------------------------------------------------------------------
    @serialised
    def pull(self, cursor: int, limit: int) -> dict:
        rows = self.db.execute(
            "SELECT cursor, kind, data FROM changes WHERE cursor > ? ORDER BY cursor LIMIT ?",
            [cursor, limit + 1]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return {"changes": [{"cursor": c, "kind": k, "data": json.loads(d)} for c, k, d in rows],
                "next_cursor": rows[-1][0] if rows else cursor, "more": more}
