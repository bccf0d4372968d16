"""The real central server as a child process on loopback (random port,
temporary database) for the sync tests."""
import os
import socket
import time

from datetime import date, datetime

import requests

from kiosk.center import load_center
from kiosk.paths import CENTER_FILE
from kiosk.pins import MIN_N, hash_pin
from sync.server.settings import Settings
from sync.server.staff import PASSWORDS
from sync.server.storage import ServerStore
from tests.server_process import ServerProcess

# the kiosks' side of the sync tests: the shipped center on a fixed morning
CENTER = load_center(CENTER_FILE)
DAY = date(2026, 11, 27)
NOW = lambda: datetime(2026, 11, 27, 7, 0)  # noqa: E731
SERVER_NOW = "2026-11-27T07:00:00"  # the server's clock in the same tests (the center's time)
DUTY, DUTY_PIN = "duty-1", "135790"  # the on-duty staff member of liujiaying


class _Hashes(dict):
    def __missing__(self, password):
        self[password] = PASSWORDS.hash(password)
        return self[password]


PASSWORD_HASHES = _Hashes()
# the least scrypt cost a stored hash may have: every staff proof of the suite is checked against it
DUTY_PIN_HASH = hash_pin(DUTY_PIN, n=MIN_N)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp_path, fake_now: str | None = SERVER_NOW):
        """fake_now: the server's clock (the center's time); None: the real one."""
        self.db = tmp_path / "server.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        # the OpenAPI document open: tests read it (test_sync_schema.py); a deployed server has it closed
        self.env = {"LIULINHUI_SERVER_FAKE_NOW": fake_now or "", "LIULINHUI_SERVER_DOCS": "1"}
        store = ServerStore(self.db, now=Settings(fake_now=fake_now).clock())
        store.centers.add_center("liujiaying", "柳家营社区党群服务中心")
        self.tokens = {k: store.centers.add_kiosk(k, "liujiaying") for k in ("lobby-1", "lobby-2")}
        store.office.add_staff(None, "admin", "admin", "管理员", {"admin"})
        self.admin = store.staff.actor("admin", "test")
        store.office.add_staff(self.admin, "office-1", "liu", "刘敏", {"office"}, ["liujiaying"])
        self.clerk = store.staff.actor("office-1", "test")
        store.office.add_staff(self.admin, DUTY, "wang", "王丽", {"duty"}, ["liujiaying"])
        with store.shared.transaction():  # hashes made once per test run: each costs 0.1-0.5 s
            for staff_id, column, value in (("admin", "password_hash", PASSWORD_HASHES["district-admin-1"]),
                                            ("office-1", "password_hash", PASSWORD_HASHES["office-pass-1"]),
                                            (DUTY, "pin_hash", DUTY_PIN_HASH)):
                store.db.execute(f"UPDATE staff SET {column} = ? WHERE id = ?", [value, staff_id])
            for row in store.staff.duty_roster("liujiaying"):  # the roster kiosks pull, with the PIN
                store.feed.append("liujiaying", "staff", row)
        self.store = store
        self.office = store.office

    def start(self, env: dict | None = None):
        """env: extra environment for the server process (fault hooks)."""
        self.proc = ServerProcess(["--db", str(self.db), "serve", "--port", str(self.port)],
                                  {**os.environ, **self.env, **(env or {})}, self.db.with_suffix(".log"))
        if self.answers():
            return
        output = self.proc.output() if self.proc.poll() is not None else ""
        raise RuntimeError("server did not start\n" + output[-2000:])

    def answers(self) -> bool:
        """Whether the started process answers its health check (False: it exited first)."""
        # a generous bound, reached only when something is broken: a loaded machine is slow
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=2).ok:
                    return True
            except requests.RequestException:
                time.sleep(0.1)
        return False

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.output = self.proc.communicate(timeout=10)[0].decode(errors="replace")
            self.proc = None


def on_duty(store) -> "OnDuty":
    """The on-duty staff member in staff mode at a kiosk that has synced (it has the server's key)."""
    from kiosk.staffmode import OnDuty
    from sync.sealing import SERVER_KEY
    return OnDuty(DUTY, DUTY_PIN, store.get_meta(SERVER_KEY))


def staff_in_a_standalone_kiosk(staff_id: str) -> "OnDuty":
    """Staff mode at a kiosk that has no server (a key nobody can open: nothing checks it)."""
    import base64

    from nacl.public import PrivateKey

    from kiosk.staffmode import OnDuty
    return OnDuty(staff_id, DUTY_PIN, base64.b64encode(bytes(PrivateKey.generate().public_key)).decode())
