"""Well-formed mutations of every registered type, as a kiosk of the test
center would send them, and a client that pushes them to the real server
process. The credential matrix and the attack tests build on these: each
attack is a good mutation with one thing changed."""
from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import requests

from kiosk.pins import hash_pin
from sync.protocol import push_body
from sync.sealing import seal_pin_change, seal_staff_proof
from sync.server import sealing
from tests.sync_server import DAY, DUTY, DUTY_PIN, DUTY_PIN_HASH, SERVER_NOW

STAMP = SERVER_NOW
PIN = "246810"
PIN_HASH = hash_pin(PIN)  # once: each costs 0.1-0.5 s
STAFF_PINS = {DUTY: DUTY_PIN, "duty-x": DUTY_PIN}
_counter = itertools.count(1)


def fresh(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4()}"


def set_up_center(server) -> None:
    """A volunteer with points and a PIN, a catalogue item with stock, a second
    center with its own kiosk and its own on-duty staff member."""
    office = server.office
    office.put_volunteer(server.clerk, "liujiaying", {"id": "v1", "number": "LJY-0001", "name": "王芳",
                                                      "phone": "13812345678", "pin_hash": PIN_HASH})
    office.add_ledger(server.clerk, "liujiaying", {"volunteer_id": "v1", "activity": "敬老院陪伴", "points": 1000})
    office.put_catalogue_item(server.clerk, "liujiaying", {"id": "pen", "item": "签字笔", "points": 1,
                                                           "stock": 1000})
    server.store.centers.add_center("xigu", "西固某社区服务中心")
    server.tokens["xigu-1"] = server.store.centers.add_kiosk("xigu-1", "xigu")
    office.add_staff(server.admin, "duty-x", "zhao", "赵强", {"duty"}, ["xigu"])
    with server.store.shared.transaction():  # the same PIN as this center's on-duty staff member
        server.store.db.execute("UPDATE staff SET pin_hash = ? WHERE id = 'duty-x'", [DUTY_PIN_HASH])


class Pusher:
    def __init__(self, server, kiosk: str = "lobby-1"):
        self.server, self.kiosk = server, kiosk

    def send(self, mutation_type: str, data: dict, pin: str | None = None) -> tuple[str, str | None]:
        """pin: the staff PIN sealed into a staff-mode mutation (default: the right one)."""
        mutation = {"id": fresh("m-"), "type": mutation_type, "created_at": STAMP, "data": data}
        if data.get("staff_id") and "staff_proof" not in data:
            data["staff_proof"] = seal_staff_proof(server_key(self.server), data["staff_id"],
                                                   pin or STAFF_PINS.get(data["staff_id"], "000000"), mutation["id"])
        response = requests.post(self.server.url + "/api/v1/push", json=push_body([mutation], 0),
                                 headers={"Authorization": f"Bearer {self.server.tokens[self.kiosk]}"},
                                 timeout=60)  # a PIN check is a PBKDF2 run: slow on a loaded machine
        response.raise_for_status()
        [result] = response.json()["results"]
        return result["status"], result.get("reason")


def phone() -> str:
    return f"139{next(_counter):08d}"


