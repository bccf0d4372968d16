"""The append-only audit of every change staff make, at the console or at a
kiosk: who, what, when, from where, before and after (database triggers
refuse UPDATE and DELETE)."""
from __future__ import annotations

import json

from sync.server.shared import Shared


def write(shared: Shared, staff_id: str, center_id: str | None, action: str, target: str | None,
          before=None, after=None, kiosk_id: str = "", address: str = "") -> None:
    shared.conn.execute(
        "INSERT INTO audit (at, staff_id, center_id, action, target, kiosk_id, address, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [shared.stamp(), staff_id, center_id, action, target, kiosk_id or None, address or None,
         None if before is None else json.dumps(before, ensure_ascii=False),
         None if after is None else json.dumps(after, ensure_ascii=False)])


def history(shared: Shared, center_id: str | None = None, target: str | None = None) -> list[dict]:
    where, args = [], []
    if center_id:
        where.append("center_id = ?")
        args.append(center_id)
    if target:
        where.append("target = ?")
        args.append(target)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
    rows = list(shared.db.query(sql, args))
    return [dict(r, before=json.loads(r["before"]) if r["before"] else None,
                 after=json.loads(r["after"]) if r["after"] else None) for r in rows]
