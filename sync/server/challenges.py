"""One-time challenges for what a kiosk proves with a sealed PIN (no Kivy).

A sealed PIN alone could be read off the wire or a kiosk's log and sent
again. So the kiosk first asks for a challenge, seals the PIN for it
(sync/sealing.py), and the server takes the challenge once: only from the
kiosk it was issued to, for the purpose it was issued for (the desk's read
of today's bookings, a passbook sign-in), within CHALLENGE_LIFE by the
server's clock. Every sealed proof that needs freshness goes through here.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sync.server.shared import Shared

CHALLENGE_LIFE = timedelta(minutes=2)  # a challenge is answered within this, once
DUTY, PASSBOOK = "duty", "passbook"  # what a challenge is for


class Challenges:
    def __init__(self, shared: Shared):
        self.shared = shared

    def _stamp(self, delta: timedelta = timedelta(0)) -> str:
        return (self.shared.now() - delta).isoformat(timespec="seconds")

    def issue(self, kiosk: dict, purpose: str) -> str:
        """A fresh challenge for this kiosk and purpose; the stale ones are purged."""
        value = secrets.token_urlsafe(24)
        with self.shared.lock, self.shared.transaction():
            self.shared.conn.execute("DELETE FROM challenges WHERE issued_at < ?", [self._stamp(CHALLENGE_LIFE)])
            self.shared.conn.execute("INSERT INTO challenges (challenge, kiosk_id, purpose, issued_at) "
                                     "VALUES (?, ?, ?, ?)", [value, kiosk["id"], purpose, self._stamp()])
        return value

    def take(self, kiosk: dict, challenge: str, purpose: str) -> bool:
        """Whether this kiosk was issued the challenge for this purpose within its
        life and it is unused (then it is used). Call under the store's lock, in
        the caller's transaction."""
        return self.shared.conn.execute(
            "UPDATE challenges SET used_at = ? WHERE challenge = ? AND kiosk_id = ? AND purpose = ? "
            "AND used_at IS NULL AND issued_at >= ?",
            [self._stamp(), challenge, kiosk["id"], purpose, self._stamp(CHALLENGE_LIFE)]).rowcount == 1