def study_booking(**change) -> dict:
    """A study seat: each call a new phone, and a new seat, session or day."""
    n = next(_counter)
    day = DAY + timedelta(days=(n // 24) % 7)
    session, start = [("morning", "08:30"), ("afternoon", "14:00"), ("evening", "19:00")][(n // 168) % 3]
    booking = {"id": fresh("b-"), "kind": "study", "day": day.isoformat(), "session": session,
               "seat": 1 + n % 24, "starts_at": f"{day.isoformat()}T{start}:00",
               "ticket": f"{n % 1_000_000:06d}", "name": "张三", "phone": phone(), "status": "booked",
               "created_at": STAMP}
    booking.update(change)
    return booking


def wish(**change) -> dict:
    record = {"id": fresh("w-"), "code": f"W{next(_counter) % 1_000_000:06d}", "name": "李四",
              "phone": "13912345678", "category": "其他", "text": "想参加书画交流", "consent": 1,
              "status": "submitted", "created_at": STAMP}
    record.update(change)
    return record


def ledger_entry(points: int = 20, **change) -> dict:
    entry = {"uid": fresh("e-"), "volunteer_id": "v1", "at": STAMP, "activity": "共享自习室值守",
             "hours": 2, "points": points}
    entry.update(change)
    return entry


def hold() -> dict:
    return {"id": fresh("h-"), "volunteer_id": "v1", "item_id": "pen", "points": 1, "status": "held",
            "created_at": STAMP}


def booked(server, **change) -> dict:
    """A study booking lobby-1 made and the server took."""
    booking = study_booking(**change)
    assert Pusher(server).send("booking.create", {"booking": booking}) == ("applied", None)
    return booking


def booked_yesterday(server) -> dict:
    """Yesterday morning's study booking of lobby-1, made then (offline) and sent today."""
    yesterday = (DAY - timedelta(days=1)).isoformat()
    return booked(server, day=yesterday, session="morning", starts_at=f"{yesterday}T08:30:00",
                  created_at=f"{yesterday}T08:00:00")


def no_show(server) -> dict:
    """Yesterday's study booking of lobby-1, released as a no-show (by the server's clock)."""
    booking = booked_yesterday(server)
    assert Pusher(server).send("booking.no_show", change_of(booking, "no_show")) == ("applied", None)
    return booking


def change_of(booking: dict, status: str, **extra) -> dict:
    return {"id": booking["id"], "ticket": booking["ticket"], "status": status, **extra}


def server_key(server) -> str:
    with server.store.shared.lock:
        return sealing.ensure_key(server.store.shared.conn)


def sealed(server, old: str, new: str, volunteer: str = "v1") -> str:
    return seal_pin_change(server_key(server), volunteer, old, new)


# type -> (server, staff_id or None) -> data: a mutation the sending kiosk may rightly make
GOOD = {
    "booking.create": lambda s, st: {"booking": study_booking(), "staff_id": st},
    "booking.cancel": lambda s, st: cancel(booked(s), st),
    "checkin.create": lambda s, st: change_of(booked(s), "checked_in", staff_id=st),
    "booking.no_show": lambda s, st: change_of(booked_yesterday(s), "no_show", staff_id=st),
    "booking.promote": lambda s, st: change_of(booked(s), "booked", staff_id=st),
    "booking.reinstate": lambda s, st: change_of(no_show(s), "booked", reason="本机时钟不准误判为未到",
                                                 staff_id=st),
    "booking.lift_block": lambda s, st: {"phone": "13812345678", "reason": "家中有事，已说明", "staff_id": st},
    "wish.create": lambda s, st: {"wish": wish(), "staff_id": st},
    "wish.status": lambda s, st: {"id": "any", "status": "approved"},
    "volunteer.pin": lambda s, st: {"id": "v1", "pin_hash": hash_pin("111111")},
    "volunteer.pin_change": lambda s, st: {"id": "v1", "sealed": sealed(s, PIN, PIN)},
    "ledger.add": lambda s, st: dict(ledger_entry(), staff_id=st),
    "ledger.reverse": lambda s, st: reversal(s, st),
    "redemption.request": lambda s, st: {"hold": hold(), "staff_id": st},
    "redemption.handover": lambda s, st: {"hold": held(s), "entry": {"uid": fresh("e-"), "at": STAMP},
                                          "staff_id": st},
    "redemption.withdraw": lambda s, st: {"hold": held(s), "volunteer_id": "v1", "staff_id": st},
}


def reversal(server, staff_id) -> dict:
    """Undo a 20-point entry staff made earlier at this kiosk."""
    entry = ledger_entry()
    assert Pusher(server).send("ledger.add", dict(entry, staff_id=DUTY)) == ("applied", None)
    return dict(ledger_entry(-20, hours=-2, reverses_uid=entry["uid"], reason="录错了"), staff_id=staff_id)


def held(server) -> str:
    h = hold()
    assert Pusher(server).send("redemption.request", {"hold": h}) == ("applied", None)
    return h["id"]


def cancel(booking: dict, staff_id=None) -> dict:
    """The resident's cancellation: the ticket and the phone's last four."""
    return change_of(booking, "cancelled", last4=booking["phone"][-4:], staff_id=staff_id)
