"""Fault hooks for tests of the real server process (stdlib only, no Kivy).

Why this exists: the hardest failure of a push is the one where the server
has committed the mutations but dies before the kiosk gets the reply. The
kiosk then still holds them as pending and sends them again to the restarted
server, which must answer from its record of the first commit instead of
applying them twice. A network fault proxy cannot produce that exact moment
reliably; this hook can: with ``LIULINHUI_FAULT_KILL_AFTER_COMMIT=N`` in the
server's environment, the process SIGKILLs itself right after its Nth
successful push commit, before the reply is sent (N=1: the first push).
tests/test_sync_server_kill.py uses it to prove nothing is lost or duplicated.

Unset (production), ``after_commit`` returns at once. The variable is read
once, when ``serve`` starts (``arm``), not at import: a test's server process
may be forked from a parent that imported this module long before. A value
that is not a positive integer is refused there, so a misspelt hook cannot
make a test pass without the fault happening.
"""
from __future__ import annotations

import os
import signal
import sys
import threading

KILL_AFTER_COMMIT = "LIULINHUI_FAULT_KILL_AFTER_COMMIT"


def _kill_after(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{KILL_AFTER_COMMIT} must be a positive integer, not {value!r}")
    return n


_KILL_AFTER: int | None = None
_lock = threading.Lock()
_commits = 0


def arm(environ=os.environ) -> None:
    """Read the hook from the environment of the server that is starting."""
    global _KILL_AFTER, _commits
    _KILL_AFTER, _commits = _kill_after(environ.get(KILL_AFTER_COMMIT)), 0


def after_commit() -> None:
    """Call right after a push's transaction committed, before replying."""
    global _commits
    if _KILL_AFTER is None:
        return
    with _lock:
        _commits += 1
        if _commits < _KILL_AFTER:
            return
    sys.stderr.write(f"fault hook: SIGKILL after push commit {_commits}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)
