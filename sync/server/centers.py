"""Centers and their kiosks: tokens, the published center document, the
office's limits for staff-mode entries (no Kivy)."""
from __future__ import annotations

import hashlib
import json
import secrets
import time

from kiosk.center import Center, load_center, parse_center
from kiosk.paths import CENTER_FILE
from sync.server import sealing
from sync.server.apply import Limits
from sync.server.feed import Feed
from sync.server.shared import Shared, serialised

LAST_SEEN_EVERY = 60.0  # s between last_seen writes for one kiosk
APP_VERSION_MAX = 40


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Centers:
    def __init__(self, shared: Shared, feed: Feed):
        self.shared, self.feed = shared, feed
        self._seen: dict[str, float] = {}
        self._documents: dict[str, tuple[str | None, Center]] = {}  # id -> (document text, parsed)

    @serialised
    def add_center(self, center_id: str, name: str) -> None:
        with self.shared.transaction():
            self.shared.db["centers"].insert({"id": center_id, "name": name})
            # the key for sealed PIN changes reaches the center's kiosks with their first pull
            self.feed.append(center_id, "server.key", {"public_key": sealing.ensure_key(self.shared.conn)})

    # -- kiosks --------------------------------------------------------------------
    @serialised
    def add_kiosk(self, kiosk_id: str, center_id: str) -> str:
        """Returns the kiosk's token; only its SHA-256 is kept."""
        token = secrets.token_urlsafe(32)
        self.shared.db["kiosks"].insert({"id": kiosk_id, "center_id": center_id,
                                         "token_sha256": token_hash(token)})
        return token

    @serialised
    def rotate_token(self, kiosk_id: str) -> str:
        """A new token for the kiosk; the old one stops working with this write."""
        token = secrets.token_urlsafe(32)
        self.shared.db["kiosks"].update(kiosk_id, {"token_sha256": token_hash(token),
                                                   "token_rotated_at": self.shared.stamp()})
        return token

    @serialised
    def revoke_kiosk(self, kiosk_id: str) -> None:
        self.shared.db["kiosks"].update(kiosk_id, {"revoked": 1})

    @serialised
    def kiosks(self) -> list[dict]:
        return list(self.shared.db["kiosks"].rows_where(
            select="id, center_id, revoked, last_seen, last_push, queue_depth", order_by="id"))

    @serialised
    def kiosk_for_token(self, token: str, app_version: str | None = None) -> dict | None:
        """The kiosk this token belongs to; app_version: what the kiosk says it runs
        (written only when it changes)."""
        row = next(self.shared.db["kiosks"].rows_where("token_sha256 = ? AND revoked = 0",
                                                       [token_hash(token)], limit=1), None)
        if row is None:
            return None
        seen = {}
        if time.monotonic() - self._seen.get(row["id"], -LAST_SEEN_EVERY) >= LAST_SEEN_EVERY:
            self._seen[row["id"]] = time.monotonic()  # a write per request would cost every request
            seen["last_seen"] = self.shared.stamp()
        if app_version and app_version != row["app_version"] and len(app_version) <= APP_VERSION_MAX \
                and app_version.isascii() and app_version.isprintable():
            seen["app_version"] = app_version
        if seen:
            with self.shared.transaction():
                self.shared.db["kiosks"].update(row["id"], seen)
        return row

    # -- what the office decided for a center ---------------------------------------------
    def document(self, center_id: str) -> Center:
        """The center's published document, or the default description; parsed
        again only when its text changed (by any process; two publishes can share
        a timestamp, so the text is the key)."""
        row = self.shared.conn.execute("SELECT document FROM center_documents WHERE center_id = ?",
                                       [center_id]).fetchone()
        text = row[0] if row else None
        cached = self._documents.get(center_id)
        if cached is None or cached[0] != text:
            center = parse_center(json.loads(text)) if text else load_center(CENTER_FILE)
            self._documents[center_id] = cached = (text, center)
        return cached[1]

    def limits(self, center_id: str) -> Limits:
        row = self.shared.conn.execute(
            "SELECT points_per_entry, points_per_staff_day, hours_per_entry FROM center_limits "
            "WHERE center_id = ?", [center_id]).fetchone()
        return Limits(*row) if row else Limits()
