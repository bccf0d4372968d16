"""Staff accounts: who works for which center, in which role (no Kivy).

Roles: 值班员 (duty: on-duty staff at a kiosk's staff mode), 社区工作人员
(office: the community office's console), 街道管理员 (admin: every center,
staff accounts and kiosks). One person may hold several roles. Console
passwords are hashed with argon2id at OWASP's minimum (19 MiB, 2 passes);
the staff PIN for a kiosk's staff mode is a scrypt hash (kiosk/pins.py),
which kiosks check offline, with a lockout counted per staff member.
"""
from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.pins import LIMIT, after_failure, hash_pin, is_locked, valid_pin, verify_pin
from kiosk.validation import FieldError, validate_name


class Role(StrEnum):
    DUTY = "duty"
    OFFICE = "office"
    ADMIN = "admin"


ROLE_WORDS = {Role.DUTY: "值班员", Role.OFFICE: "社区工作人员", Role.ADMIN: "街道管理员"}
PASSWORDS = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
PASSWORD_MIN = 10
MAX_FAILURES = LIMIT  # wrong tries in a row that lock (kiosk/pins.py: one rule everywhere)
SIGN_IN_FAILED = "用户名或密码不正确"  # the same words for an unknown user and a wrong password


class StaffError(ValueError):
    """A staff account that cannot be made or changed as asked; field: the form field at fault."""

    def __init__(self, words: str, field: str = ""):
        super().__init__(words)
        self.field = field


