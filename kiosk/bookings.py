"""One booking engine for the study room, the picture-book corner and the
counseling room (no Kivy).

Every write is one transaction holding the booking and its outbox mutation.
Places are guarded by UNIQUE indexes in the database (see migrations
m003); capacity and per-person limits are checked inside the same
transaction, which SQLite serialises, so racing writers get a clear answer.
"""
from __future__ import annotations

import secrets
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from kiosk.center import NO_SHOW_WINDOW_DAYS, Center
from kiosk.clock import WallClock, read, release_paused, stamp, wall
from kiosk.errors import ServiceError
from kiosk.sessions import bookable, checkin_window, is_open_day, slot_serves, weekly_entry
from kiosk.lifecycle import (
    AT_THE_DESK, BOOKED, BOOKING_MOVES, CANCELLED, CHECKED_IN, HOLDS_PLACE, NO_SHOW, WAITING, can_move)
from kiosk.staffmode import OnDuty
from kiosk.store import Store
from kiosk.validation import (
    FieldError, FormError, agreed, normalise_code, normalise_phone, validate_age, validate_all, validate_name,
    validate_note, validate_seat)
from sync.mutations import reason_words

WEEKDAY_WORDS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
NOTE_LIMIT = 100
PAUSE_KEY = "bookings_paused"
PLACE_TAKEN = "原来的座位或名额已经给了别人，不能恢复这个预约，请为居民另行安排"


class BookingError(ServiceError):
    """A booking that cannot be made or changed."""


# 签到 refused by the booking's state: each says which, so the resident knows what to do
CHECKIN_REFUSED = {
    CHECKED_IN: ("done", "这个预约已经签到过了"),
    CANCELLED: ("cancelled", "这个预约已取消，不能签到。如需使用，请重新预约"),
    WAITING: ("waiting", "您在候补名单中（名额已满），还不能签到。有名额空出时按先后顺序自动递补，请留意工作人员通知"),
    NO_SHOW: ("expired", "这个预约已过期：没有在签到时间内签到，位置已释放"),
}


def validate_booking(kind: str, center: Center, fields: dict) -> dict:
    """What a booking of each kind may hold (all field errors at once). The
    kiosk's forms and the server's push both use this one function."""
    checks = {}
    if kind == "books":
        checks.update(
            child_name=lambda: validate_name(fields.get("child_name"), "child_name"),
            child_age=lambda: validate_age(fields.get("child_age"), center.book_min_age,
                                           center.book_max_age, "child_age"))
    elif kind == "counseling":
        def check_topic():
            if fields.get("topic") not in center.counseling_topics:
                raise FieldError("topic", "请选择一个咨询类别")
            return fields["topic"]
        checks["topic"] = check_topic
    elif kind == "study":
        checks["seat"] = lambda: validate_seat(fields.get("seat"), center.study_seats)
    else:
        raise FormError({"kind": "没有这种预约"})
    checks.update(name=lambda: validate_name(fields.get("name")),
                  phone=lambda: normalise_phone(fields.get("phone")))
    if kind == "counseling":
        def check_consent():
            if not agreed(fields.get("consent")):
                raise FieldError("consent", "请先阅读并同意个人信息的使用说明")
            return True
        checks.update(note=lambda: validate_note(fields.get("note"), limit=NOTE_LIMIT, one_line=True),
                      consent=check_consent)
    return validate_all(**checks)


@dataclass(frozen=True)
class Slot:
    kind: str
    day: date
    session: str
    label: str  # e.g. 上午 08:30–12:00
    starts_at: datetime
    capacity: int
    taken: int
    details: dict = field(default_factory=dict, compare=False)

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.taken)


def day_label(day: date, today: date) -> str:
    prefix = {0: "今天 ", 1: "明天 ", 2: "后天 "}.get((day - today).days, "")
    return f"{prefix}{day.month}月{day.day}日 {WEEKDAY_WORDS[day.weekday()]}"


