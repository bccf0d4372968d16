"""The server's settings, read once from the environment (no Kivy).

LIULINHUI_SERVER_RATE: each kiosk's sustained requests per second (burst:
twice that). LIULINHUI_SERVER_SIGN_IN_RATE: console sign-ins per second from
one address, sustained (burst: 5). LIULINHUI_SERVER_FAKE_NOW: tests only, a fixed ISO time the
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


@dataclass(frozen=True)
class Settings:
    db: Path = Path("server.db")
    rate: float = RATE
    burst: float = 2 * RATE
    sign_in_rate: float = SIGN_IN_RATE
    session_minutes: int = SESSION_MINUTES
    fake_now: str | None = None

    @classmethod
    def from_env(cls, db: Path) -> "Settings":
        rate = float(os.environ.get("LIULINHUI_SERVER_RATE") or RATE)
        sign_in = float(os.environ.get("LIULINHUI_SERVER_SIGN_IN_RATE") or SIGN_IN_RATE)
        return cls(db=db, rate=rate, burst=2 * rate, sign_in_rate=sign_in,
                   fake_now=os.environ.get("LIULINHUI_SERVER_FAKE_NOW") or None)

    def clock(self) -> Callable[[], datetime]:
        if not self.fake_now:
            return utc_now
        fixed = datetime.fromisoformat(self.fake_now)
        fixed = (fixed if fixed.tzinfo else fixed.replace(tzinfo=CENTER_TZ)).astimezone(timezone.utc)
        return lambda: fixed