def password_hash(password: str) -> str:
    """The argon2id hash of a console password (about 75 ms: callers make it
    outside the store's lock, as a sign-in checks one)."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise StaffError(f"密码至少 {PASSWORD_MIN} 位", "password")
    return PASSWORDS.hash(password)


def staff_pin_hash(pin: str) -> str:
    """The scrypt hash of an on-duty PIN (made outside the store's lock too)."""
    if not valid_pin(pin):
        raise StaffError("工作人员密码是 6 位数字", "pin")
    return hash_pin(pin)


# Made by the server and shown once: no letters or digits that read alike (0/o, 1/l).
_PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"


def new_password() -> str:
    """An initial or reset console password, e.g. k7mq-x2hd-p9wa (12 random letters, about 59 bits)."""
    letters = "".join(secrets.choice(_PASSWORD_LETTERS) for _ in range(12))
    return "-".join(letters[i:i + 4] for i in range(0, 12, 4))


def new_pin() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


@dataclass(frozen=True)
class Actor:
    """Who is making an office change, and from where (for the audit)."""
    staff_id: str
    roles: frozenset[str]
    centers: frozenset[str]
    address: str = ""
    kiosk_id: str = ""

    def may_work_in(self, center_id: str) -> bool:
        return Role.ADMIN in self.roles or (Role.OFFICE in self.roles and center_id in self.centers)


def _dummy_password_hash() -> str:
    return PASSWORDS.hash(secrets.token_urlsafe(16))


class StaffAccounts:
    def __init__(self, conn: sqlite3.Connection, now):
        self.conn = conn
        self.now = now  # () -> aware UTC datetime
        self._dummy = None

    def _checked(self, display_name: str, roles, centers) -> tuple[str, set[Role], set[str]]:
        """A name, roles and centers an account may have (adding or editing)."""
        try:
            display_name = validate_name(display_name, "display_name")
        except FieldError as exc:
            raise StaffError(exc.message, "display_name") from None
        try:
            roles = {Role(r) for r in roles}
        except ValueError:
            raise StaffError("没有这个角色", "roles") from None
        if not roles:
            raise StaffError("至少要有一个角色", "roles")
        centers = set(centers)
        for center in centers:
            if not self.conn.execute("SELECT 1 FROM centers WHERE id = ?", [center]).fetchone():
                raise StaffError(f"没有这个中心：{center}", "centers")
        if roles & {Role.OFFICE, Role.DUTY} and not centers:
            raise StaffError("社区工作人员和值班员至少要选一个中心", "centers")
        return display_name, roles, centers

    def add(self, staff_id: str, username: str, display_name: str, roles, centers=(),
            password_hash: str | None = None, pin_hash: str | None = None) -> None:
        """The hashes come made (password_hash(), staff_pin_hash()): no hashing under the lock."""
        for value in (username, staff_id):
            if not (value and value.isascii() and value.isprintable() and len(value) <= 40):
                raise StaffError("用户名只能用英文字母、数字和符号，最多 40 个", "username")
        display_name, roles, centers = self._checked(display_name, roles, centers)
        if self.conn.execute("SELECT 1 FROM staff WHERE username = ? OR id = ?", [username, staff_id]).fetchone():
            raise StaffError("这个用户名已经有人用了", "username")
        self.conn.execute("INSERT INTO staff (id, username, display_name, created_at) VALUES (?, ?, ?, ?)",
                          [staff_id, username, display_name, self.now().isoformat(timespec="seconds")])
        self._set_roles_and_centers(staff_id, roles, centers)
        if password_hash is not None:
            self.set_password_hash(staff_id, password_hash)
        if pin_hash is not None:
            self.set_pin_hash(staff_id, pin_hash)

    def _set_roles_and_centers(self, staff_id: str, roles: set[Role], centers: set[str]) -> None:
        self.conn.execute("DELETE FROM staff_roles WHERE staff_id = ?", [staff_id])
        self.conn.execute("DELETE FROM staff_centers WHERE staff_id = ?", [staff_id])
        self.conn.executemany("INSERT INTO staff_roles (staff_id, role) VALUES (?, ?)",
                              [(staff_id, r.value) for r in sorted(roles)])
        self.conn.executemany("INSERT INTO staff_centers (staff_id, center_id) VALUES (?, ?)",
                              [(staff_id, c) for c in sorted(centers)])

    def account(self, staff_id: str) -> dict | None:
        """What the administrator may change of an account (never its hashes)."""
        row = self.conn.execute("SELECT display_name, active, password_locked_until, pin_locked_until "
                                "FROM staff WHERE id = ?", [staff_id]).fetchone()
        if row is None:
            return None
        return {"display_name": row[0], "roles": sorted(self.roles(staff_id)),
                "centers": sorted(self.centers(staff_id)), "active": bool(row[1]),
                "password_locked_until": row[2], "pin_locked_until": row[3]}

    def update(self, staff_id: str, display_name: str, roles, centers) -> None:
        display_name, roles, centers = self._checked(display_name, roles, centers)
        self.conn.execute("UPDATE staff SET display_name = ? WHERE id = ?", [display_name, staff_id])
        self._set_roles_and_centers(staff_id, roles, centers)

    def set_active(self, staff_id: str, active: bool) -> None:
        self.conn.execute("UPDATE staff SET active = ? WHERE id = ?", [int(active), staff_id])
        if not active:  # signed out everywhere at once
            self.conn.execute("DELETE FROM staff_sessions WHERE staff_id = ?", [staff_id])

    def unlock(self, staff_id: str) -> None:
        self.conn.execute("UPDATE staff SET password_failures = 0, password_locked_until = NULL, "
                          "pin_failures = 0, pin_locked_until = NULL WHERE id = ?", [staff_id])

    def set_password_hash(self, staff_id: str, hashed: str) -> None:
        self.conn.execute("UPDATE staff SET password_hash = ?, password_failures = 0, "
                          "password_locked_until = NULL WHERE id = ?", [hashed, staff_id])
        # a new password (often: the old one got out) signs the account out everywhere
        self.conn.execute("DELETE FROM staff_sessions WHERE staff_id = ?", [staff_id])

    def set_pin_hash(self, staff_id: str, hashed: str) -> None:
        self.conn.execute("UPDATE staff SET pin_hash = ?, pin_failures = 0, pin_locked_until = NULL "
                          "WHERE id = ?", [hashed, staff_id])

    def roles(self, staff_id: str) -> frozenset[str]:
        return frozenset(r for (r,) in self.conn.execute(
            "SELECT role FROM staff_roles WHERE staff_id = ?", [staff_id]))

    def centers(self, staff_id: str) -> frozenset[str]:
        return frozenset(c for (c,) in self.conn.execute(
            "SELECT center_id FROM staff_centers WHERE staff_id = ?", [staff_id]))

    def on_duty(self, center_id: str, staff_id: str | None) -> dict | None:
        """The active on-duty staff member of this center with this id, or None."""
        if not staff_id:
            return None
        row = self.conn.execute(
            "SELECT s.id, s.display_name FROM staff s JOIN staff_roles r ON r.staff_id = s.id "
            "JOIN staff_centers c ON c.staff_id = s.id WHERE s.id = ? AND s.active = 1 AND r.role = 'duty' "
            "AND c.center_id = ?", [staff_id, center_id]).fetchone()
        return {"id": row[0], "display_name": row[1]} if row else None

    def duty_roster(self, center_id: str, staff_id: str | None = None) -> list[dict]:
        """What kiosks of a center receive: on-duty staff (or the one), their PIN hashes and locks."""
        rows = self.conn.execute(
            "SELECT s.id, s.display_name, s.pin_hash, s.pin_locked_until, s.active FROM staff s "
            "JOIN staff_roles r ON r.staff_id = s.id AND r.role = 'duty' "
            "JOIN staff_centers c ON c.staff_id = s.id AND c.center_id = ? "
            "WHERE s.id = coalesce(?, s.id) ORDER BY s.id", [center_id, staff_id])
        return [dict(zip(("id", "display_name", "pin_hash", "locked_until", "active"), row)) for row in rows]

    def _locked(self, until: str | None) -> bool:
        return is_locked(until, self.now())

    def _failed(self, staff_id: str, column: str) -> None:
        """One more failure, counted from the row as it is now (another try may have
        come in between); the one lock rule of kiosk/pins.py, for PIN and password."""
        failures, failed_at = self.conn.execute(
            f"SELECT {column}_failures, {column}_failed_at FROM staff WHERE id = ?", [staff_id]).fetchone()
        self.conn.execute(f"UPDATE staff SET {column}_failures = ?, {column}_locked_until = ?, "
                          f"{column}_failed_at = ? WHERE id = ?",
                          [*after_failure(failures, failed_at, self.now()), staff_id])

    def check_pin(self, staff_id: str, pin: str) -> bool:
        """A staff PIN tried at any kiosk: failures count for the person, not the kiosk."""
        stored = self.pin_hash_to_check(staff_id)
        return stored is not None and self.note_pin(staff_id, verify_pin(pin, stored))

    # check_pin in three steps, for a caller that runs the KDF work (0.3 s) outside the lock
    def pin_hash_to_check(self, staff_id: str) -> str | None:
        """The PIN hash of an active, unlocked staff member, else None."""
        row = self.conn.execute("SELECT pin_hash, pin_locked_until FROM staff WHERE id = ? AND active = 1",
                                [staff_id]).fetchone()
        return None if row is None or not row[0] or self._locked(row[1]) else row[0]

    def note_pin(self, staff_id: str, matched: bool) -> bool:
        """The outcome of a check: a failure counts; True if it matched and no lock came meanwhile."""
        row = self.conn.execute("SELECT pin_failures, pin_locked_until FROM staff WHERE id = ? AND active = 1",
                                [staff_id]).fetchone()
        if row is None or self._locked(row[1]):
            return False
        if matched:
            self.conn.execute("UPDATE staff SET pin_failures = 0 WHERE id = ?", [staff_id])
            return True
        self._failed(staff_id, "pin")
        return False

    # A sign-in in three steps, so that the argon2 work (75 ms) runs outside the
    # store's lock and no kiosk's push waits for someone typing a password.
    def password_record(self, username: str) -> tuple | None:
        """(staff id, hash) of an account that may sign in now, else None."""
        row = self.conn.execute("SELECT id, password_hash, password_locked_until "
                                "FROM staff WHERE username = ? AND active = 1", [username]).fetchone()
        return None if row is None or not row[1] or self._locked(row[2]) else row[:2]

    def password_matches(self, record: tuple | None, password: str) -> bool:
        """No database: an unknown, password-less or locked account costs the same
        argon2 work as a known one, so time tells nothing."""
        if record is None:
            self._dummy = self._dummy or _dummy_password_hash()
            stored = self._dummy
        else:
            stored = record[1]
        try:
            return PASSWORDS.verify(stored, password or "-") and record is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def note_sign_in(self, record: tuple | None, matched: bool) -> str | None:
        """The staff id if signed in; a wrong password counts towards the lock."""
        if record is None:
            return None
        staff_id = record[0]
        if not matched:
            self._failed(staff_id, "password")
            return None
        self.conn.execute("UPDATE staff SET password_failures = 0 WHERE id = ?", [staff_id])
        return staff_id

    def actor(self, staff_id: str, address: str = "") -> Actor:
        return Actor(staff_id, self.roles(staff_id), self.centers(staff_id), address)
