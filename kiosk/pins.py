"""PIN hashes (no Kivy): made, checked and bounded in one place.

A 6-digit PIN is hashed with PBKDF2-HMAC-SHA256 at 600,000 iterations (the
OWASP minimum) and a 16-byte salt. The same format serves volunteers' PINs
and staff PINs; kiosks check both offline. A stored hash is used only if it
has exactly this shape: a damaged or hostile one (wrong fields, iterations
that would freeze a sign-in for minutes) is refused by the server before any
kiosk receives it, skipped by the replica, and simply fails to verify.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000
MIN_ITERATIONS, MAX_ITERATIONS = 100_000, 1_000_000


def valid_pin(pin) -> bool:
    return isinstance(pin, str) and len(pin) == 6 and pin.isdigit() and pin.isascii()


def hash_pin(pin: str, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return "$".join([SCHEME, str(iterations), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


def _parse(stored) -> tuple[int, bytes, bytes] | None:
    if not isinstance(stored, str) or len(stored) > 200:
        return None
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit() or not parts[1].isascii():
        return None
    iterations = int(parts[1])
    try:
        salt, digest = (base64.b64decode(x, validate=True) for x in parts[2:])
    except (binascii.Error, ValueError):
        return None
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS or len(salt) < 16 or len(digest) != 32:
        return None
    return iterations, salt, digest


def after_failure(failures: int, now: datetime, limit: int = 5, minutes: int = 15) -> tuple[int, str | None]:
    """(failures, locked_until) after one more wrong try: the ``limit``-th locks
    for ``minutes`` and starts the count again."""
    failures += 1
    if failures < limit:
        return failures, None
    return 0, (now + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def pin_hash_problem(stored) -> str | None:
    """None for a usable hash, else what is wrong (a word for logs and tests)."""
    return None if _parse(stored) else "malformed PIN hash"


def verify_pin(pin: str, stored: str | None) -> bool:
    parsed = _parse(stored)
    if parsed is None or not isinstance(pin, str):
        return False
    iterations, salt, digest = parsed
    candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return hmac.compare_digest(candidate, digest)
