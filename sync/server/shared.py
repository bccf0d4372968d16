"""The one SQLite connection every part of the server store shares (no Kivy).

SQLite has one writer anyway, and a connection must not be used by two
threads at once: each public store method runs under the shared lock
(``serialised``), and each change is one write transaction.
"""
from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from kiosk.clock import DEFAULT_TZ, wall
from kiosk.store import create_private, write_transaction

# The zone of a center whose document says none (each document names its own:
# Center.tz); what the console shows and reports in.
CENTER_TZ = DEFAULT_TZ


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Shared:
    db: Database
    now: Callable[[], datetime] = utc_now  # aware UTC; tests pass a fixed clock
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def open(cls, path: Path | str, now: Callable[[], datetime] = utc_now) -> "Shared":
        # readable by the server's user only: it holds password hashes and the sealing key
        # (SQLite gives its -wal and -shm files the database file's mode)
        create_private(Path(path))
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA secure_delete=ON")  # a purged phone is overwritten, not left in free space
        return cls(Database(conn, execute_plugins=False), now)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def stamp(self) -> str:
        return self.now().isoformat(timespec="seconds")

    def local_now(self, tz: ZoneInfo = CENTER_TZ) -> datetime:
        """A center's wall-clock time, naive (the schedule's frame)."""
        return wall(self.now(), tz)

    def transaction(self):
        return write_transaction(self.db)


def serialised(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.shared.lock:
            return method(self, *args, **kwargs)
    return wrapper
