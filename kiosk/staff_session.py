"""Staff mode at the kiosk (no Kivy): who is on duty, their PIN, and when
the mode ends.

The roster and PIN hashes come from the server's pull feed (staff_roster,
hashes bounded there and in the replica). A wrong PIN counts against that
staff member, not the kiosk; the lock follows the one rule the server uses
(kiosk.pins.after_failure) and is stored, so it holds across a restart. A
lock the server sends (wrong PINs seen elsewhere) holds here too.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.clock import WallClock, read, wall
from kiosk.errors import ServiceError
from kiosk.pins import after_failure, valid_pin, verify_pin
from kiosk.staffmode import OnDuty
from kiosk.store import Store
from kiosk.validation import normalise_code
from sync.sealing import SERVER_KEY

IDLE_EXIT_SECONDS = 120  # staff mode ends by itself after 2 minutes without a touch
PIN_WRONG = "工号或密码不正确"


class StaffError(ServiceError):
    """Staff mode cannot be opened."""


@dataclass(frozen=True)
class OnDutyMember:
    staff_id: str
    name: str


@dataclass(frozen=True)
class StaffSession:
    """An open staff mode: who, and the signer for what they do."""
    member: OnDutyMember
    signer: OnDuty

    @property
    def banner(self) -> str:
        return f"工作人员模式 · {self.member.name}"

    @property
    def assisted(self) -> str:
        """The line on a receipt made for a resident in staff mode."""
        return f"工作人员代办 · {self.member.name}"


@dataclass(frozen=True)
class PinAttempt:
    """A PIN typed for a member, to be checked against the roster's hash."""
    member: OnDutyMember
    pin: str = field(repr=False)
    pin_hash: str = field(repr=False)
    server_key: str = field(repr=False)

    def matches(self) -> bool:
        """The KDF check: touches no database, so it may run on any thread."""
        return verify_pin(self.pin, self.pin_hash)


class StaffDesk:
    def __init__(self, store: Store, now: Callable[[], datetime] | None = None):
        self.store = store
        self.db = store.db
        self.now = WallClock(now)  # the center's wall time (kiosk.clock)

    def roster(self) -> list[OnDutyMember]:
        rows = self.db.execute("SELECT id, display_name FROM staff_roster WHERE active = 1 "
                               "AND pin_hash IS NOT NULL ORDER BY id").fetchall()
        return [OnDutyMember(*row) for row in rows]

    def by_number(self, typed: str) -> OnDutyMember:
        """The member whose staff number was typed (its digits: duty-7 is 7)."""
        digits = normalise_code(typed, "number", "请输入工号").lstrip("0")
        row = self.db.execute(
            "SELECT id, display_name FROM staff_roster WHERE active = 1 AND pin_hash IS NOT NULL AND :d != '' "
            "AND ltrim(substr(id, instr(id, '-') + 1), '0') = :d ORDER BY id LIMIT 1", {"d": digits}).fetchone()
        if row is None:
            raise StaffError("unknown", "没有这个工号，请核对后再试，或选择您的姓名")
        return OnDutyMember(*row)

    def locked_until(self, staff_id: str) -> datetime | None:
        now = self.now()
        server = self.db.execute("SELECT locked_until FROM staff_roster WHERE id = ?", [staff_id]).fetchone()
        local = self.db.execute("SELECT locked_until FROM staff_pin_failures WHERE staff_id = ?",
                                [staff_id]).fetchone()
        # the server writes its locks in UTC, this kiosk in the center's time: both read as wall time
        times = [wall(read(r[0], self.now.tz), self.now.tz) for r in (server, local) if r and r[0]]
        later = [t for t in times if t > now]
        return max(later) if later else None

    def attempt(self, staff_id: str, pin: str) -> PinAttempt:
        """What can be said before the PIN's hash is checked (unknown, locked, not
        6 digits, no server key yet): raises StaffError with the words to show.
        The check itself (the KDF, about 0.3 s) is PinAttempt.matches, off the UI thread."""
        row = self.db.execute("SELECT id, display_name, pin_hash FROM staff_roster WHERE id = ? AND active = 1",
                              [staff_id]).fetchone()
        if row is None or row[2] is None:
            raise StaffError("unknown", PIN_WRONG)
        self._not_locked(staff_id)
        if not valid_pin(pin):
            raise StaffError("format", "密码是 6 位数字")
        key = self.store.get_meta(SERVER_KEY)
        if key is None:  # nothing signed here could be checked by the server
            raise StaffError("offline", "本机还没有连上过服务器，暂时不能进入工作人员模式")
        return PinAttempt(OnDutyMember(row[0], row[1]), pin, row[2], key)

    def finish(self, attempt: PinAttempt, matched: bool) -> StaffSession:
        """Open staff mode after the check, or count the failure; raises StaffError."""
        staff_id = attempt.member.staff_id
        row = self.db.execute("SELECT pin_hash FROM staff_roster WHERE id = ? AND active = 1",
                              [staff_id]).fetchone()
        if row is None or row[0] != attempt.pin_hash:  # deactivated or a new PIN meanwhile (the feed)
            raise StaffError("unknown", PIN_WRONG)
        self._not_locked(staff_id)  # e.g. locked by the feed while the PIN was being checked
        if not matched:
            self._failed(staff_id)
            self._not_locked(staff_id)
            raise StaffError("wrong", PIN_WRONG)
        with self.store.transaction() as db:
            db.execute("DELETE FROM staff_pin_failures WHERE staff_id = ?", [staff_id])
        return StaffSession(attempt.member, OnDuty(staff_id, attempt.pin, attempt.server_key))

    def sign_in(self, staff_id: str, pin: str) -> StaffSession:
        """Open staff mode in one go (the checks, the hash, the outcome)."""
        attempt = self.attempt(staff_id, pin)
        return self.finish(attempt, attempt.matches())

    def _not_locked(self, staff_id: str) -> None:
        until = self.locked_until(staff_id)
        if until is not None:
            raise StaffError("locked", f"密码错误次数太多，已锁定，请在 {until:%H:%M} 之后再试")

    def _failed(self, staff_id: str) -> None:
        with self.store.transaction() as db:
            found = db.execute("SELECT failures, failed_at FROM staff_pin_failures WHERE staff_id = ?",
                               [staff_id]).fetchone()
            strike = after_failure(*(found or (0, None)), self.now())
            db.execute("INSERT INTO staff_pin_failures (staff_id, failures, locked_until, failed_at) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET failures = excluded.failures, "
                       "locked_until = coalesce(excluded.locked_until, locked_until), "
                       "failed_at = excluded.failed_at", [staff_id, *strike])


def expired(idle_for: float) -> bool:
    """Whether staff mode ends now, after ``idle_for`` seconds without a touch."""
    return idle_for >= IDLE_EXIT_SECONDS
