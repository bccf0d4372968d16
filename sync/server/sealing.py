"""The server's key pair for sealed PINs (see sync/sealing.py).

Made once, kept in the server's database beside the (hashed) kiosk tokens;
the public half goes to every center's kiosks through the pull feed.
"""
from __future__ import annotations

import base64
import binascii
import json
import sqlite3

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

from kiosk.pins import valid_pin
from sync.sealing import PURPOSES


def ensure_key(conn: sqlite3.Connection) -> str:
    """The public key (base64), made on first use."""
    row = conn.execute("SELECT public_key FROM server_keys WHERE id = 1").fetchone()
    if row:
        return row[0]
    key = PrivateKey.generate()
    public = base64.b64encode(bytes(key.public_key)).decode()
    conn.execute("INSERT INTO server_keys (id, private_key, public_key) VALUES (1, ?, ?)",
                 [base64.b64encode(bytes(key)).decode(), public])
    return public


def _open(conn: sqlite3.Connection, sealed: str) -> dict | None:
    row = conn.execute("SELECT private_key FROM server_keys WHERE id = 1").fetchone()
    if row is None:
        return None
    try:
        opened = json.loads(SealedBox(PrivateKey(base64.b64decode(row[0]))).decrypt(
            base64.b64decode(sealed, validate=True)))
    except (CryptoError, binascii.Error, ValueError, TypeError):
        return None
    return opened if isinstance(opened, dict) else None


def _for(opened: dict | None, purpose: str, bound: str) -> bool:
    """Whether an opened proof is for this purpose alone and bound to this mutation or challenge."""
    return bool(opened) and opened.get(purpose) == bound and all(
        other not in opened for other in PURPOSES if other != purpose)


def open_staff_proof(conn: sqlite3.Connection, sealed: str, staff_id: str, mutation_id: str) -> str | None:
    """The staff PIN in a proof made for this staff member and this mutation, or None."""
    opened = _open(conn, sealed)
    if not _for(opened, "mutation", mutation_id) or opened.get("staff") != staff_id:
        return None
    return opened.get("pin") if valid_pin(opened.get("pin")) else None


def open_duty_proof(conn: sqlite3.Connection, sealed: str, staff_id: str, challenge: str) -> str | None:
    """The staff PIN in a proof made for this staff member and this read's challenge, or None."""
    opened = _open(conn, sealed)
    if not _for(opened, "duty", challenge) or opened.get("staff") != staff_id:
        return None
    return opened.get("pin") if valid_pin(opened.get("pin")) else None


def open_pin_change(conn: sqlite3.Connection, sealed: str, volunteer_id: str) -> tuple[str, str] | None:
    """(old PIN, new PIN), or None if the blob is not a sealed change for this volunteer."""
    opened = _open(conn, sealed)
    if not opened or opened.get("volunteer") != volunteer_id:
        return None
    old, new = opened.get("old"), opened.get("new")
    return (old, new) if valid_pin(old) and valid_pin(new) else None


def open_passbook_sign_in(conn: sqlite3.Connection, sealed: str, challenge: str) -> tuple[str, str] | None:
    """(phone, PIN) of a passbook sign-in sealed for this challenge, or None."""
    opened = _open(conn, sealed)
    if not _for(opened, "passbook", challenge) or not isinstance(opened.get("phone"), str):
        return None
    return (opened["phone"], opened["pin"]) if valid_pin(opened.get("pin")) else None
