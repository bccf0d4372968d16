"""The office's changes (no Kivy): what the console (and the CLI) call.

Each one names its actor — a staff member allowed to work in that center —
goes through the same appliers and checks kiosks meet where a rule is
shared, reaches the center's kiosks through the feed, and is written to the
audit with who, from where, before and after.
"""
from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from kiosk import lifecycle as life
from kiosk.center import parse_center
from kiosk.validation import (
    FieldError, FormError, normalise_code, normalise_phone, validate_all, validate_name, validate_note)
from sync import payloads as p
from sync.rows import checked
from sync.server import apply, audit
from sync.server.apply import Context, Limits
from sync.server.push import PushDesk
from sync.server.shared import Shared, serialised
from sync.server.staff import (Actor, Role, StaffAccounts, StaffError, new_password, new_pin, password_hash,
                               staff_pin_hash)

VOLUNTEER_NUMBER_MAX = 20
KIOSK_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
ROSTER_IMPORT_MAX = 5000  # volunteers in one roster file (the station has about 1,800)
ROSTER_FIELDS = {"number": "志愿者编号", "name": "姓名", "phone": "手机号"}
# a counseling request's follow-up by the office (counseling_follow_ups): a time agreed, a call back, done
FOLLOW_UP_STATES = ("confirmed", "call_back", "done")
FOLLOW_UP_NOTE_MAX = 100


class OfficeError(ValueError):
    """An office change refused, and of which kind: "forbidden" (the staff member's
    role or centers), "not_found" (an id the server does not know) or "refused"
    (not valid, or the record's state says no); the words say why."""

    def __init__(self, words: str, kind: str = "refused", field: str = ""):
        super().__init__(words)
        self.kind, self.field = kind, field  # field: the form field at fault, if one is

    @classmethod
    def reason(cls, reason: str) -> "OfficeError":
        """An applier's refusal reason (sync/mutations.py REASON_WORDS)."""
        return cls(reason, "not_found" if reason.startswith("unknown_") else "refused")


def _volunteer_number(text) -> str:
    # a code: ＬＪＹ－０００１ typed in fullwidth is LJY-0001, which the kiosk's keypad finds
    number = validate_note(normalise_code(text, "number", "请填写志愿者编号"), "number",
                           limit=VOLUNTEER_NUMBER_MAX)
    if not number:
        raise FieldError("number", "请填写志愿者编号")
    return number


ROSTER_CHECKS = {"number": _volunteer_number, "name": validate_name, "phone": normalise_phone}


def volunteer_fields(volunteer: dict) -> dict:
    """A roster row's number, name and phone in the kiosk's normal form (FormError names each bad field)."""
    return validate_all(**{field: (lambda check=check, field=field: check(volunteer.get(field)))
                           for field, check in ROSTER_CHECKS.items()})


@dataclass(frozen=True)
class RosterProblem:
    row: int | None  # the line's row in the roster file; None for a single form
    field: str  # a key of ROSTER_FIELDS
    words: str

    def __str__(self) -> str:
        return (f"第 {self.row} 行，" if self.row else "") + f"{ROSTER_FIELDS[self.field]}：{self.words}"


class RosterRefused(OfficeError):
    """Roster rows refused, each problem named (nothing was stored)."""

    def __init__(self, problems: list[RosterProblem]):
        super().__init__("；".join(map(str, problems[:5])))
        self.problems = problems


def _held_by(field: str, other: dict) -> str:
    return f"已登记给志愿者“{other['name']}”" + (f"（编号 {other['number']}）" if field == "phone" else "")


