"""What on-duty staff at a kiosk read from the server (no Kivy): today's
bookings at every kiosk of the center, for 今日预约 and 恳谈室 in staff mode.

A kiosk holds only its own residents' names and phones; a resident who
booked at the other kiosk stands at this one's desk too. So staff ask the
server. A kiosk token alone reads nothing personal: the kiosk first gets a
challenge, the staff member's PIN is sealed for it (sync.sealing
.seal_duty_proof, which no mutation's proof can pass for), and the server
answers it once, within minutes, after the PIN check that counts towards the
person's lockout. Every read is in the office's audit, every refusal in the
log (its reason only). The answer is the minimum the list needs: the name,
the phone masked, a counseling request's topic and note only for 恳谈室.
"""
from __future__ import annotations

import json
import logging

from pydantic import ValidationError

from kiosk.lifecycle import AT_THE_DESK, HOLDS_PLACE
from kiosk.pins import verify_pin
from kiosk.validation import mask_phone
from sync.rows import DUTY_READ_MAX, DutyBooking
from sync.server import audit
from sync.server.challenges import DUTY, Challenges
from sync.server.sealing import open_duty_proof
from sync.server.shared import Shared
from sync.server.staff import StaffAccounts

log = logging.getLogger("server.duty")
ACTION = "duty.today"
_PERSON = ("ticket", "created_at", "name", "child_name", "child_age")
_COUNSELING = ("topic", "note")


class DutyDesk:
    def __init__(self, shared: Shared, staff: StaffAccounts, challenges: Challenges):
        self.shared, self.staff, self.challenges = shared, staff, challenges

    def challenge(self, kiosk: dict) -> str:
        return self.challenges.issue(kiosk, DUTY)

    def read(self, kiosk: dict, staff_id: str, challenge: str, proof: str, which: str) -> dict | None:
        """{bookings, truncated} of today for the kiosk's center, or None (refused,
        logged with the reason). The PIN's hash is checked outside the store's lock,
        as a console sign-in's password is."""
        center_id, conn = kiosk["center_id"], self.shared.conn
        with self.shared.lock, self.shared.transaction():
            if not self.challenges.take(kiosk, challenge, DUTY):
                return self._refused("challenge", kiosk)
            if self.staff.on_duty(center_id, staff_id) is None:
                return self._refused("not_on_duty", kiosk)
            pin = open_duty_proof(conn, proof, staff_id, challenge)
            if pin is None:
                return self._refused("proof", kiosk)
            stored = self.staff.pin_hash_to_check(staff_id)
        matched = stored is not None and verify_pin(pin, stored)
        with self.shared.lock, self.shared.transaction():
            if stored is None or not self.staff.note_pin(staff_id, matched):
                return self._refused("pin", kiosk)
            audit.write(self.shared, staff_id, center_id, ACTION, which, kiosk_id=kiosk["id"])
            return today_bookings(conn, center_id, self.shared.local_now().date().isoformat(), which)

    @staticmethod
    def _refused(reason: str, kiosk: dict) -> None:
        log.warning("duty read refused for kiosk %s: %s", kiosk["id"], reason)
        return None


def today_bookings(conn, center_id: str, today: str, which: str) -> dict:
    """Today's bookings of the center (and the counseling requests without a slot
    made today), by start: every kind for 今日预约, counseling only for 恳谈室."""
    states = HOLDS_PLACE if which == "counseling" else AT_THE_DESK
    kinds = ("counseling",) if which == "counseling" else ("study", "books", "counseling")
    rows = conn.execute(
        f"SELECT id, kind, day, session, seat, status, data FROM bookings WHERE center_id = ? "
        f"AND status IN ({', '.join('?' * len(states))}) AND kind IN ({', '.join('?' * len(kinds))}) AND "
        "(day = ? OR (kind = 'counseling' AND day IS NULL "
        "AND substr(json_extract(data, '$.created_at'), 1, 10) = ?)) "
        "ORDER BY json_extract(data, '$.starts_at'), kind, seat, rowid LIMIT ?",
        [center_id, *states, *kinds, today, today, DUTY_READ_MAX + 1]).fetchall()
    fields = _PERSON + (_COUNSELING if which == "counseling" else ())
    out = []
    for booking_id, kind, day, session, seat, status, data in rows[:DUTY_READ_MAX]:
        stored = json.loads(data)
        row = {"id": booking_id, "kind": kind, "day": day, "session": session, "seat": seat,
               "status": status, "starts_at": stored.get("starts_at"),
               "phone": mask_phone(stored.get("phone") or ""), **{key: stored.get(key) for key in fields}}
        try:
            out.append(DutyBooking.model_validate(row).model_dump())  # the shape the kiosk checks too
        except ValidationError:  # one odd stored row does not cost the desk its list
            log.warning("duty read: booking %s skipped, it does not fit the answer", booking_id)
    return {"bookings": out, "truncated": len(rows) > DUTY_READ_MAX}
