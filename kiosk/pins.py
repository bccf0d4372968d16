"""PIN hashes and the lock on wrong tries (no Kivy): made, checked and bounded in one place.

A 6-digit PIN has only a million values, so a stolen hash falls to whoever
can run the KDF a million times: the KDF is scrypt at OWASP's parameters
(N=2**17, r=8, p=1: 128 MiB a run, about 2.5 times PBKDF2's CPU, bench/pins.py),
which a GPU cannot run in bulk. Hashes made before (PBKDF2-HMAC-SHA256, 600,000 iterations) still
verify, and ``needs_rehash`` tells the caller to replace one at the next
sign-in that proves the PIN. The same format serves volunteers' PINs and
staff PINs; kiosks check both offline. A stored hash is used only if it has
exactly one of these shapes: a damaged or hostile one (parameters that
would freeze a sign-in or take a gigabyte) is refused by the server before
any kiosk receives it, skipped by the replica, and simply fails to verify.

``after_failure`` is the one lock rule, for volunteers' and staff PINs and
console passwords, on kiosks and on the server.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from datetime import datetime, timedelta
from typing import NamedTuple

from kiosk.clock import aware, read, stamp

SCHEME = "scrypt"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MIN_N = 2**14
_MAXMEM = 2**28  # 256 MiB: room for 128 * r * N bytes at the largest N accepted
LEGACY = "pbkdf2_sha256"
MIN_ITERATIONS, MAX_ITERATIONS = 100_000, 1_000_000


def valid_pin(pin) -> bool:
    return isinstance(pin, str) and len(pin) == 6 and pin.isdigit() and pin.isascii()


_RUNS = threading.BoundedSemaphore(2)  # each run takes 128 MiB: a burst of sign-ins waits, not swaps


def _derive(params: tuple, pin: str, salt: bytes) -> bytes:
    """One KDF run: every check and every hash goes through here (tests count the runs)."""
    with _RUNS:
        if params[0] == SCHEME:
            _, n, r, p = params
            return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)
        return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, params[1])


def hash_pin(pin: str, n: int = SCRYPT_N) -> str:
    """A new hash at today's parameters. A smaller ``n`` (no less than MIN_N, the
    least a stored hash may have) is for test fixtures checked hundreds of times."""
    if n & (n - 1) or not MIN_N <= n <= SCRYPT_N:
        raise ValueError(f"scrypt N must be a power of two from {MIN_N} to {SCRYPT_N}")
    salt = secrets.token_bytes(16)
    params = (SCHEME, n, SCRYPT_R, SCRYPT_P)
    return "$".join([*map(str, params), base64.b64encode(salt).decode(),
                     base64.b64encode(_derive(params, pin, salt)).decode()])


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and text.isascii() and len(text) < 10 else None


def _parse(stored) -> tuple[tuple, bytes, bytes] | None:
    """(KDF parameters, salt, digest) of a hash in a shape this module makes, else None."""
    if not isinstance(stored, str) or len(stored) > 200:
        return None
    parts = stored.split("$")
    if parts[0] == SCHEME and len(parts) == 6:
        n, r, p = (_number(x) for x in parts[1:4])
        # N a power of two no larger than ours; r and p exactly ours: nothing slower or bigger
        if n is None or not MIN_N <= n <= SCRYPT_N or n & (n - 1) or (r, p) != (SCRYPT_R, SCRYPT_P):
            return None
        params = (SCHEME, n, r, p)
    elif parts[0] == LEGACY and len(parts) == 4:
        iterations = _number(parts[1])
        if iterations is None or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            return None
        params = (LEGACY, iterations)
    else:
        return None
    try:
        salt, digest = (base64.b64decode(x, validate=True) for x in parts[-2:])
    except (binascii.Error, ValueError):
        return None
    if len(salt) < 16 or len(digest) != 32:
        return None
    return params, salt, digest


def pin_hash_problem(stored) -> str | None:
    """None for a usable hash, else what is wrong (a word for logs and tests)."""
    return None if _parse(stored) else "malformed PIN hash"


def needs_rehash(stored: str) -> bool:
    """A usable hash made with weaker parameters than today's (replace it once the PIN is proved)."""
    parsed = _parse(stored)
    return parsed is not None and parsed[0] != (SCHEME, SCRYPT_N, SCRYPT_R, SCRYPT_P)


def verify_pin(pin: str, stored: str | None) -> bool:
    parsed = _parse(stored)
    if parsed is None or not isinstance(pin, str):
        return False
    params, salt, digest = parsed
    return hmac.compare_digest(_derive(params, pin, salt), digest)


# Checked when there is no hash to check (an unknown phone, a locked or PIN-less
# account), so that answer costs the same one KDF run as a real one. A random
# digest of no PIN: it never matches, and it costs nothing to make.
DUMMY_HASH = "scrypt$131072$8$1$x3/nZUl4M+3CZpUyXw4EFg==$txQiiLR3Cgjn8hbkDtpue/CVpkFQvqi+Iu262gahl5Y="


# -- the lock -------------------------------------------------------------------------
LIMIT = 5  # wrong tries in a row that lock
LOCK_MINUTES = 15  # the first lock; each further one in the same streak twice as long
MAX_LOCK = timedelta(hours=4)
QUIET = timedelta(hours=24)  # a streak with no wrong try for this long is forgotten


class Strike(NamedTuple):
    """The stored state after a wrong try, in the order of the callers' columns."""
    failures: int  # wrong tries in the current streak (a success ends it)
    locked_until: str | None
    failed_at: str


def after_failure(failures: int, failed_at: str | None, now: datetime) -> Strike:
    """One more wrong try. Every ``LIMIT``-th of a streak locks: 15 min, then
    30, 60 ... at most 4 h, so a guesser gets a few dozen tries a day while the
    owner is never shut out for weeks; a streak forgotten after a quiet day
    starts again at 15 min. ``now``: aware, or naive in the center's wall time."""
    if failed_at is None or aware(now) - read(failed_at) >= QUIET:
        failures = 0
    failures += 1
    until = None
    if failures % LIMIT == 0:
        doublings = min(failures // LIMIT - 1, 8)  # past the cap already: no giant numbers
        until = _written(now + min(timedelta(minutes=LOCK_MINUTES) * 2 ** doublings, MAX_LOCK))
    return Strike(failures, until, _written(now))


def _written(moment: datetime) -> str:
    """A stamp in its caller's frame: an aware time keeps its offset (the server's
    UTC, compared as text in its SQL); a naive one is the center's wall time,
    written in kiosk.clock's one form. Either is read back by kiosk.clock.read."""
    return moment.isoformat(timespec="seconds") if moment.tzinfo else stamp(moment)


def is_locked(locked_until: str | None, now: datetime) -> bool:
    return bool(locked_until) and aware(now) < read(locked_until)
