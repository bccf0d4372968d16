"""What each mutation's data may hold: types and limits (pydantic, no Kivy).

Strict: a number is not a string, a list is not an id, a digit is ASCII
(a pattern's \\d would take any script's digits: ٣, ３). Bounded: every text
has a length the kiosk's own forms could produce, every integer a range, so
nothing the server stores (and fans out to other kiosks) can be huge. Unknown
keys are dropped; the server keeps only what is declared here. The meaning
of a field (a phone in its normal form, a day in the booking window) is
checked afterwards by the appliers with the kiosk's own validation.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints



def _iso_datetime(text: str) -> str:
    datetime.fromisoformat(text)  # ValueError: refused as invalid
    return text


def _iso_date(text: str) -> str:
    date.fromisoformat(text)
    return text


Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Stamp = Annotated[str, StringConstraints(max_length=32), AfterValidator(_iso_datetime)]
Day = Annotated[str, StringConstraints(max_length=10), AfterValidator(_iso_date)]
Name = Annotated[str, StringConstraints(max_length=20)]
Phone = Annotated[str, StringConstraints(max_length=11)]
Ticket = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Short = Annotated[str, StringConstraints(max_length=40)]
Note = Annotated[str, StringConstraints(max_length=200)]
Points = Annotated[int, Field(ge=-100_000, le=100_000)]  # far above any limit; far below overflow
Hours = Annotated[float, Field(ge=-24, le=24)]


class Payload(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class StaffMade(Payload):
    """A mutation made in the kiosk's staff mode names the staff member and
    carries their PIN sealed to the server's key for this mutation (sync/sealing.py)."""
    staff_id: Id | None = None
    staff_proof: Annotated[str, StringConstraints(max_length=400)] | None = None


class BookingRecord(Payload):
    id: Id
    kind: Literal["study", "books", "counseling"]
    day: Day | None = None
    session: Annotated[str, StringConstraints(max_length=16)] | None = None
    seat: Annotated[int, Field(ge=1, le=999)] | None = None
    starts_at: Stamp | None = None
    ticket: Ticket
    name: Name
    phone: Phone
    child_name: Name | None = None
    child_age: Annotated[int, Field(ge=0, le=18)] | None = None
    topic: Short | None = None
    note: Note | None = None
    status: Literal["booked", "waiting"]
    created_at: Stamp


class BookingCreate(StaffMade):
    booking: BookingRecord


class BookingChange(StaffMade):
    """Cancel, check-in, no-show, promotion: by the booking's id and ticket."""
    id: Id
    ticket: Ticket
    status: Annotated[str, StringConstraints(max_length=16)]
    last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None


class NoShowUndo(BookingChange):
    """撤销未到: back to booked, with staff's reason for the office's audit."""
    reason: Note


class LiftBlock(StaffMade):
    phone: Phone
    reason: Note | None = None


class WishRecord(Payload):
    id: Id
    code: Annotated[str, StringConstraints(pattern=r"^W[0-9]{6}$")]
    name: Name
    phone: Phone
    category: Short
    text: Note
    consent: Literal[0, 1, False, True]  # whether it may go on the wall; 0: staff only
    status: Literal["submitted"]
    created_at: Stamp


class WishCreate(StaffMade):
    wish: WishRecord


class WishChange(Payload):
    id: Id
    status: Short
    claimant: Short | None = None
    claimant_kind: Literal["party_member", "member_unit"] | None = None
    claimant_contact: Short | None = None  # the office's only: never in the feed
    reason: Note | None = None
    fulfilled_note: Note | None = None


class PinHash(Payload):
    id: Id
    pin_hash: Annotated[str, StringConstraints(max_length=200)]


class PinChange(StaffMade):
    """A volunteer's new PIN with the current one, sealed to the server's key:
    no PIN is readable in the kiosk's outbox, and only the server checks it."""
    id: Id
    sealed: Annotated[str, StringConstraints(max_length=400)]


class LedgerEntry(StaffMade):
    uid: Id
    volunteer_id: Id
    at: Stamp
    activity: Short
    hours: Hours = 0
    points: Points
    reason: Note | None = None
    reverses_uid: Id | None = None


class HoldRecord(Payload):
    id: Id
    volunteer_id: Id
    item_id: Id
    created_at: Stamp


class RedemptionRequest(StaffMade):
    hold: HoldRecord


class Withdrawal(StaffMade):
    """The volunteer no longer wants an item still waiting for them: their points come back."""
    hold: Id
    volunteer_id: Id  # whose request it is: another volunteer's is not theirs to withdraw


class HandoverEntry(Payload):
    uid: Id
    at: Stamp


class Handover(StaffMade):
    hold: Id
    entry: HandoverEntry

