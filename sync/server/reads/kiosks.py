"""终端: a center's kiosks and the mutations the server refused from them."""
from __future__ import annotations

import sqlite3
from datetime import datetime

from sync.mutations import REGISTRY, reason_words
from sync.server.reads.overview import KIOSK_QUIET, REJECTED


def kiosks(conn: sqlite3.Connection, center_id: str, now_utc: datetime) -> list[dict]:
    """Every kiosk of the center (a handful), active ones first, with how many
    of its mutations the server refused and whether it has been quiet too long."""
    cursor = conn.execute(
        "SELECT k.id, k.revoked, k.last_seen, k.last_push, k.queue_depth, k.app_version, k.token_rotated_at, "
        f"(SELECT count(*) FROM mutations m INDEXED BY mutations_refused WHERE m.kiosk_id = k.id AND {REJECTED}) "
        "AS refused, "
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


def _refused(conn: sqlite3.Connection, center_id: str, kiosk_id: str | None, after, limit: int):
    """The center's refused mutations newest first, the first ``limit`` (after a key).
    Each kiosk's own newest from the partial index of refusals (schema m008), merged:
    sorting all of a center's refusals of five years would cost every page."""
    kiosks = [row[0] for row in conn.execute("SELECT id FROM kiosks WHERE center_id = ? AND id = coalesce(?, id)",
                                             [center_id, kiosk_id])]
    if not kiosks:
        return []
    since = "" if after is None else "AND (m.received_at, m.kiosk_id, m.id) < (?, ?, ?)"
    each = ("SELECT * FROM (SELECT m.received_at, m.kiosk_id, m.id, m.type, json_extract(m.result, '$.reason') "
            f"FROM mutations m INDEXED BY mutations_refused WHERE m.kiosk_id = ? AND {REJECTED} {since} "
            "ORDER BY m.received_at DESC, m.id DESC LIMIT ?)")
    args = [arg for kiosk in kiosks for arg in (kiosk, *(after or ()), limit)]
    return conn.execute(" UNION ALL ".join([each] * len(kiosks)) + " ORDER BY 1 DESC, 2 DESC, 3 DESC LIMIT ?",
                        [*args, limit]).fetchall()


def refused_page(conn: sqlite3.Connection, center_id: str, kiosk_id: str | None, offset: int,
                 size: int) -> list[dict]:
    """Refused mutations, newest first: one page of the list."""
    return [_refusal(row) for row in _refused(conn, center_id, kiosk_id, None, offset + size)[offset:]]


def refused_after(conn: sqlite3.Connection, center_id: str, kiosk_id: str | None, after, size: int):
    """The same list for an export (export.paged): keyset pages of (key, refusal)."""
    return [(row[:3], _refusal(row)) for row in _refused(conn, center_id, kiosk_id, after, size)]
