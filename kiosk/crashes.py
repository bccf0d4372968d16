"""What the kiosk keeps of an unexpected error, and when errors come too often.

An error's message and values may hold what a resident typed (a KeyError of
a phone number, a wish in a ValueError), so the log gets only its type and
where it happened: file, line and function of the last frames. A fault that
repeats (the same tap failing again and again) must not become a loop of
apologies: CRASH_LIMIT errors within CRASH_WINDOW seconds take the kiosk
out of service until staff restart it. No Kivy: the Kivy side is
kiosk/ui/crash.py.
"""
from __future__ import annotations

import traceback
from pathlib import Path

from kiosk.paths import ROOT

CRASH_LIMIT = 3  # errors within the window that stop the kiosk at 请联系工作人员
CRASH_WINDOW = 300.0  # s
FRAMES = 6  # the innermost frames named in the log


def _place(filename: str) -> str:
    path = Path(filename)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # a library's frame: its package and file are enough
        return "/".join(path.parts[-2:])


def describe(exc: BaseException) -> str:
    """'ZeroDivisionError at screens/wish.py:41 confirm < kiosk/ui/steps.py:90 run':
    the type and the innermost frames first, never str(exc)."""
    frames = traceback.extract_tb(exc.__traceback__)[-FRAMES:]
    where = " < ".join(f"{_place(f.filename)}:{f.lineno} {f.name}" for f in reversed(frames))
    kind = type(exc).__qualname__
    module = type(exc).__module__
    name = kind if module == "builtins" else f"{module}.{kind}"
    return f"{name} at {where}" if where else name


class CrashCounter:
    """Counts errors on a monotonic clock (the caller's ``now``)."""

    def __init__(self, limit: int = CRASH_LIMIT, window: float = CRASH_WINDOW):
        self.limit = limit
        self.window = window
        self.times: list[float] = []

    def record(self, now: float) -> bool:
        """One more error at ``now``; True when it is the limit'th within the window."""
        self.times = [t for t in self.times if now - t < self.window] + [now]
        return len(self.times) >= self.limit
