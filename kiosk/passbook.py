"""爱心储蓄存折: volunteers' points passbook (no Kivy).

Sign-in with phone and a 6-digit PIN set at the volunteer station; PINs are
stored salted and hashed (kiosk/pins.py). When the server answers, it checks
the PIN and counts wrong tries for the whole center; offline, this kiosk
checks and counts. Wrong tries lock by the one rule of kiosk/pins.py
(after_failure: 5 in a row lock for 15 minutes, growing to at most 4 hours,
forgotten after a quiet day, ended by a success); the lock is in the
database, so it survives a restart. An unknown phone, a wrong PIN and a lock
get the same answer after the same one KDF run, so neither the words nor
the wait tell whether a phone is registered. A hash made with older
parameters is replaced at the volunteer's next sign-in.

The ledger is append-only (database triggers); a correction is a reversing
entry with a reason and the staff id. A redemption request holds its points
until staff confirm the handover, so an offline kiosk can never let the same
points be spent twice; until then the volunteer may withdraw it.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kiosk.clock import WallClock, stamp
from kiosk.errors import ServiceError
from kiosk.lifecycle import HELD, HOLD_MOVES, WITHDRAWN, can_move
from kiosk.pins import DUMMY_HASH, after_failure, hash_pin, is_locked, needs_rehash, valid_pin, verify_pin
from kiosk.staffmode import OnDuty
from kiosk.store import Store
from kiosk.validation import FieldError, normalise_code, normalise_phone, validate_hours, validate_note
from sync.client import SyncError
from sync.rows import LIMITS_KEY, LimitsRow
from sync.sealing import SERVER_KEY, seal_pin_change

PAGE = 8
# one answer for an unknown phone, a wrong PIN and a locked account: it says the
# lock exists without saying whose phone is registered
SIGN_IN_FAILED = "手机号或密码不正确（连续输错 5 次需等一段时间再试）"
# what on-duty staff record most at the volunteer station (记录志愿服务)
ACTIVITIES = ("助老服务", "环境整治", "文明劝导", "活动保障", "共享自习室值守", "绘本馆陪读", "其他志愿服务")


class PassbookError(ServiceError):
    """A sign-in or redemption that cannot go ahead."""


class PassbookServer(Protocol):
    """The server's check of a volunteer's PIN (sync.client.ServerLink)."""
    def passbook_sign_in(self, server_key: str, phone: str, pin: str) -> str | None: ...


@dataclass(frozen=True)
class SignInAttempt:
    """A phone and PIN typed at the passbook, with what the check needs."""
    phone: str | None  # normalised; None when it is no phone number at all
    pin: str = field(repr=False)
    volunteer_id: str | None
    pin_hash: str = field(repr=False)  # the volunteer's, or DUMMY_HASH: always one KDF run
    locked: bool
    server_key: str | None = field(repr=False)


@dataclass(frozen=True)
class SignInCheck:
    matched: bool
    volunteer_id: str | None
    by_server: bool = False
    new_hash: str | None = field(default=None, repr=False)  # today's KDF, for a hash made weaker


@dataclass(frozen=True)
class Entry:
    at: str
    activity: str
    hours: float
    points: int


class Passbook:
    def __init__(self, store: Store, now: Callable[[], datetime] | None = None,
                 server: PassbookServer | None = None):
        self.store = store
        self.db = store.db
        self.now = WallClock(now)  # the center's wall time (kiosk.clock)
        self.tz = self.now.tz
        self.server = server  # None: a kiosk without a server checks every PIN itself

    # -- sign in -------------------------------------------------------------------
    def change_pin(self, volunteer_id: str, old_pin: str, new_pin: str) -> None:
        """The volunteer's own change: checked here against the current PIN,
        and sent sealed to the server's key (sync/sealing.py), which checks
        it again; the first PIN and resets are the volunteer station's."""
        if not valid_pin(new_pin):
            raise FieldError("pin", "密码是 6 位数字")
        key = self.store.get_meta(SERVER_KEY)
        if key is None:  # this kiosk has not reached the server yet
            raise PassbookError("offline", "暂时不能修改密码，请稍后再试或请工作人员帮助")
        volunteer = self.db["volunteers"].get(volunteer_id)
        self.sign_in(volunteer["phone"], old_pin)  # a wrong PIN counts towards the lockout
        with self.store.transaction():
            self.db["volunteers"].update(volunteer_id, {"pin_hash": hash_pin(new_pin), "failures": 0})
            self.store.enqueue("volunteer.pin_change", {
                "id": volunteer_id, "sealed": seal_pin_change(key, volunteer_id, old_pin, new_pin)})

    def attempt(self, phone: str, pin: str) -> SignInAttempt:
        """What the check needs, read here (on the UI thread, which owns the
        store): the volunteer, the hash to check and whether they are locked.
        Nothing is told yet: every outcome waits for the one KDF run."""
        try:
            phone = normalise_phone(phone)
        except FieldError:
            phone = None
        volunteer = phone and next(self.db["volunteers"].rows_where("phone = ?", [phone], limit=1), None)
        locked = bool(volunteer) and is_locked(volunteer["locked_until"], self.now())
        usable = volunteer and not locked and volunteer["pin_hash"]
        return SignInAttempt(phone, pin if isinstance(pin, str) else "", volunteer["id"] if volunteer else None,
                             volunteer["pin_hash"] if usable else DUMMY_HASH, locked,
                             self.store.get_meta(SERVER_KEY))

    def check(self, attempt: SignInAttempt) -> SignInCheck:
        """One KDF run (a few tenths of a second), at the server when it answers (it counts
        wrong tries for the whole center), else here. Touches no database, so
        it runs off the UI thread."""
        if self.server is not None and attempt.phone and attempt.server_key:
            try:
                found = self.server.passbook_sign_in(attempt.server_key, attempt.phone, attempt.pin)
                return SignInCheck(found is not None, found, by_server=True)
            except SyncError:
                pass  # not reachable now: this kiosk's hash and count decide
        matched = verify_pin(attempt.pin, attempt.pin_hash) and attempt.volunteer_id is not None
        better = hash_pin(attempt.pin) if matched and needs_rehash(attempt.pin_hash) else None
        return SignInCheck(matched, attempt.volunteer_id if matched else None, new_hash=better)

    def finish(self, attempt: SignInAttempt, check: SignInCheck) -> dict:
        """The volunteer, signed in; or PassbookError with the one answer for an
        unknown phone, a wrong PIN and a lock. A wrong PIN counts here even when
        the server checked it, so going offline gives a guesser no fresh tries."""
        volunteer = next(self.db["volunteers"].rows_where("id = ?", [attempt.volunteer_id], limit=1), None)
        if volunteer is None or attempt.locked or is_locked(volunteer["locked_until"], self.now()):
            if check.matched and volunteer is None:  # the server knows them; the roster has not come yet
                raise PassbookError("syncing", "您的存折正在同步到本机，请稍后再试")
            raise PassbookError("failed", SIGN_IN_FAILED)
        with self.store.transaction():
            if check.matched and check.volunteer_id == volunteer["id"]:
                change = {"failures": 0, "locked_until": None, "failed_at": None}
                if check.new_hash:  # the server upgrades its own hash when it checks
                    change["pin_hash"] = check.new_hash
                self.db["volunteers"].update(volunteer["id"], change)
                return self.db["volunteers"].get(volunteer["id"])
            strike = after_failure(volunteer["failures"], volunteer["failed_at"], self.now())
            self.db["volunteers"].update(volunteer["id"], strike._asdict())
        raise PassbookError("failed", SIGN_IN_FAILED)

    def sign_in(self, phone: str, pin: str) -> dict:
        """The three steps in one go (tests, scripts; a screen runs check off the UI thread)."""
        attempt = self.attempt(phone, pin)
        return self.finish(attempt, self.check(attempt))

    # -- the passbook ----------------------------------------------------------------
    def summary(self, volunteer_id: str) -> dict:
        v = self.db["volunteers"].get(volunteer_id)
        points, hours = self.db.execute(
            "SELECT coalesce(sum(points), 0), coalesce(sum(hours), 0) FROM ledger WHERE volunteer_id = ?",
            [volunteer_id]).fetchone()
        held = self.db.execute("SELECT coalesce(sum(points), 0) FROM holds WHERE volunteer_id = ? "
                               "AND status = 'held'", [volunteer_id]).fetchone()[0]
        return {"name": v["name"], "number": v["number"], "balance": points - held, "held": held,
                "hours": round(hours, 1)}

    def history(self, volunteer_id: str, page: int = 0, per_page: int = PAGE) -> tuple[list[Entry], int]:
        total = self.db.execute("SELECT count(*) FROM ledger WHERE volunteer_id = ?",
                                [volunteer_id]).fetchone()[0]
        rows = self.db.execute(
            "SELECT at, activity, hours, points FROM ledger WHERE volunteer_id = ? "
            "ORDER BY at DESC, id DESC LIMIT ? OFFSET ?", [volunteer_id, per_page, page * per_page])
        return [Entry(*row) for row in rows], max(1, -(-total // per_page))

    def catalogue(self) -> list[dict]:
        return list(self.db["catalogue"].rows_where(order_by="points"))

    def request_redemption(self, volunteer_id: str, item_id: str) -> dict:
        with self.store.transaction():
            item = self.db["catalogue"].get(item_id)
            on_hold = self.db.execute("SELECT count(*) FROM holds WHERE item_id = ? AND status = 'held'",
                                      [item_id]).fetchone()[0]
            if item["stock"] - on_hold <= 0:  # what is on hold is promised already
                raise PassbookError("stock", f"“{item['item']}”暂时没有库存")
            if self.summary(volunteer_id)["balance"] < item["points"]:
                raise PassbookError("balance", f"积分不够：兑换“{item['item']}”需要 {item['points']} 分")
            hold = {"id": str(uuid.uuid4()), "volunteer_id": volunteer_id, "item_id": item_id,
                    "points": item["points"], "status": "held",
                    "created_at": stamp(self.now(), self.tz), "closed_at": None}
            self.db["holds"].insert(hold)
            self.store.enqueue("redemption.request", {"hold": hold})
            return hold

    def pending(self, volunteer_id: str) -> list[dict]:
        """The volunteer's exchange requests still waiting for their item, oldest first."""
        return [dict(row) for row in self.db.query(
            "SELECT h.id, h.points, h.created_at, c.item FROM holds h JOIN catalogue c ON c.id = h.item_id "
            "WHERE h.volunteer_id = ? AND h.status = ? ORDER BY h.created_at, h.id", [volunteer_id, HELD])]

    def withdraw_redemption(self, volunteer_id: str, hold_id: str) -> dict:
        """The volunteer no longer wants an item still waiting for them: the points held
        for it are theirs again at once, and the server is told (it agrees only while
        the request waits; handed out at the desk meanwhile, the hand-over stands)."""
        with self.store.transaction():
            hold = next(self.db["holds"].rows_where("id = ?", [hold_id], limit=1), None)
            if hold is None or hold["volunteer_id"] != volunteer_id:
                raise PassbookError("not_yours", "没有找到您的这个兑换申请")
            if not can_move(HOLD_MOVES, hold["status"], WITHDRAWN):
                raise PassbookError("state", "这个兑换申请已经处理过了，不能撤回")
            self.db["holds"].update(hold_id, {"status": WITHDRAWN, "closed_at": stamp(self.now(), self.tz)})
            self.store.enqueue("redemption.withdraw", {"hold": hold_id, "volunteer_id": volunteer_id})
            return self.db["holds"].get(hold_id)

    # -- staff -----------------------------------------------------------------------
    def open_for_staff(self, query: str, staff: OnDuty) -> dict:
        """代办: the passbook of the volunteer beside the on-duty staff member, by
        phone or number, without the volunteer's PIN (staff mode's PIN stands for it)."""
        if staff is None:
            raise FieldError("query", "请先进入工作人员模式")
        return self.find_volunteer(query)

    def find_volunteer(self, query: str) -> dict:
        """By an 11-digit phone or the volunteer number (记录志愿服务)."""
        text = normalise_code(query, "query", "请输入手机号或志愿者编号").upper()
        if not text:
            raise FieldError("query", "请输入手机号或志愿者编号")
        # a number's digits alone find it too (LJY-0001: 1), as the keypad types them
        found = next(self.db["volunteers"].rows_where(
            "phone = :q OR upper(number) = :q OR (:digits != '' AND "
            "ltrim(substr(number, instr(number, '-') + 1), '0') = :digits)",
            {"q": text, "digits": text.lstrip("0") if text.isdigit() and len(text) < 11 else ""}, limit=1), None)
        if found is None:
            raise FieldError("query", "没有找到这位志愿者，请核对手机号或编号")
        return found

    def limits(self) -> LimitsRow:
        """The office's limits for one staff-mode entry, as the feed last brought them."""
        stored = self.store.get_meta(LIMITS_KEY)
        return LimitsRow.model_validate_json(stored) if stored else LimitsRow()

    def points_for(self, hours_text: str, rate: int) -> tuple[float, int]:
        """Hours as typed → (hours, points at the center's rate), inside the office's limits."""
        hours = validate_hours(hours_text)
        limits = self.limits()
        if not 0 < hours or hours * 2 != int(hours * 2):
            raise FieldError("hours", "时长按半小时计，如 0.5、1、2.5")
        if hours > limits.hours_per_entry:
            raise FieldError("hours", f"每条记录最多 {limits.hours_per_entry:g} 小时（社区办公室设定），"
                                      "更长的服务请到办公室登记")
        points = round(hours * rate)
        if points > limits.points_per_entry:
            raise FieldError("hours", f"{hours:g} 小时是 {points} 分，超过每条 {limits.points_per_entry} 分的上限"
                                      "（社区办公室设定）")
        return hours, points

    def record_service(self, volunteer_id: str, activity: str, hours_text: str, rate: int,
                       staff: OnDuty) -> dict:
        """记录志愿服务 at the desk; nothing is stored when a value is outside the limits."""
        if activity not in ACTIVITIES:
            raise FieldError("activity", "请选择服务项目")
        hours, points = self.points_for(hours_text, rate)
        today = self.now().date().isoformat()
        given = self.db.execute("SELECT coalesce(sum(points), 0) FROM ledger WHERE staff_id = ? AND points > 0 "
                                "AND reverses IS NULL AND substr(at, 1, 10) = ?", [staff.staff_id, today]).fetchone()[0]
        day_limit = self.limits().points_per_staff_day
        if given + points > day_limit:
            raise FieldError("hours", f"您今天已记录 {given} 分，每人每天最多 {day_limit} 分（社区办公室设定）")
        self.add_service(volunteer_id, activity, hours, points, staff)
        return {"hours": hours, "points": points}

    def open_holds(self) -> list[dict]:
        """Redemptions waiting for their item (兑换发放), oldest first."""
        return [dict(row) for row in self.db.query(
            "SELECT h.id, h.points, h.created_at, c.item, v.name, v.number FROM holds h "
            "JOIN catalogue c ON c.id = h.item_id JOIN volunteers v ON v.id = h.volunteer_id "
            "WHERE h.status = 'held' ORDER BY h.created_at")]

    def add_service(self, volunteer_id: str, activity: str, hours: float, points: int,
                    staff: OnDuty) -> None:
        with self.store.transaction():
            entry = {"uid": str(uuid.uuid4()), "volunteer_id": volunteer_id,
                     "at": stamp(self.now(), self.tz),
                     "activity": activity, "hours": hours, "points": points, "staff_id": staff.staff_id}
            self.db["ledger"].insert(entry)
            self.store.enqueue("ledger.add", entry, signed_by=staff)

    def reverse(self, entry_id: int, reason: str, staff: OnDuty) -> None:
        reason = validate_note(reason, "reason", one_line=True)
        if not reason:
            raise FieldError("reason", "请写明更正的原因")
        with self.store.transaction():
            entry = self.db["ledger"].get(entry_id)
            fix = {"uid": str(uuid.uuid4()), "volunteer_id": entry["volunteer_id"],
                   "at": stamp(self.now(), self.tz),
                   "activity": f"更正：{entry['activity']}"[:40], "hours": -entry["hours"],
                   "points": -entry["points"], "reason": reason, "staff_id": staff.staff_id, "reverses": entry_id}
            self.db["ledger"].insert(fix)
            self.store.enqueue("ledger.reverse", dict(fix, reverses_uid=entry["uid"]), signed_by=staff)

    def hand_over(self, hold_id: str, staff: OnDuty) -> None:
        """Staff gave the item: the held points become a ledger entry."""
        with self.store.transaction():
            hold = self.db["holds"].get(hold_id)
            if hold["status"] != "held":
                raise PassbookError("state", "这个兑换已经处理过了")
            item = self.db["catalogue"].get(hold["item_id"])
            at = stamp(self.now(), self.tz)
            self.db["holds"].update(hold_id, {"status": "handed_over", "closed_at": at})
            self.db["catalogue"].update(item["id"], {"stock": item["stock"] - 1})
            entry = {"uid": str(uuid.uuid4()), "volunteer_id": hold["volunteer_id"], "at": at,
                     "activity": f"积分兑换：{item['item']}", "hours": 0,
                     "points": -hold["points"], "staff_id": staff.staff_id}
            self.db["ledger"].insert(entry)
            self.store.enqueue("redemption.handover", {"hold": hold_id, "entry": entry}, signed_by=staff)
