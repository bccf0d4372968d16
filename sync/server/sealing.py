"""The server's key pair for sealed PIN changes (see sync/sealing.py).

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


def open_pin_change(conn: sqlite3.Connection, sealed: str, volunteer_id: str) -> tuple[str, str] | None:
    """(old PIN, new PIN), or None if the blob is not a sealed change for this volunteer."""
    row = conn.execute("SELECT private_key FROM server_keys WHERE id = 1").fetchone()
    if row is None:
        return None
    try:
        box = SealedBox(PrivateKey(base64.b64decode(row[0])))
        opened = json.loads(box.decrypt(base64.b64decode(sealed, validate=True)))
    except (CryptoError, binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(opened, dict) or opened.get("volunteer") != volunteer_id:
        return None
    old, new = opened.get("old"), opened.get("new")
    return (old, new) if valid_pin(old) and valid_pin(new) else None
