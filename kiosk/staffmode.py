"""The on-duty staff member behind a staff-mode change (no Kivy).

Staff mode opens with the staff member's PIN (checked against the roster's
hash). The PIN then stays in memory for the session only, and each change
made in it carries the PIN sealed to the server's key for that one mutation,
so the server can tell that a person, not just a kiosk token, made it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sync.sealing import seal_duty_proof, seal_staff_proof


@dataclass(frozen=True)
class OnDuty:
    staff_id: str
    pin: str = field(repr=False)
    server_key: str = field(repr=False)  # from the pull feed (sync.sealing.SERVER_KEY)

    def sign(self, mutation_id: str) -> dict:
        """What a staff-mode mutation's data carries besides its own fields."""
        return {"staff_id": self.staff_id,
                "staff_proof": seal_staff_proof(self.server_key, self.staff_id, self.pin, mutation_id)}

    def sign_read(self, challenge: str) -> dict:
        """What a read of today's bookings carries: the PIN sealed for the server's challenge."""
        return {"staff_id": self.staff_id,
                "staff_proof": seal_duty_proof(self.server_key, self.staff_id, self.pin, challenge)}
