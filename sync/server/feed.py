"""Each center's pull feed: the changes kiosks must learn, in commit order.

A cursor is the change's AUTOINCREMENT key, drawn inside the write
transaction; SQLite has a single writer, so a change committed later always
has a larger cursor than any a kiosk could already have read (a database
with concurrent writers needs a commit-ordered outbox instead).
"""
from __future__ import annotations

import json

from sync.rows import checked
from sync.server.shared import Shared, serialised


class Feed:
    def __init__(self, shared: Shared):
        self.shared = shared

    def append(self, center_id: str, kind: str, data: dict) -> None:
        """Only what passes the feed's row checks (sync/rows.py) goes out."""
        data = checked(kind, data)
        self.shared.conn.execute("INSERT INTO changes (center_id, kind, data, at) VALUES (?, ?, ?, ?)",
                                 [center_id, kind, json.dumps(data, ensure_ascii=False), self.shared.stamp()])

    @serialised
    def pull(self, center_id: str, cursor: int, limit: int) -> dict:
        """The center's changes after ``cursor``, oldest first."""
        rows = self.shared.conn.execute(
            "SELECT cursor, kind, data FROM changes WHERE center_id = ? AND cursor > ? ORDER BY cursor LIMIT ?",
            [center_id, cursor, limit + 1]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return {"changes": [{"cursor": c, "kind": k, "data": json.loads(d)} for c, k, d in rows],
                "next_cursor": rows[-1][0] if rows else cursor, "more": more}
