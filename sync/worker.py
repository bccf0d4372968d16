"""The sync worker: a thread with its own database connection that pushes
and pulls in cycles, backs off with jitter when the server cannot be
reached, honours Retry-After, and reports its state through a callback (the
app hands it to Kivy's Clock; nothing here touches the UI)."""
from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kiosk.store import Store
from sync.client import SyncClient, SyncError

log = logging.getLogger("sync")
MAX_DELAY = 300.0  # s: even a long outage is retried every few minutes


def next_delay(failures: int, interval: float, retry_after: float | None,
               rnd: random.Random | None = None) -> float:
    """Seconds to wait before the next cycle."""
    if retry_after is not None:
        return max(retry_after, 0.5)
    if failures == 0:
        return interval
    ceiling = min(MAX_DELAY, interval * 2 ** failures)
    return ceiling * (rnd or random).uniform(0.5, 1.0)  # jitter: kiosks do not retry in step


class SyncWorker(threading.Thread):
    def __init__(self, db_path: Path, url: str, token: str, on_status: Callable[[dict], None],
                 interval: float = 15.0, timeout: float = 10.0):
        super().__init__(name="sync", daemon=True)
        self.db_path, self.url, self.token = db_path, url, token
        self.on_status = on_status
        self.interval, self.timeout = interval, timeout
        self._halt = threading.Event()
        self._wake = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()

    def nudge(self) -> None:
        """Sync soon: something new waits in the outbox."""
        self._wake.set()

    def run(self) -> None:
        store = Store(self.db_path)  # a connection of its own (WAL lets both work)
        client = SyncClient(store, self.url, self.token, timeout=self.timeout)
        failures, delay, last_sync = 0, 0.0, None
        try:
            while not self._halt.is_set():
                self._wake.wait(delay)
                self._wake.clear()
                if self._halt.is_set():
                    break
                changed = set()
                try:
                    changed = client.cycle()
                    failures, retry, last_sync = 0, None, datetime.now()
                    state = "online"
                except SyncError as exc:
                    changed = client.changed  # pages applied before the failure still count
                    failures, retry = failures + 1, exc.retry_after
                    state = "unauthorized" if exc.unauthorized else "offline"
                except Exception as exc:  # never let the sync thread die; the kiosk keeps working
                    log.error("sync cycle failed: %s", type(exc).__name__)  # no data: it may be personal
                    failures, retry, state = failures + 1, None, "offline"
                self.on_status({"state": state, "pending": store.pending_count(),
                                "last_sync": last_sync, "changed": changed})
                delay = next_delay(failures, self.interval, retry)
        finally:
            store.close()
