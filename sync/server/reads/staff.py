"""工作人员: the staff accounts as the administrator manages them — never a
password or PIN hash, only whether one is set."""
from __future__ import annotations

import sqlite3

_SELECT = (
    "SELECT s.id, s.username, s.display_name, s.active, s.created_at, "
    "s.password_hash IS NOT NULL, s.pin_hash IS NOT NULL, "
    "CASE WHEN s.password_locked_until > :now THEN s.password_locked_until END, "
    "CASE WHEN s.pin_locked_until > :now THEN s.pin_locked_until END, "
    "s.password_failures + s.pin_failures, "
    "(SELECT group_concat(role, ' ') FROM (SELECT role FROM staff_roles WHERE staff_id = s.id ORDER BY role)), "
    "(SELECT group_concat(center_id, ' ') FROM "
    " (SELECT center_id FROM staff_centers WHERE staff_id = s.id ORDER BY center_id)) "
    "FROM staff s ")
_NAMES = ("id", "username", "display_name", "active", "created_at", "has_password", "has_pin",
          "password_locked_until", "pin_locked_until", "failures", "roles", "centers")


def _account(row) -> dict:
    found = dict(zip(_NAMES, row))
    found["roles"] = (found["roles"] or "").split()
    found["centers"] = (found["centers"] or "").split()
    found["locked"] = bool(found["password_locked_until"] or found["pin_locked_until"])
    return found


def accounts(conn: sqlite3.Connection, now: str, after: str | None, size: int) -> list[tuple[str, dict]]:
    """Keyset pages of (username, account) by username; now: the server's stamp (locks still on)."""
    rows = conn.execute(_SELECT + "WHERE s.username > coalesce(:after, '') ORDER BY s.username LIMIT :size",
                        {"now": now, "after": after, "size": size})
    return [(row[1], _account(row)) for row in rows]


def accounts_page(conn: sqlite3.Connection, now: str, offset: int, size: int) -> list[dict]:
    rows = conn.execute(_SELECT + "ORDER BY s.username LIMIT :size OFFSET :offset",
                        {"now": now, "size": size, "offset": offset})
    return [_account(row) for row in rows]


def account(conn: sqlite3.Connection, now: str, staff_id: str) -> dict | None:
    row = conn.execute(_SELECT + "WHERE s.id = :id", {"now": now, "id": staff_id}).fetchone()
    return _account(row) if row else None


def centers(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in conn.execute("SELECT id, name FROM centers ORDER BY name")]
