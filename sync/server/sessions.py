"""Staff sessions (no Kivy): a random token per sign-in, kept as its SHA-256,
ending after a stretch without use. The console keeps it in a cookie; the
office API takes it as a bearer token. Never a kiosk's token: the two live
in different tables, so one can never pass for the other."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sync.server.centers import token_hash
from sync.server.shared import Shared, serialised


class Sessions:
    def __init__(self, shared: Shared, idle_minutes: int = 30):
        self.shared, self.idle = shared, timedelta(minutes=idle_minutes)

    @serialised
    def open(self, staff_id: str, address: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.shared.transaction():
            self.shared.conn.execute(
                "INSERT INTO staff_sessions (token_sha256, staff_id, address, expires_at) VALUES (?, ?, ?, ?)",
                [token_hash(token), staff_id, address, (self.shared.now() + self.idle).isoformat()])
        return token

    @serialised
    def staff_for(self, token: str) -> str | None:
        """The signed-in staff id, and the session's idle time starts again."""
        conn = self.shared.conn
        row = conn.execute("SELECT s.staff_id, s.expires_at FROM staff_sessions s JOIN staff f "
                           "ON f.id = s.staff_id AND f.active = 1 WHERE s.token_sha256 = ?",
                           [token_hash(token)]).fetchone()
        now = self.shared.now()
        if row is None or datetime.fromisoformat(row[1]) <= now:
            return None
        with self.shared.transaction():
            conn.execute("UPDATE staff_sessions SET expires_at = ? WHERE token_sha256 = ?",
                         [(now + self.idle).isoformat(), token_hash(token)])
        return row[0]

    @serialised
    def close(self, token: str) -> None:
        with self.shared.transaction():
            self.shared.conn.execute("DELETE FROM staff_sessions WHERE token_sha256 = ?", [token_hash(token)])