def _span(start: time, end: time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


class Bookings:
    def __init__(self, store: Store, center: Center, now: Callable[[], datetime] | None = None):
        """``now``: the center's clock (kiosk.clock.CenterClock); a naive time is its wall time."""
        self.store = store
        self.db = store.db
        self.center = center
        self.rules = center.rules
        self.tz = center.tz
        self.now = WallClock(now, self.tz)  # the schedule's frame: the center's wall time

    def _stamp(self) -> str:
        return stamp(self.now(), self.tz)

    def starts(self, booking: dict) -> datetime:
        """When a booking's session starts, on the center's wall clock (any stored form)."""
        return wall(read(booking["starts_at"], self.tz), self.tz)

    # -- what can be booked -------------------------------------------------
    def pause(self, message: str) -> None:
        self.store.set_meta(PAUSE_KEY, message or "预约暂停，请找值班工作人员")

    def resume(self) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM meta WHERE key = ?", [PAUSE_KEY])

    def paused(self) -> str | None:
        return self.store.get_meta(PAUSE_KEY)

    def open_days(self) -> list[date]:
        today = self.now().date()
        days = (today + timedelta(days=i) for i in range(self.rules.window_days + 1))
        return [d for d in days if is_open_day(self.center, d)]

    def _taken(self, kind: str, day: date, session: str) -> int:
        # places held here plus those other kiosks of the center reported through sync
        return self.db.execute("SELECT count(*) FROM places_held WHERE kind = ? AND day = ? AND session = ?",
                               [kind, day.isoformat(), session]).fetchone()[0]

    def study_sessions(self, day: date) -> list[Slot]:
        now = self.now()
        slots = []
        for s in self.center.study_sessions:
            starts = datetime.combine(day, s.start)
            if not bookable(self.center, "study", day, s.id, now):
                continue  # ended, or under way past its check-in (kiosk/sessions.py)
            slots.append(Slot("study", day, s.id, f"{s.name} {_span(s.start, s.end)}", starts,
                              self.center.study_seats, self._taken("study", day, s.id),
                              {"name": s.name}))
        return slots

    def seat_map(self, day: date, session: str) -> dict[int, bool]:
        taken = self._seats_taken(day, session)
        return {seat: seat in taken for seat in range(1, self.center.study_seats + 1)}

    def _seats_taken(self, day: date, session: str) -> set[int]:
        return {r[0] for r in self.db.execute(
            "SELECT seat FROM places_held WHERE kind = 'study' AND day = ? AND session = ?",
            [day.isoformat(), session])}

    def _upcoming(self, kind: str):
        """(day, session id, entry, start) for each weekly entry that can still be booked in the window."""
        weekly, prefix = {"books": (self.center.book_sessions, "pb"),
                          "counseling": (self.center.counseling_slots, "c")}[kind]
        now = self.now()
        for day in self.open_days():
            for i, entry in enumerate(weekly):
                if bookable(self.center, kind, day, f"{prefix}{i}", now):
                    yield day, f"{prefix}{i}", entry, datetime.combine(day, entry.start)

    def book_sessions(self) -> list[Slot]:
        ages = f"{self.center.book_min_age}–{self.center.book_max_age} 岁"
        return [Slot("books", day, sid, f"{_span(s.start, s.end)} {s.theme}", starts, s.places,
                     self._taken("books", day, sid),
                     {"theme": s.theme, "ages": ages, "waiting": self._waiting(day, sid)})
                for day, sid, s, starts in self._upcoming("books")]

    def _waiting(self, day: date, session: str) -> int:
        return self.db.execute(
            "SELECT count(*) FROM bookings WHERE kind = 'books' AND day = ? AND session = ? "
            "AND status = 'waiting'", [day.isoformat(), session]).fetchone()[0]

    def counseling_slots(self, topic: str | None = None) -> list[Slot]:
        """Free slots ahead, each saying who the resident meets; with ``topic``, only those whose person takes it."""
        slots = [Slot("counseling", day, sid, f"{_span(s.start, s.end)} {s.counselor}", starts, 1,
                      self._taken("counseling", day, sid), {"counselor": s.counselor})
                 for day, sid, s, starts in self._upcoming("counseling")
                 if topic is None or slot_serves(self.center, sid, topic)]
        return [s for s in slots if s.left]

    # -- making bookings -------------------------------------------------------
    def _check_open(self, phone: str, kind: str) -> None:
        message = self.paused()
        if message:
            raise BookingError("paused", message)
        blocked = self.blocked_until(phone)
        if blocked and kind != "counseling":
            raise BookingError(
                "blocked", f"近 {NO_SHOW_WINDOW_DAYS} 天内有 {self.rules.no_show_limit} 次预约未签到，自助预约暂停至"
                f"{blocked.month}月{blocked.day}日。如有疑问，请找值班工作人员。")

    def _check_day(self, day: date) -> None:
        if day not in self.open_days():
            raise BookingError("closed", "这一天不能预约（不在可预约日期内或闭馆）")

    def _insert(self, record: dict, mutation: str = "booking.create") -> dict:
        """Store a new booking with a fresh ticket; retry if the ticket is taken."""
        def write(stored: dict) -> None:
            self._event(stored["id"], "created:" + stored["status"])
            self.store.enqueue(mutation, {"booking": stored})
        stored = self.store.insert_with_code("bookings", record, "ticket",
                                             lambda: f"{secrets.randbelow(10**6):06d}", write)
        if stored is not None:
            return stored
        raise BookingError("busy", "系统繁忙，请再试一次")

    def _event(self, booking_id: str, event: str) -> None:
        self.db["booking_events"].insert({"booking_id": booking_id, "event": event, "at": self._stamp()})

    def _base(self, kind: str, day: date | None, session: str | None, name: str, phone: str,
              starts: datetime | None, status: str = "booked") -> dict:
        at = self._stamp()
        return {"id": str(uuid.uuid4()), "kind": kind, "day": day.isoformat() if day else None,
                "session": session, "seat": None, "starts_at": stamp(starts, self.tz) if starts else None,
                "name": name, "phone": phone, "child_name": None, "child_age": None, "topic": None,
                "note": None, "status": status, "created_at": at, "updated_at": at}

    def book_study(self, day: date, session: str, seat: int, name: str, phone: str) -> dict:
        v = validate_booking("study", self.center, {"seat": seat, "name": name, "phone": phone})
        name, phone = v["name"], v["phone"]
        self._check_open(phone, "study")
        self._check_day(day)
        slot = next((s for s in self.study_sessions(day) if s.session == session), None)
        if slot is None:
            raise BookingError("closed", "这个场次已过了签到时间或已结束，请选择其他场次")
        if seat in self._seats_taken(day, session):  # e.g. taken at another kiosk
            raise BookingError("seat_taken", f"{seat} 号座位已经被别人约走了，请换一个座位")
        same_day = self.db.execute(
            "SELECT count(*) FROM bookings WHERE kind = 'study' AND phone = ? AND day = ? "
            "AND status IN ('booked', 'checked_in')", [phone, day.isoformat()]).fetchone()[0]
        if same_day >= self.rules.sessions_per_day:
            raise BookingError("limit", f"每人每天最多预约 {self.rules.sessions_per_day} 个场次")
        record = dict(self._base("study", day, session, name, phone, slot.starts_at), seat=seat)
        try:
            return self._insert(record)
        except sqlite3.IntegrityError as exc:
            if "phone" in str(exc):
                raise BookingError("duplicate", "您已预约了这个场次（每人每场一个座位）") from None
            raise BookingError("seat_taken", f"{seat} 号座位刚刚被别人约走了，请换一个座位") from None

    def book_picture(self, day: date, session: str, child_name: str, child_age, guardian: str,
                     phone: str) -> dict:
        v = validate_booking("books", self.center, {"child_name": child_name, "child_age": child_age,
                                                    "name": guardian, "phone": phone})
        child_name, age, guardian, phone = v["child_name"], v["child_age"], v["name"], v["phone"]
        self._check_open(phone, "books")
        slot = next((s for s in self.book_sessions() if s.day == day and s.session == session), None)
        if slot is None:
            raise BookingError("closed", "这场绘本活动不能报名了")
        with self.store.transaction():  # count and insert under one write lock
            full = self._taken("books", day, session) >= slot.capacity
            if full and self._waiting(day, session) >= self.rules.waitlist:
                raise BookingError("waitlist_full", "这一场的名额和候补都已满，请选择其他场次")
            record = dict(self._base("books", day, session, guardian, phone, slot.starts_at,
                                     "waiting" if full else "booked"),
                          child_name=child_name, child_age=age)
            try:
                return self._insert(record)
            except sqlite3.IntegrityError:
                raise BookingError("duplicate", "这个孩子已经报名了这一场") from None

    def request_counseling(self, topic: str, slot: Slot | None, name: str, phone: str, note: str,
                           consent: bool) -> dict:
        v = validate_booking("counseling", self.center, {"topic": topic, "name": name, "phone": phone,
                                                         "note": note, "consent": consent})
        name, phone, note = v["name"], v["phone"], v["note"]
        self._check_open(phone, "counseling")
        if slot is not None and not slot_serves(self.center, slot.session, topic):
            raise BookingError("not_served", "这个时段接待的人员不负责这方面的事，请换一个时段")
        if slot is not None and slot not in self.counseling_slots(topic):
            raise BookingError("slot_taken", "这个时段刚刚被约走了，请换一个时段")
        record = dict(self._base("counseling", slot.day if slot else None,
                                 slot.session if slot else None, name, phone,
                                 slot.starts_at if slot else None), topic=topic, note=note)
        try:
            return self._insert(record)
        except sqlite3.IntegrityError as exc:
            if "phone" in str(exc):
                raise BookingError("open_request",
                                   "您已有一个未完成的恳谈室预约，工作人员会尽快联系您") from None
            raise BookingError("slot_taken", "这个时段刚刚被约走了，请换一个时段") from None

    # -- changing bookings -------------------------------------------------------
    def find(self, ticket: str) -> dict | None:
        ticket = normalise_code(ticket, "ticket", "请输入 6 位预约号")
        rows = list(self.db["bookings"].rows_where("ticket = ?", [ticket], limit=1))
        return rows[0] if rows else None

    def _update(self, booking: dict, status: str, mutation: str, signed_by: OnDuty | None = None,
                **sent) -> dict:
        """``sent``: what else the server needs to allow the change (the phone's last four)."""
        booking = dict(booking, status=status, updated_at=self._stamp())
        self.db["bookings"].update(booking["id"], {"status": status, "updated_at": booking["updated_at"]})
        self._event(booking["id"], status)
        self._send(booking, status, mutation, signed_by, **sent)
        return booking

    def _send(self, booking: dict, status: str, mutation: str, signed_by: OnDuty | None = None, **sent) -> None:
        """The change of a booking's state as the server is told it (by id and ticket)."""
        self.store.enqueue(mutation, {"id": booking["id"], "ticket": booking["ticket"], "status": status,
                                      **sent}, signed_by=signed_by)

    def cancel(self, ticket: str, last4: str) -> dict:
        booking = self.find(ticket)
        last4 = normalise_code(last4, "last4", "请输入手机号后四位")
        if booking is None or not last4 or (booking["phone"] or "")[-4:] != last4:  # forgotten: None
            raise BookingError("not_found", "没有找到这个预约：请核对预约号和手机号后四位")
        if not can_move(BOOKING_MOVES, booking["status"], CANCELLED):
            raise BookingError("not_open", "这个预约已签到、已取消或已过期，不能取消")
        with self.store.transaction():
            cancelled = self._update(booking, "cancelled", "booking.cancel", last4=last4)
            if booking["kind"] == "books" and booking["status"] == "booked":
                self._promote(booking["day"], booking["session"])
        return cancelled

    def _promote(self, day: str, session: str) -> None:
        """A place came free: the first waiting family gets it (recorded)."""
        first = next(self.db["bookings"].rows_where(
            "kind = 'books' AND day = ? AND session = ? AND status = 'waiting'", [day, session],
            order_by="created_at, rowid", limit=1), None)
        if first is not None:
            self._update(first, "booked", "booking.promote")

    def checkin_window(self, booking: dict) -> tuple[datetime, datetime]:
        return checkin_window(self.rules, self.starts(booking))

    def check_in(self, ticket: str) -> dict:
        booking = self.find(ticket)
        if booking is None:
            raise BookingError("not_found", "没有找到这个预约号，请核对后再试")
        if booking.get("rejected_reason"):  # the server gave the place to an earlier booking
            raise BookingError("rejected", f"这个预约未能确认：{reason_words(booking['rejected_reason'])}。"
                                           "请找值班工作人员帮您重新安排")
        refused = CHECKIN_REFUSED.get(booking["status"])
        if refused:
            raise BookingError(*refused)
        if not booking["starts_at"]:  # a counseling request without a slot: staff arrange the time
            raise BookingError("no_time", "这个恳谈室预约还没有约定时间，工作人员会与您联系，不需要签到")
        opens, closes = self.checkin_window(booking)
        now = self.now()
        if now < opens:
            raise BookingError("early", f"还没到签到时间，请在 {opens.month}月{opens.day}日 "
                                        f"{opens:%H:%M} 之后签到")
        if now > closes:
            raise BookingError("late", f"已过签到时间（{closes.month}月{closes.day}日 {closes:%H:%M} 截止），"
                                       "这个预约已失效")
        with self.store.transaction():
            return self._update(booking, "checked_in", "checkin.create")

    def release_no_shows(self) -> int:
        """Bookings not checked in by the end of the window become no-shows,
        and their places go to the next waiting family. Not while the clock is
        in doubt (kiosk.clock.ClockWatch): a clock set days ahead would release
        every booking of those days and pause their residents."""
        if release_paused(self.store) is not None:
            return 0
        now = self.now()
        cutoff = now - timedelta(minutes=self.rules.checkin_after_minutes)  # an index's first cut
        released = 0
        # starts_at is naive wall time (older rows) or the same with its offset: either is
        # before the cutoff's wall time as text exactly when it is as a time (the index's
        # comparison); read as times too, for any other form
        stale = [b for b in self.db["bookings"].rows_where(
            # a booking the server refused never held a place: it is not the resident's no-show;
            # one whose no-show staff undid stays the resident's
            "status = 'booked' AND kind IN ('study', 'books') AND starts_at < ? "
            "AND rejected_reason IS NULL AND id NOT IN (SELECT booking_id FROM no_show_undos)",
            [cutoff.isoformat(timespec="seconds")]) if self.checkin_window(b)[1] < now]
        for booking in stale:
            with self.store.transaction():
                self._update(booking, "no_show", "booking.no_show")
                if booking["kind"] == "books":
                    self._promote(booking["day"], booking["session"])
            released += 1
        return released

    def blocked_until(self, phone: str) -> date | None:
        today = self.now().date()
        lift = self.db.execute("SELECT lifted_at FROM booking_block_lifts WHERE phone = ?",
                               [phone]).fetchone()
        rows = self.db.execute(
            "SELECT day FROM bookings WHERE phone = ? AND status = 'no_show' AND day >= ? "
            "AND updated_at > ? ORDER BY day DESC",
            [phone, (today - timedelta(days=NO_SHOW_WINDOW_DAYS)).isoformat(), lift[0] if lift else ""]).fetchall()
        if len(rows) < self.rules.no_show_limit:
            return None
        until = date.fromisoformat(rows[0][0]) + timedelta(days=self.rules.no_show_block_days)
        return until if until >= today else None

    def lift_block(self, phone: str, reason: str, staff: OnDuty) -> None:
        """Staff lift a resident's no-show pause; the reason goes to the office's audit."""
        checks = {"phone": lambda: normalise_phone(phone), "reason": lambda: staff_reason(reason, "请写明解除暂停的原因")}
        v = validate_all(**checks)
        with self.store.transaction() as db:
            db["booking_block_lifts"].upsert({"phone": v["phone"], "lifted_at": self._stamp(),
                                              "staff_id": staff.staff_id}, pk="phone")
            self.store.enqueue("booking.lift_block", {"phone": v["phone"], "reason": v["reason"]},
                               signed_by=staff)

    # -- staff at the desk (今日预约) ----------------------------------------------
    # ``others``: every kiosk's bookings of today, as the server told on-duty staff
    # (kiosk/desk_reads.py), held by the screen in memory only. A booking made here is
    # shown from this kiosk's own record, whatever its state (it may hold unsent changes);
    # another kiosk's with the moves staff made here and not yet sent laid over it.
    def _with_others(self, local: list[dict], others, keep) -> list[dict]:
        others = [row for row in others or () if keep(row)]
        ids = [row["id"] for row in others]
        here = {r[0] for r in self.db.execute(
            f"SELECT id FROM bookings WHERE id IN ({', '.join('?' * len(ids))})", ids)} if ids else set()
        moved = dict(self.db.execute(
            "SELECT json_extract(payload, '$.id'), json_extract(payload, '$.status') FROM outbox "
            "WHERE state = 'pending' AND type IN ('checkin.create', 'booking.no_show') ORDER BY seq"))
        rows = local + [dict(row, remote=True, status=moved.get(row["id"], row["status"]))
                        for row in others if row["id"] not in here]
        rows.sort(key=lambda r: (r["starts_at"] or "9", r["kind"], r["seat"] or 0, r["created_at"]))
        return rows

    def today(self, search: str = "", others: list[dict] | None = None) -> list[dict]:
        """Today's bookings by session start; ``search`` a 6-digit ticket or a phone's last four digits."""
        search = normalise_code(search, "search", "请输入 6 位预约号或手机号后四位")
        if search and (not (search.isascii() and search.isdigit()) or len(search) not in (4, 6)):
            raise FieldError("search", "请输入 6 位预约号或手机号后四位")
        today = self.now().date().isoformat()
        local = list(self.db["bookings"].rows_where(
            f"day = ? AND status IN ({', '.join('?' * len(AT_THE_DESK))})", [today, *AT_THE_DESK]))
        rows = [row for row in self._with_others(local, others, lambda r: r["day"] == today
                                                 and r["status"] in AT_THE_DESK)
                if not search or search == (row["ticket"] if len(search) == 6 else row["phone"][-4:])]
        for row in rows:
            row["session_label"] = self.session_label(row)
        return rows

    def session_label(self, booking: dict) -> str:
        entry = weekly_entry(self.center, booking["kind"], booking["session"])
        room = {"study": "自习室", "books": "绘本馆", "counseling": "恳谈室"}[booking["kind"]]
        if entry is None:
            return room
        return f"{room} {getattr(entry, 'name', '')} {_span(entry.start, entry.end)}".replace("  ", " ")

    def _staff_move(self, shown: dict, status: str, mutation: str, staff: OnDuty, first=None,
                    **sent) -> dict:
        """``shown``: the booking as 今日预约 lists it: this kiosk's (moved here and
        sent), or another kiosk's (only sent: the server decides, and its word,
        a promotion included, comes back through the feed). ``first(booking)`` runs
        inside the transaction before the move (it may refuse); ``sent``: what else
        the server is told."""
        with self.store.transaction():
            booking = shown if shown.get("remote") else self.db["bookings"].get(shown["id"])
            if booking["status"] != (NO_SHOW if status == BOOKED else BOOKED):
                raise BookingError("not_open", "这个预约已签到、已取消或已处理过了")
            if status == "no_show" and self.starts(booking) > self.now():
                raise BookingError("early", "场次还没开始，不能标记未到")
            if first is not None:
                first(booking)
            if shown.get("remote"):
                self._send(booking, status, mutation, staff, **sent)
                return dict(booking, status=status)
            try:
                moved = self._update(booking, status, mutation, signed_by=staff, **sent)
            except sqlite3.IntegrityError:  # e.g. the resident booked another seat meanwhile
                raise BookingError("place_taken", PLACE_TAKEN) from None
            if status == "no_show" and booking["kind"] == "books":
                self._promote(booking["day"], booking["session"])
            return moved

    def staff_check_in(self, booking: dict, staff: OnDuty) -> dict:
        """签到 by the staff member at the desk (the resident has no ticket at hand)."""
        return self._staff_move(booking, "checked_in", "checkin.create", staff)

    def mark_no_show(self, booking: dict, staff: OnDuty) -> dict:
        """未到: once the session has started, staff need not wait for the check-in window."""
        return self._staff_move(booking, "no_show", "booking.no_show", staff)

    def undo_no_show(self, booking: dict, reason: str, staff: OnDuty) -> dict:
        """撤销未到: staff restore a booking released as a no-show (a clock that ran
        ahead, a resident who was there after all), with a reason for the office's
        audit. It holds its place again if nobody took it, no longer counts
        towards a pause, and the automatic release never takes it again."""
        why = validate_all(reason=lambda: staff_reason(reason, "请写明撤销未到的原因"))["reason"]

        def reinstate(found: dict) -> None:  # if its place is still free; noted for the release
            day = date.fromisoformat(found["day"])
            taken = (found["seat"] in self._seats_taken(day, found["session"])
                     if found["kind"] == "study" else found["session"] is not None and
                     self._taken(found["kind"], day, found["session"])
                     >= getattr(weekly_entry(self.center, found["kind"], found["session"]), "places", 1))
            if taken:
                raise BookingError("place_taken", PLACE_TAKEN)
            self.db["no_show_undos"].upsert({"booking_id": found["id"], "staff_id": staff.staff_id,
                                             "reason": why, "at": self._stamp()}, pk="booking_id")
        return self._staff_move(booking, BOOKED, "booking.reinstate", staff, reinstate, reason=why)

    def counseling_today(self, others: list[dict] | None = None) -> list[dict]:
        """Counseling requests for today's slots or made today, with their topics: staff only."""
        today = self.now().date().isoformat()
        local = list(self.db["bookings"].rows_where(
            f"kind = 'counseling' AND status IN ({', '.join('?' * len(HOLDS_PLACE))}) AND "
            "(day = ? OR (day IS NULL AND substr(created_at, 1, 10) = ?))", [*HOLDS_PLACE, today, today]))
        # once the server has a request this kiosk keeps no topic (kiosk/retention.py): the server's answer has it
        theirs = {row["id"]: row for row in others or ()}
        local = [dict(row, topic=theirs[row["id"]].get("topic"), note=theirs[row["id"]].get("note"))
                 if row["topic"] is None and row["id"] in theirs else row for row in local]
        return self._with_others(local, others, lambda r: r["kind"] == "counseling"
                                 and r["status"] in HOLDS_PLACE)


def staff_reason(reason: str, missing: str) -> str:
    """The reason staff give for undoing something (for the office's audit): required."""
    text = validate_note(reason, "reason", limit=NOTE_LIMIT, one_line=True)
    if not text:
        raise FieldError("reason", missing)
    return text
