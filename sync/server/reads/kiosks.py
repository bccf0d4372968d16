"""终端: a center's kiosks and the mutations the server refused from them."""
from __future__ import annotations

import sqlite3
from datetime import datetime

from sync.mutations import REGISTRY, reason_words
from sync.server.reads.overview import KIOSK_QUIET

# The partial index of refused answers (schema m008): the planner would otherwise walk
# every mutation of the center's kiosks, which is years of bookings and points.
_REFUSED = ("FROM mutations m INDEXED BY mutations_refused "
            "WHERE m.kiosk_id IN (SELECT id FROM kiosks WHERE center_id = ? AND id = coalesce(?, id)) "
            "AND json_extract(m.result, '$.status') = 'rejected'")
_ORDER = "ORDER BY m.received_at DESC, m.kiosk_id DESC, m.id DESC"


def kiosks(conn: sqlite3.Connection, center_id: str, now_utc: datetime) -> list[dict]:
    """Every kiosk of the center (a handful), active ones first, with how many
    of its mutations the server refused and whether it has been quiet too long."""
    cursor = conn.execute(
        "SELECT k.id, k.revoked, k.last_seen, k.last_push, k.queue_depth, k.app_version, k.token_rotated_at, "
        "(SELECT count(*) FROM mutations m INDEXED BY mutations_refused WHERE m.kiosk_id = k.id "
        " AND json_extract(m.result, '$.status') = 'rejected') AS refused, "
        "coalesce(k.last_seen < ?, 1) AS quiet "
        "FROM kiosks k WHERE k.center_id = ? ORDER BY k.revoked, k.id",
        [(now_utc - KIOSK_QUIET).isoformat(timespec="seconds"), center_id])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def _refusal(row) -> dict:
    received_at, kiosk_id, mutation_id, mutation_type, reason = row
    spec = REGISTRY.get(mutation_type)
    return {"received_at": received_at, "kiosk_id": kiosk_id, "id": mutation_id,
            "type": mutation_type, "type_words": spec.words if spec else mutation_type,
            "reason": reason, "reason_words": reason_words(reason)}


_COLUMNS = "SELECT m.received_at, m.kiosk_id, m.id, m.type, json_extract(m.result, '$.reason') "


def refused_page(conn: sqlite3.Connection, center_id: str, kiosk_id: str | None, offset: int,
                 size: int) -> list[dict]:
    """Refused mutations, newest first: one page of the list."""
    rows = conn.execute(f"{_COLUMNS} {_REFUSED} {_ORDER} LIMIT ? OFFSET ?",
                        [center_id, kiosk_id, size, offset])
    return [_refusal(row) for row in rows]


def refused_after(conn: sqlite3.Connection, center_id: str, kiosk_id: str | None, after, size: int):
    """The same list for an export (export.paged): keyset pages of (key, refusal)."""
    since = "" if after is None else "AND (m.received_at, m.kiosk_id, m.id) < (?, ?, ?)"
    rows = conn.execute(f"{_COLUMNS} {_REFUSED} {since} {_ORDER} LIMIT ?",
                        [center_id, kiosk_id, *(after or ()), size])
    return [(row[:3], _refusal(row)) for row in rows]
