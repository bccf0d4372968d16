"""The server's storage: one SQLite file behind a small interface (no Kivy).

ServerStore composes the parts, each in its own module: centers and kiosk
tokens (centers.py), staff accounts (staff.py), applying pushes (push.py),
the office's changes (office.py), the pull feed (feed.py), the audit
(audit.py), the desk's reads (duty.py), passbook sign-ins (passbook.py). The HTTP layer sees only ``StorageInterface``; a PostgreSQL
store implements the same methods.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from kiosk.store import apply_migrations
from sync.server import retention
from sync.server.centers import Centers
from sync.server.challenges import Challenges
from sync.server.duty import DutyDesk
from sync.server.feed import Feed
from sync.server.office import Office
from sync.server.passbook import PassbookDesk
from sync.server.push import PayloadMismatch, PushDesk
from sync.server.schema import migrations
from sync.server.sessions import Sessions
from sync.server.shared import Shared, serialised, utc_now
from sync.server.staff import Actor, StaffAccounts

__all__ = ["ServerStore", "StorageInterface", "PayloadMismatch"]


class StorageInterface(Protocol):
    """What the HTTP routes need of a store."""
    def kiosk_for_token(self, token: str, app_version: str | None = None) -> dict | None: ...
    def push(self, kiosk_id: str, mutations: list[dict], queue_depth: int) -> list[dict]: ...
    def pull(self, kiosk_id: str, cursor: int, limit: int) -> dict: ...
    def sign_in(self, username: str, password: str, address: str) -> Actor | None: ...
    def actor(self, staff_id: str, address: str) -> Actor | None: ...
    def read(self, query, *args): ...
    def center(self, center_id: str): ...
    def staff_name(self, staff_id: str) -> str: ...
    def centers_for(self, actor: Actor) -> list[tuple[str, str]]: ...
    sessions: Sessions
    office: Office
    duty: DutyDesk
    passbook: PassbookDesk


class ServerStore:
    def __init__(self, path: Path | str, now: Callable[[], datetime] = utc_now, session_minutes: int = 30):
        self.shared = Shared.open(path, now)
        self.db = self.shared.db
        apply_migrations(self.db, migrations)
        self.feed = Feed(self.shared)
        self.centers = Centers(self.shared, self.feed)
        self.staff = StaffAccounts(self.shared.conn, now)
        self.desk = PushDesk(self.shared, self.centers, self.feed, self.staff)
        self.office = Office(self.shared, self.desk, self.staff)
        self.sessions = Sessions(self.shared, session_minutes)
        challenges = Challenges(self.shared)  # one kind of challenge for the desk's reads and passbook sign-ins
        self.duty = DutyDesk(self.shared, self.staff, challenges)
        self.passbook = PassbookDesk(self.shared, self.feed, challenges)

    # the kiosk API's needs
    def kiosk_for_token(self, token: str, app_version: str | None = None) -> dict | None:
        return self.centers.kiosk_for_token(token, app_version)

    def push(self, kiosk_id: str, mutations: list[dict], queue_depth: int) -> list[dict]:
        return self.desk.push(kiosk_id, mutations, queue_depth)

    def pull(self, kiosk_id: str, cursor: int, limit: int) -> dict:
        center_id = self.shared.conn.execute("SELECT center_id FROM kiosks WHERE id = ?",
                                             [kiosk_id]).fetchone()[0]
        return self.feed.pull(center_id, cursor, limit)

    # the staff session's needs
    def sign_in(self, username: str, password: str, address: str) -> Actor | None:
        with self.shared.lock:
            record = self.staff.password_record(username)
        matched = self.staff.password_matches(record, password)  # argon2, outside the lock
        with self.shared.lock, self.shared.transaction():
            staff_id = self.staff.note_sign_in(record, matched)
            return self.staff.actor(staff_id, address) if staff_id else None

    @serialised
    def actor(self, staff_id: str, address: str) -> Actor | None:
        found = self.shared.conn.execute("SELECT 1 FROM staff WHERE id = ? AND active = 1", [staff_id]).fetchone()
        return self.staff.actor(staff_id, address) if found else None

    def read(self, query, *args):
        """A console list or count (sync/server/reads/): query(conn, *args) under the lock."""
        with self.shared.lock:
            return query(self.shared.conn, *args)

    @serialised
    def center(self, center_id: str):
        """The center's published document, parsed (kept until the office publishes
        another): what a page that only shows sessions and rules needs."""
        return self.centers.document(center_id)

    @serialised
    def staff_name(self, staff_id: str) -> str:
        row = self.shared.conn.execute("SELECT display_name FROM staff WHERE id = ?", [staff_id]).fetchone()
        return row[0] if row else ""

    @serialised
    def centers_for(self, actor: Actor) -> list[tuple[str, str]]:
        """(id, name) of the centers this staff member may work in, by name."""
        rows = self.shared.conn.execute("SELECT id, name FROM centers ORDER BY name").fetchall()
        return [(row[0], row[1]) for row in rows if actor.may_work_in(row[0])]

    def purge(self) -> dict[str, dict]:
        """Forget what each center's [retention] says is no longer needed (retention.py)."""
        return retention.purge(self.shared, self.centers)

    def close(self) -> None:
        self.db.close()
