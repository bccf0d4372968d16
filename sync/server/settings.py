"""The server's settings, read once from the environment (no Kivy).

LIULINHUI_SERVER_RATE: each kiosk's sustained requests per second (burst:
twice that). LIULINHUI_SERVER_SIGN_IN_RATE: console sign-ins per second from
one address, sustained (burst: 5). LIULINHUI_SERVER_DOCS=1: serve /docs and
/openapi.json (closed by default: the document maps every route for whoever
asks). LIULINHUI_SERVER_FAKE_NOW: tests only, a fixed ISO time the
server takes as now (the rules of a booking day depend on it).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sync.server.shared import CENTER_TZ, utc_now

RATE = 20.0  # requests per second per kiosk, sustained
SIGN_IN_RATE = 0.2  # per address: 5 tries at once, then one every 5 s
SESSION_MINUTES = 30  # a staff session ends after this long without a request

# Serving (sync/server/serving.py). Fixed, not settings: the unit, the tests and a hand-run
# server all serve the same way. A kiosk's push is at most MAX_BODY (1 MiB): 30 s is 35 KB/s.
HEAD_TIMEOUT = 10.0  # s for a request's head, from connect or the previous response
BODY_TIMEOUT = 30.0  # s for the rest of its body
KEEP_ALIVE = 5  # s an idle connection is kept between requests (uvicorn's timeout_keep_alive)
HEAD_MAX_BYTES = 16 * 1024  # a longer request line and headers are a 400 (h11's incomplete event size)
# connections at once: requests get 503 at it, and a connection past it is closed at once, so
# the server never runs out of file descriptors (the unit's LimitNOFILE, 65536, is far above)
CONCURRENCY = 1000
# connections the kernel queues before the server accepts them (nginx's own default). asyncio
# accepts up to this many at a time, before it has closed any, so it counts in the descriptors
# the server may need at worst: CONCURRENCY + a few BACKLOGs (tests/test_server_serving.py)
BACKLOG = 511
GRACEFUL_SHUTDOWN = 10  # s requests in progress get at a stop before they are cut


class SettingsError(ValueError):
    """A setting with a value the server cannot use: one line, naming it."""


@dataclass(frozen=True)
class Settings:
    db: Path = Path("server.db")
    rate: float = RATE
    burst: float = 2 * RATE
    sign_in_rate: float = SIGN_IN_RATE
    session_minutes: int = SESSION_MINUTES
    fake_now: str | None = None
    docs: bool = False  # /docs and /openapi.json served

    @classmethod
    def from_env(cls, db: Path) -> "Settings":
        rate, sign_in = _rate("LIULINHUI_SERVER_RATE", RATE), _rate("LIULINHUI_SERVER_SIGN_IN_RATE", SIGN_IN_RATE)
        docs = os.environ.get("LIULINHUI_SERVER_DOCS", "")
        if docs not in ("", "0", "1"):
            raise SettingsError(f"LIULINHUI_SERVER_DOCS must be 1 (serve /docs) or 0, got {docs!r}")
        return cls(db=db, rate=rate, burst=2 * rate, sign_in_rate=sign_in,
                   fake_now=os.environ.get("LIULINHUI_SERVER_FAKE_NOW") or None, docs=docs == "1")

    def clock(self) -> Callable[[], datetime]:
        if not self.fake_now:
            return utc_now
        fixed = datetime.fromisoformat(self.fake_now)
        fixed = (fixed if fixed.tzinfo else fixed.replace(tzinfo=CENTER_TZ)).astimezone(timezone.utc)
        return lambda: fixed


def _rate(name: str, default: float) -> float:
    text = os.environ.get(name) or ""
    try:
        value = float(text) if text else default
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise SettingsError(f"{name} must be a number of requests per second above 0, got {text!r}")
    return value
