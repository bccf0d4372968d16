"""What each kind of pull-feed change may carry (pydantic, no Kivy).

The server checks every change against these before it enters a center's
feed, and the kiosk's replica checks again before it applies one: a row
that is too long, out of range or a malformed PIN hash never reaches a
screen, on either side's word alone.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from kiosk.lifecycle import BOOKING_STATES, HOLD_STATES, WISH_STATES
from kiosk.pins import pin_hash_problem
from sync.payloads import Day, Hours, Id, Name, Note, Phone, Points, Short, Stamp, Ticket


def _pin_hash(value: str) -> str:
    problem = pin_hash_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _one_of(states):
    def check(value: str) -> str:
        if value not in states:
            raise ValueError("unknown state")
        return value
    return check


PinHash = Annotated[str, AfterValidator(_pin_hash)]
Count = Annotated[int, Field(ge=0, le=100_000)]


class Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class BookingRow(Row):
    id: Id
    kind: Annotated[str, StringConstraints(pattern=r"^(study|books|counseling)$")]
    day: Day | None
    session: Annotated[str, StringConstraints(max_length=16)] | None
    seat: Annotated[int, Field(ge=1, le=999)] | None
    status: Annotated[str, AfterValidator(_one_of(BOOKING_STATES))]


class WishRow(Row):
    id: Id
    code: Annotated[str, StringConstraints(max_length=12)]
    # a private wish (public false) comes without its words and 张**: only its own kiosk has them
    display_name: Annotated[str, StringConstraints(max_length=21)] = ""
    category: Short
    text: Note = ""
    public: bool = True
    status: Annotated[str, AfterValidator(_one_of(WISH_STATES))]
    claimant: Short | None = None
    claimant_kind: Short | None = None
    reason: Note | None = None
    fulfilled_note: Note | None = None
    created_at: Stamp


class VolunteerRow(Row):
    id: Id
    number: Annotated[str, StringConstraints(max_length=20)]
    name: Name
    phone: Phone
    pin_hash: PinHash | None


class StaffRow(Row):
    id: Id
    display_name: Name
    pin_hash: PinHash | None
    locked_until: Stamp | None = None
    active: Annotated[int, Field(ge=0, le=1)]


class LedgerRow(Row):
    uid: Id
    volunteer_id: Id
    at: Stamp
    activity: Short
    hours: Hours
    points: Points
    reason: Note | None = None
    staff_id: Id | None = None
    reverses_uid: Id | None = None


class CatalogueRow(Row):
    id: Id
    item: Short
    points: Annotated[int, Field(ge=1, le=100_000)]
    stock: Count


class HoldRow(Row):
    id: Id
    volunteer_id: Id
    item_id: Id
    points: Annotated[int, Field(ge=1, le=100_000)]
    status: Annotated[str, AfterValidator(_one_of(HOLD_STATES))]
    created_at: Stamp | None = None
    closed_at: Stamp | None = None


LIMITS_KEY = "staff_limits"  # the kiosk's meta key for the last LimitsRow pulled


class LimitsRow(Row):
    """What one staff-mode service entry may carry (the office's center_limits;
    the defaults are the server's when the office set none)."""
    points_per_entry: Annotated[int, Field(ge=1, le=100_000)] = 50
    points_per_staff_day: Annotated[int, Field(ge=1, le=1_000_000)] = 300
    hours_per_entry: Annotated[float, Field(gt=0, le=24)] = 8.0


class CenterRow(Row):
    document: dict


class PauseRow(Row):
    message: Note | None


class ServerKeyRow(Row):
    public_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{43}=$")]


class DutyBooking(BookingRow):
    """A booking of today at any kiosk of the center, as on-duty staff read it
    from the server for 今日预约 and 恳谈室 (not a feed row: it is asked for with
    the staff member's PIN and kept in the kiosk's memory only). The phone comes
    masked (138****1234); its last four digits are what staff search by; a
    counseling request's topic and note only in the 恳谈室 list."""
    ticket: Ticket
    starts_at: Stamp | None
    created_at: Stamp
    name: Name
    phone: Annotated[str, StringConstraints(pattern=r"^([0-9]{3}\*{4}[0-9]{4}|\*{4})$")]
    child_name: Name | None = None
    child_age: Annotated[int, Field(ge=0, le=18)] | None = None
    topic: Short | None = None
    note: Note | None = None


DUTY_READ_MAX = 2000  # bookings in one answer: a center's day is a few hundred at most


class DutyToday(Row):
    bookings: Annotated[list[DutyBooking], Field(max_length=DUTY_READ_MAX)]
    truncated: bool = False  # more than DUTY_READ_MAX: the list says so


ROWS: dict[str, type[Row]] = {
    "booking": BookingRow, "wish.status": WishRow, "volunteer": VolunteerRow, "staff": StaffRow,
    "ledger": LedgerRow, "catalogue": CatalogueRow, "hold": HoldRow, "center": CenterRow,
    "bookings.pause": PauseRow, "server.key": ServerKeyRow, "limits": LimitsRow,
}


def checked(kind: str, data) -> dict:
    """The change's data if it may be carried; raises ValueError (pydantic's
    ValidationError is one) otherwise."""
    return ROWS[kind].model_validate(data).model_dump()
