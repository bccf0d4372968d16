"""Sealing PINs to the server's public key (no Kivy): a volunteer's PIN
change, a passbook sign-in the server checks, the staff PIN that proves a
staff-mode mutation, and the one that proves a read of today's bookings at
the desk.

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


# The key that says what a proof is for, bound to its mutation or challenge:
# a proof carries exactly one of them, and each opener asks for its own.
PURPOSES = ("mutation", "duty", "passbook")


def _seal(public_key_b64: str, message: dict) -> str:
    box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))
    return base64.b64encode(box.encrypt(json.dumps(message).encode())).decode()


def seal_staff_proof(public_key_b64: str, staff_id: str, pin: str, mutation_id: str) -> str:
    """The on-duty staff member's PIN for one mutation: the server checks it
    (with the lockout) and the mutation id it is bound to, so a proof read from
    one mutation does not sign another."""
    return _seal(public_key_b64, {"staff": staff_id, "pin": pin, "mutation": mutation_id})


def seal_duty_proof(public_key_b64: str, staff_id: str, pin: str, challenge: str) -> str:
    """The staff PIN for one read of today's bookings, bound to a challenge the
    server issued moments before. Its own key ("duty", not "mutation"): a
    mutation's proof is no read's, and a read's proof signs no mutation."""
    return _seal(public_key_b64, {"staff": staff_id, "pin": pin, "duty": challenge})


def seal_passbook_sign_in(public_key_b64: str, phone: str, pin: str, challenge: str) -> str:
    """A volunteer's phone and PIN typed at the passbook, for the server to check
    (sync/server/passbook.py), bound to a challenge it issued moments before so
    the same blob sent again signs no one in. Its own key ("passbook"): it is no
    read's or mutation's proof, and theirs is no sign-in."""
    return _seal(public_key_b64, {"passbook": challenge, "phone": phone, "pin": pin})
