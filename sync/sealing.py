"""Sealing a volunteer's PIN change to the server's public key (no Kivy).

libsodium's sealed box (PyNaCl): anyone with the public key can seal, only
the server can open. The kiosk never keeps a PIN in its outbox, and the
server checks the current PIN itself, so a kiosk token alone cannot set
anyone's PIN. The volunteer's id is sealed in too: a blob made for one
volunteer does nothing for another.
"""
from __future__ import annotations

import base64
import json

from nacl.public import PublicKey, SealedBox

SERVER_KEY = "server_public_key"  # kiosk meta key; arrives with the pull feed


def seal_pin_change(public_key_b64: str, volunteer_id: str, old_pin: str, new_pin: str) -> str:
    box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))
    message = json.dumps({"volunteer": volunteer_id, "old": old_pin, "new": new_pin}).encode()
    return base64.b64encode(box.encrypt(message)).decode()
