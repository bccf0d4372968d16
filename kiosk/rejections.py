"""What the server refused, in words (no Kivy).

A refused mutation is never dropped: its outbox row keeps the server's
reason and the local booking or wish keeps it too. Residents meet the
reason when they use their ticket; staff list them all (``--rejected``).
The words for a type and for a reason come from the registry.
"""
from __future__ import annotations

import json

from kiosk.clock import read, stamp
from kiosk.store import Store
from kiosk.validation import mask_phone
from sync.mutations import REGISTRY, reason_words


def _reference(store: Store, payload: dict) -> str:
    """The ticket or wish code and a masked phone: enough for staff to call back."""
    record = payload.get("booking") or payload.get("wish") or payload
    code = record.get("ticket") or record.get("code")
    if not code and isinstance(record.get("id"), str):  # a status change carries only the id
        row = store.db.execute("SELECT code FROM wishes WHERE id = :id UNION ALL "
                               "SELECT ticket FROM bookings WHERE id = :id", {"id": record["id"]}).fetchone()
        code = row[0] if row else ""
    phone = record.get("phone")
    return f"{code or ''} {mask_phone(phone)}".strip() if phone else (code or "")


def _local(store: Store, at: str) -> str:
    """A stored time (older rows are UTC or SQLite's) in the center's time, as staff read it."""
    try:
        return stamp(read(at, store.clock.tz), store.clock.tz)
    except (TypeError, ValueError):
        return at or ""


def rejected(store: Store) -> list[dict]:
    """Every refused mutation and every server change this kiosk could not
    apply, newest first."""
    rows = store.db.execute(
        "SELECT created_at, type, reason, payload FROM outbox WHERE state = 'rejected' "
        "ORDER BY seq DESC").fetchall()
    refused = [{"at": _local(store, at), "what": REGISTRY[kind].words if kind in REGISTRY else kind,
                "reason": reason_words(reason), "reference": _reference(store, json.loads(payload))}
               for at, kind, reason, payload in rows]
    conflicts = store.db.execute(
        "SELECT at, kind, cursor, error FROM sync_conflicts ORDER BY id DESC").fetchall()
    return refused + [{"at": _local(store, at), "what": f"服务器变更（{kind}）", "reason": f"本机无法应用：{error}",
                       "reference": f"#{cursor}"} for at, kind, cursor, error in conflicts]