def plan_roster(conn, center_id: str, lines: list[dict]) -> tuple[list[dict], list[RosterProblem]]:
    """What importing these lines (number, name, phone; row: where the line is in
    its file) would do, each checked as put_volunteer checks a row, against the
    other lines and against the center's roster. A number the roster holds under
    the same name is that volunteer (updated, their PIN kept); a new number adds one."""
    by_number, by_phone = {}, {}
    for row in conn.execute("SELECT id, number, name, phone, pin_hash FROM volunteers WHERE center_id = ?",
                            [center_id]):
        known = dict(zip(("id", "number", "name", "phone", "pin_hash"), row))
        by_number[known["number"]], by_phone[known["phone"]] = known, known
    plan, problems, first_row = [], [], {}
    for position, line in enumerate(lines, 1):
        at = line.get("row", position)
        found = []
        fields = {}
        for field, check in ROSTER_CHECKS.items():
            try:
                fields[field] = check(line.get(field))
            except FieldError as exc:
                found.append(RosterProblem(at, field, exc.message))
        for field in ("number", "phone"):  # one line a volunteer: the kiosk signs in by phone
            if field in fields:
                earlier = first_row.setdefault((field, fields[field]), at)
                if earlier != at:
                    found.append(RosterProblem(at, field, f"与第 {earlier} 行重复"))
        known = by_number.get(fields.get("number"))
        if known and "name" in fields and known["name"] != fields["name"]:
            found.append(RosterProblem(at, "number", _held_by("number", known)))
        holder = by_phone.get(fields.get("phone"))
        if holder and holder is not known:
            found.append(RosterProblem(at, "phone", _held_by("phone", holder)))
        problems += found
        if found:
            continue
        if known is None:
            plan.append(dict(fields, row=at, id=str(uuid.uuid4()), pin_hash=None, action="add", before=None))
        else:
            same = known["phone"] == fields["phone"]
            plan.append(dict(fields, row=at, id=known["id"], pin_hash=known["pin_hash"],
                             action="same" if same else "update",
                             before={k: known[k] for k in ("id", "number", "name")}))
    return plan, problems


def _row(kind: str, row: dict) -> dict:
    """The row as the feed may carry it to kiosks (sync/rows.py), checked before it is written."""
    try:
        return checked(kind, row)
    except ValueError as exc:
        raise OfficeError(f"{kind}: {type(exc).__name__}") from None


class Office:
    def __init__(self, shared: Shared, desk: PushDesk, staff: StaffAccounts):
        self.shared, self.desk, self.staff = shared, desk, staff

    def _context(self, actor: Actor, center_id: str) -> Context:
        if not actor.may_work_in(center_id):
            raise OfficeError("没有这个中心的办公权限", "forbidden")
        ctx = self.desk.context(center_id, address=actor.address)
        ctx.staff = {"id": actor.staff_id}
        return ctx

    def _as_office(self, actor: Actor, center_id: str, action: str, change, *args) -> None:
        """One office change through the appliers kiosks use; a refusal raises."""
        with self.shared.transaction():
            ctx = self._context(actor, center_id)
            ctx.action = action
            reason = change(ctx, *args)
            if reason not in (None, apply.DUPLICATE):
                raise OfficeError.reason(reason)

    def _audit(self, actor: Actor, center_id: str, action: str, target: str, before, after) -> None:
        audit.write(self.shared, actor.staff_id, center_id, action, target, before, after,
                    address=actor.address)

    def _own(self, table: str, row_id: str, center_id: str) -> dict | None:
        """The existing row, refusing an id that belongs to another center."""
        found = next(self.shared.db[table].rows_where("id = ?", [row_id], limit=1), None)
        if found and found["center_id"] != center_id:
            raise OfficeError(f"{table} {row_id!r} belongs to another center")
        return found

    # -- the center's document and pauses ------------------------------------------------
    @serialised
    def publish_center(self, actor: Actor, center_id: str, document: dict, what: dict | None = None) -> None:
        """Schedules, closures and the center's description, checked by the
        same parser the kiosk uses before any kiosk receives them. what: the
        change in a few words for the audit (a closed day and its reason, a slot)."""
        parse_center(document)  # raises CenterDataError with the key at fault
        with self.shared.transaction():
            self._context(actor, center_id)
            self.shared.db["center_documents"].upsert(
                {"center_id": center_id, "document": json.dumps(document, ensure_ascii=False),
                 "published_at": self.shared.now().isoformat()}, pk="center_id")
            self.desk.feed.append(center_id, "center", {"document": document})
            self._audit(actor, center_id, "center.publish", center_id, None, what or {"published": True})

    @serialised
    def pause_bookings(self, actor: Actor, center_id: str, message: str | None) -> None:
        """A closure at short notice; None resumes."""
        if message is not None and not (isinstance(message, str) and 0 < len(message) <= 100):
            raise OfficeError("暂停说明最多 100 个字")
        with self.shared.transaction():
            self._context(actor, center_id)
            self.desk.feed.append(center_id, "bookings.pause", {"message": message})
            self._audit(actor, center_id, "bookings.pause", center_id, None, {"message": message})

    @serialised
    def set_limits(self, actor: Actor, center_id: str, limits: Limits) -> None:
        """What one staff-mode entry at a kiosk may carry (above it: the office's own entries)."""
        if not (type(limits.points_per_entry) is int and 1 <= limits.points_per_entry <= 100_000
                and type(limits.points_per_staff_day) is int
                and limits.points_per_entry <= limits.points_per_staff_day <= 1_000_000
                and 0 < limits.hours_per_entry <= 24):
            raise OfficeError("上限：每条 1–100000 分，每人每天不少于每条上限，每条 0–24 小时")
        with self.shared.transaction():
            self._context(actor, center_id)
            before = self.desk.centers.limits(center_id)
            self.shared.db["center_limits"].upsert(dict(vars(limits), center_id=center_id), pk="center_id")
            self.desk.feed.append(center_id, "limits", vars(limits))  # kiosks say why before they send
            self._audit(actor, center_id, "limits.set", center_id, vars(before), vars(limits))

    # -- the roster, points and the catalogue ----------------------------------------------
    @serialised
    def put_volunteer(self, actor: Actor, center_id: str, volunteer: dict, unique: bool = False) -> None:
        """Add or change a roster row; a missing pin_hash keeps the PIN set before.
        unique: a number or phone another volunteer of the center holds is refused
        (RosterRefused, by field: the console's form); the feed itself copes with
        two volunteers' numbers swapped one row at a time."""
        try:
            fields = volunteer_fields(volunteer)
            row = {"id": volunteer["id"], **fields, "pin_hash": volunteer.get("pin_hash")}
        except FormError as exc:
            raise RosterRefused([RosterProblem(None, f, w) for f, w in exc.errors.items()]) from None
        except KeyError as exc:
            raise OfficeError(str(exc)) from None
        row = _row("volunteer", row)  # the id's length, the PIN hash's shape
        with self.shared.transaction():
            self._context(actor, center_id)
            found = self._own("volunteers", row["id"], center_id)
            if unique:
                clashes = [RosterProblem(None, field, _held_by(field, dict(zip(("number", "name"), other))))
                           for field in ("number", "phone")
                           for other in self.shared.conn.execute(
                               f"SELECT number, name FROM volunteers WHERE center_id = ? AND {field} = ? "
                               f"AND id != ? LIMIT 1", [center_id, row[field], row["id"]])]
                if clashes:
                    raise RosterRefused(clashes)
            if "pin_hash" not in volunteer and found:
                row["pin_hash"] = found["pin_hash"]
            self.shared.db["volunteers"].upsert(dict(row, center_id=center_id), pk="id")
            self.desk.feed.append(center_id, "volunteer", row)
            public = {k: row[k] for k in ("id", "number", "name")}
            self._audit(actor, center_id, "volunteer.put", row["id"],
                        {k: found[k] for k in public} if found else None, public)

    @serialised
    def reset_pin(self, actor: Actor, center_id: str, volunteer_id: str, pin_hash: str) -> None:
        self._as_office(actor, center_id, "volunteer.pin", apply.volunteer_pin,
                        p.PinHash(id=volunteer_id, pin_hash=pin_hash))

    @serialised
    def add_ledger(self, actor: Actor, center_id: str, entry: dict) -> str:
        """Points given or corrected by the office (no kiosk limits; still bounded)."""
        entry = dict(entry, uid=entry.get("uid") or str(uuid.uuid4()),
                     at=entry.get("at") or self.shared.local_now().isoformat(timespec="seconds"),
                     staff_id=actor.staff_id)
        try:
            valid = p.LedgerEntry.model_validate(entry).model_dump()
            validate_note(valid["activity"], "activity", limit=40)
        except (ValidationError, FieldError) as exc:
            raise OfficeError(f"ledger entry: {type(exc).__name__}") from None
        self._as_office(actor, center_id, "ledger.add", apply.add_ledger, valid)
        return valid["uid"]

    @serialised
    def put_catalogue_item(self, actor: Actor, center_id: str, item: dict) -> None:
        try:
            row = {"id": item["id"], "item": validate_note(item["item"], "item", limit=40),
                   "points": item["points"], "stock": item["stock"]}
        except (FieldError, KeyError) as exc:
            raise OfficeError(str(exc)) from None
        if not row["item"]:
            raise OfficeError("catalogue item: a name")
        row = _row("catalogue", row)  # 1-100000 points, a stock of 0-100000
        with self.shared.transaction():
            self._context(actor, center_id)
            found = self._own("catalogue", row["id"], center_id)
            self.shared.db["catalogue"].upsert(dict(row, center_id=center_id), pk="id")
            self.desk.feed.append(center_id, "catalogue", row)
            self._audit(actor, center_id, "catalogue.put", row["id"],
                        {k: found[k] for k in row} if found else None, row)

    @serialised
    def release_hold(self, actor: Actor, center_id: str, hold_id: str) -> None:
        """An exchange request nobody will collect: its points and its item are free again."""
        with self.shared.transaction():
            self._context(actor, center_id)
            found = self._own("holds", hold_id, center_id)
            if found is None or found["status"] != "held":
                raise OfficeError.reason("unknown_hold" if found is None else "already_closed")
            self.shared.conn.execute("UPDATE holds SET status = 'released', closed_at = ? WHERE id = ?",
                                     [self.shared.local_now().isoformat(timespec="seconds"), hold_id])
            self.desk.feed.append(center_id, "hold", apply.hold_row(self.shared.conn, hold_id))
            self._audit(actor, center_id, "hold.release", hold_id, {"status": "held"}, {"status": "released"})

    @serialised
    def import_volunteers(self, actor: Actor, center_id: str, lines: list[dict]) -> dict[str, int]:
        """A roster file in one transaction, every line checked by plan_roster:
        nothing is stored unless all pass (RosterRefused names each problem).
        Returns how many were added, updated and already the same."""
        if len(lines) > ROSTER_IMPORT_MAX:
            raise OfficeError(f"一次最多导入 {ROSTER_IMPORT_MAX} 名志愿者")
        with self.shared.transaction():
            self._context(actor, center_id)
            plan, problems = plan_roster(self.shared.conn, center_id, lines)
            if problems:
                raise RosterRefused(problems)
            changed = [(planned, _row("volunteer", planned)) for planned in plan if planned["action"] != "same"]
            # one statement for all (sqlite-utils' upsert re-reads the schema per call); the PIN stays
            self.shared.conn.executemany(
                "INSERT INTO volunteers (id, center_id, number, name, phone, pin_hash) "
                "VALUES (:id, :center_id, :number, :name, :phone, :pin_hash) ON CONFLICT (id) DO UPDATE SET "
                "number = excluded.number, name = excluded.name, phone = excluded.phone",
                [dict(row, center_id=center_id) for _, row in changed])
            for planned, row in changed:
                self.desk.feed.append(center_id, "volunteer", row)
                self._audit(actor, center_id, "volunteer.import", row["id"], planned["before"],
                            {k: row[k] for k in ("id", "number", "name")})
        counts = Counter(planned["action"] for planned in plan)
        return {action: counts[action] for action in ("add", "update", "same")}

    @serialised
    def reverse_ledger(self, actor: Actor, center_id: str, uid: str, reason: str) -> str:
        """冲正: a new entry that undoes one entry exactly (reverses_uid), with the
        reason; never an edit. Any entry but a reversal, once, and not for more
        points than the volunteer still has (less what is on hold)."""
        try:
            reason = validate_note(reason, "reason")
        except FieldError as exc:
            raise OfficeError(exc.message) from None
        if not reason:
            raise OfficeError("请写明冲正的原因")
        fix = str(uuid.uuid4())

        def reverse(ctx: Context, _data) -> str | None:
            conn = ctx.conn
            original = apply.one(conn, "SELECT uid, volunteer_id, activity, hours, points, reverses_uid FROM ledger "
                                       "WHERE uid = ? AND center_id = ?", [uid, center_id])
            if original is None:
                return "unknown_entry"
            if original["reverses_uid"]:
                raise OfficeError("这是一条冲正记录，不能再冲正")
            if conn.execute("SELECT 1 FROM ledger WHERE reverses_uid = ?", [uid]).fetchone():
                raise OfficeError("这条记录已经冲正过了")
            left = apply.balance(conn, original["volunteer_id"])
            if original["points"] > left:
                raise OfficeError(f"志愿者现有可用积分 {left} 分，不够冲正这条 {original['points']} 分的记录")
            entry = p.LedgerEntry(uid=fix, volunteer_id=original["volunteer_id"],
                                  at=ctx.now.isoformat(timespec="seconds"),
                                  activity=f"冲正：{original['activity']}"[:40], hours=-original["hours"],
                                  points=-original["points"], reason=reason, reverses_uid=uid)
            return apply.add_ledger(ctx, dict(entry.model_dump(), staff_id=actor.staff_id))

        self._as_office(actor, center_id, "ledger.reverse", reverse, None)
        return fix

    @serialised
    def hand_over(self, actor: Actor, center_id: str, hold_id: str) -> str:
        """兑换发放 at the station: as a kiosk's redemption.handover (the same applier),
        the held points become a ledger entry and the stock goes down by one."""
        entry = p.HandoverEntry(uid=str(uuid.uuid4()),
                                at=self.shared.local_now().isoformat(timespec="seconds"))
        self._as_office(actor, center_id, "redemption.handover", apply.redemption_handover,
                        p.Handover(hold=hold_id, entry=entry))
        return entry.uid

    # -- wishes and bookings -------------------------------------------------------------------
    def _center_of(self, table: str, row_id: str) -> str:
        row = self.shared.conn.execute(f"SELECT center_id FROM {table} WHERE id = ?", [row_id]).fetchone()
        if row is None:
            raise OfficeError.reason({"wishes": "unknown_wish", "bookings": "unknown_booking"}[table])
        return row[0]

    @serialised
    def set_wish_status(self, actor: Actor, wish_id: str, status: str, seen: str | None = None,
                        **extra) -> None:
        """seen: the state the clerk's page showed. A wish that moved on since is
        refused where the move would still be allowed (上墙 pressed on a page
        from before a claim must not withdraw the claim); the state machine
        refuses the rest with its own reason."""
        try:
            change = p.WishChange(id=wish_id, status=status, **extra)
        except ValidationError:
            raise OfficeError.reason("invalid") from None
        center_id = self._center_of("wishes", wish_id)
        if seen is not None and actor.may_work_in(center_id):  # else: refused as forbidden below
            now = self.shared.conn.execute("SELECT status FROM wishes WHERE id = ?", [wish_id]).fetchone()[0]
            if now != seen and life.can_move(life.WISH_MOVES, now, status):
                raise OfficeError.reason("wish_state")
        self._as_office(actor, center_id, "wish.status", apply.wish_status, change)

    @serialised
    def set_booking_status(self, actor: Actor, booking_id: str, status: str) -> None:
        center_id = self._center_of("bookings", booking_id)
        ticket = json.loads(self.shared.conn.execute("SELECT data FROM bookings WHERE id = ?",
                                                     [booking_id]).fetchone()[0]).get("ticket")
        change = p.BookingChange(id=booking_id, ticket=ticket, status=status)
        movers = {"cancelled": apply.booking_cancel, "checked_in": apply.booking_checkin,
                  "no_show": apply.booking_no_show}
        if status not in movers:
            raise OfficeError.reason("booking_state")
        self._as_office(actor, center_id, "booking." + status, movers[status], change)

    @serialised
    def follow_up_counseling(self, actor: Actor, booking_id: str, state: str, arranged_at: str | None = None,
                             note: str = "") -> None:
        """The office's follow-up of a counseling request: a time agreed with the
        resident (confirmed, arranged_at the center's "2026-12-01T09:30"), a call back,
        or done — an open request is then closed as attended, so the resident may ask
        again. Only the current follow-up is kept; the audit tells who did what
        before, and says only whether a note was written: notes stay with the center's staff."""
        try:
            note = validate_note(note or "", "note", limit=FOLLOW_UP_NOTE_MAX)
            at = datetime.fromisoformat(arranged_at) if state == "confirmed" else None
        except (FieldError, TypeError, ValueError) as exc:
            raise OfficeError(f"follow-up: {type(exc).__name__}") from None
        if state not in FOLLOW_UP_STATES or at is not None and (
                at.tzinfo is not None or at.date() < self.shared.local_now().date()):
            raise OfficeError.reason("invalid")
        center_id = self._center_of("bookings", booking_id)
        with self.shared.transaction():
            self._context(actor, center_id)
            found = apply.one(self.shared.conn, "SELECT b.kind, b.status, f.state, f.arranged_at FROM bookings b "
                              "LEFT JOIN counseling_follow_ups f ON f.booking_id = b.id WHERE b.id = ?",
                              [booking_id])
            if found["kind"] != "counseling" or found["status"] not in life.HOLDS_PLACE:
                raise OfficeError.reason("booking_state")
            arranged = at.isoformat(timespec="minutes") if at else None
            self.shared.db["counseling_follow_ups"].upsert(
                {"booking_id": booking_id, "center_id": center_id, "state": state, "arranged_at": arranged,
                 "note": note or None, "staff_id": actor.staff_id, "at": self.shared.stamp()}, pk="booking_id")
            self._audit(actor, center_id, "counseling.follow_up", booking_id,
                        {"state": found["state"], "arranged_at": found["arranged_at"]} if found["state"] else None,
                        {"state": state, "arranged_at": arranged, "noted": bool(note)})
            if state == "done" and found["status"] == life.BOOKED:
                self.set_booking_status(actor, booking_id, life.CHECKED_IN)

    # -- kiosks: whoever may work in the center (Actor.may_work_in: its office staff, the administrator)
    def _kiosk(self, actor: Actor, center_id: str, kiosk_id: str) -> dict:
        """An active kiosk of this center that the actor may manage."""
        self._context(actor, center_id)
        found = apply.one(self.shared.conn, "SELECT revoked FROM kiosks WHERE id = ? AND center_id = ?",
                          [kiosk_id, center_id])
        if found is None:  # unknown, or another center's: the same answer
            raise OfficeError("没有这个终端", "not_found")
        if found["revoked"]:
            raise OfficeError("这台终端已经停用了")
        return found

    @serialised
    def add_kiosk(self, actor: Actor, center_id: str, kiosk_id: str) -> str:
        """A new kiosk of the center; returns its token (shown once: only its SHA-256 is kept)."""
        if not (isinstance(kiosk_id, str) and KIOSK_ID.fullmatch(kiosk_id)):
            raise OfficeError("终端编号只能用小写英文字母、数字和短横线（-），最多 40 个，例如 lobby-3",
                              field="kiosk_id")
        with self.shared.transaction():
            self._context(actor, center_id)
            if self.shared.conn.execute("SELECT 1 FROM kiosks WHERE id = ?", [kiosk_id]).fetchone():
                raise OfficeError("这个终端编号已经用过了（停用的终端也算），请换一个", field="kiosk_id")
            token = self.desk.centers.add_kiosk(kiosk_id, center_id)
            self._audit(actor, center_id, "kiosk.add", kiosk_id, None, {"kiosk": kiosk_id})
        return token

    @serialised
    def rotate_kiosk_token(self, actor: Actor, center_id: str, kiosk_id: str) -> str:
        """A new token; the old one is refused from this moment."""
        with self.shared.transaction():
            self._kiosk(actor, center_id, kiosk_id)
            token = self.desk.centers.rotate_token(kiosk_id)
            self._audit(actor, center_id, "kiosk.rotate", kiosk_id, None, None)
        return token

    @serialised
    def revoke_kiosk(self, actor: Actor, center_id: str, kiosk_id: str) -> None:
        with self.shared.transaction():
            self._kiosk(actor, center_id, kiosk_id)
            self.desk.centers.revoke_kiosk(kiosk_id)
            self._audit(actor, center_id, "kiosk.revoke", kiosk_id, {"revoked": False}, {"revoked": True})

    # -- staff accounts (the sub-district administrator) ----------------------------------------
    # Passwords and PINs are hashed before the store's lock is taken (argon2 75 ms, scrypt
    # more), as a sign-in checks one: no kiosk's push waits for them. Account changes are
    # audited without a center: they concern every center the person works in.
    @staticmethod
    def _admin(actor: Actor | None) -> None:
        if actor is not None and Role.ADMIN not in actor.roles:
            raise OfficeError("只有街道管理员可以管理工作人员账号", "forbidden")

    def _audit_staff(self, actor: Actor, action: str, staff_id: str, before, after) -> None:
        audit.write(self.shared, actor.staff_id, None, action, staff_id, before, after, address=actor.address)

    def _account(self, staff_id: str) -> dict:
        found = self.staff.account(staff_id)
        if found is None:
            raise OfficeError("没有这个工作人员账号", "not_found")
        return found

    def _roster_to_kiosks(self, staff_id: str, *accounts: dict) -> None:
        """The person's roster row to the kiosks of every center where they are (or were) on duty:
        where they no longer are, an inactive row without a PIN, so staff mode refuses them."""
        centers = {c for account in accounts if Role.DUTY in account["roles"] for c in account["centers"]}
        for center_id in sorted(centers):
            rows = self.staff.duty_roster(center_id, staff_id)
            row = rows[0] if rows else {"id": staff_id, "display_name": accounts[-1]["display_name"],
                                        "pin_hash": None, "locked_until": None, "active": 0}
            self.desk.feed.append(center_id, "staff", _row("staff", row))

    @staticmethod
    def _hashed(make, secret):
        try:
            return make(secret) if secret is not None else None
        except StaffError as exc:
            raise OfficeError(str(exc), field=exc.field) from None

    def add_staff(self, actor: Actor | None, staff_id: str, username: str, display_name: str, roles,
                  centers=(), password: str | None = None, pin: str | None = None) -> None:
        """actor None: the first administrator, made at the server's command line."""
        self._admin(actor)
        hashes = self._hashed(password_hash, password), self._hashed(staff_pin_hash, pin)
        with self.shared.lock, self.shared.transaction():
            if actor is None and self.shared.conn.execute("SELECT 1 FROM staff").fetchone() \
                    and "admin" not in roles:
                raise OfficeError("the command line adds administrators only once staff exist")
            try:
                self.staff.add(staff_id, username, display_name, roles, centers, *hashes)
            except StaffError as exc:
                raise OfficeError(str(exc), field=exc.field) from None
            audit.write(self.shared, actor.staff_id if actor else staff_id, None, "staff.add", staff_id,
                        None, {"username": username, "display_name": display_name, "roles": sorted(roles),
                               "centers": sorted(centers)},
                        address=actor.address if actor else "服务器命令行")
            self._roster_to_kiosks(staff_id, self._account(staff_id))  # the new member only

    @serialised
    def edit_staff(self, actor: Actor, staff_id: str, display_name: str, roles, centers) -> None:
        """Name, roles and centers; the kiosks of every center concerned learn the roster change."""
        self._admin(actor)
        with self.shared.transaction():
            before = self._account(staff_id)
            if staff_id == actor.staff_id and Role.ADMIN not in set(roles):
                raise OfficeError("不能去掉自己的街道管理员角色", field="roles")
            try:
                self.staff.update(staff_id, display_name, roles, centers)
            except StaffError as exc:
                raise OfficeError(str(exc), field=exc.field) from None
            after = self._account(staff_id)
            shown = ("display_name", "roles", "centers")
            self._audit_staff(actor, "staff.edit", staff_id, {k: before[k] for k in shown},
                              {k: after[k] for k in shown})
            self._roster_to_kiosks(staff_id, before, after)

    @serialised
    def set_staff_active(self, actor: Actor, staff_id: str, active: bool) -> None:
        """Deactivated: signed out, refused at sign-in and in staff mode at every kiosk."""
        self._admin(actor)
        with self.shared.transaction():
            before = self._account(staff_id)
            if staff_id == actor.staff_id:
                raise OfficeError("不能停用自己的账号")
            self.staff.set_active(staff_id, active)
            self._audit_staff(actor, "staff.reactivate" if active else "staff.deactivate", staff_id,
                              {"active": before["active"]}, {"active": bool(active)})
            self._roster_to_kiosks(staff_id, before)

    def reset_staff_password(self, actor: Actor, staff_id: str) -> str:
        """A new console password made by the server; returned to be shown once."""
        self._admin(actor)
        password = new_password()
        hashed = password_hash(password)
        with self.shared.lock, self.shared.transaction():
            self._account(staff_id)
            self.staff.set_password_hash(staff_id, hashed)
            self._audit_staff(actor, "staff.password", staff_id, None, None)
        return password

    def set_staff_pin(self, actor: Actor, staff_id: str) -> str:
        """A new on-duty PIN made by the server, to the kiosks of the person's centers through
        the feed; returned to be shown once."""
        self._admin(actor)
        pin = new_pin()
        hashed = staff_pin_hash(pin)
        with self.shared.lock, self.shared.transaction():
            account = self._account(staff_id)
            if Role.DUTY not in account["roles"]:
                raise OfficeError("只有值班员需要值班密码（先在角色里选上值班员）")
            self.staff.set_pin_hash(staff_id, hashed)
            self._audit_staff(actor, "staff.pin", staff_id, None, None)
            self._roster_to_kiosks(staff_id, account)
        return pin

    @serialised
    def unlock_staff(self, actor: Actor, staff_id: str) -> None:
        """After repeated wrong passwords or PINs: the count starts again, at once."""
        self._admin(actor)
        with self.shared.transaction():
            account = self._account(staff_id)
            self.staff.unlock(staff_id)
            self._audit_staff(actor, "staff.unlock", staff_id,
                              {"console_locked_until": account["password_locked_until"],
                               "duty_locked_until": account["pin_locked_until"]}, None)
            self._roster_to_kiosks(staff_id, account)

    @serialised
    def audit_history(self, actor: Actor, center_id: str, target: str | None = None) -> list[dict]:
        self._context(actor, center_id)
        return audit.history(self.shared, center_id, target)

