"""Staff mode's core (no Kivy): the PIN against the pulled roster, the lock
per staff member, and the office's limits for service records."""
from datetime import datetime, timedelta

import pytest

from kiosk.passbook import Passbook
from kiosk.staff_session import StaffDesk, StaffError, expired
from kiosk.store import Store
from kiosk.validation import FieldError
from sync.replica import apply_change
from sync.sealing import SERVER_KEY
from tests.sync_server import DUTY_PIN, DUTY_PIN_HASH, staff_in_a_standalone_kiosk


class Clock:
    at = datetime(2026, 11, 27, 9, 0)

    def __call__(self):
        return self.at


@pytest.fixture
def store():
    s = Store(None)
    with s.transaction() as db:
        for staff_id, name, locked in (("duty-1", "王丽", None), ("duty-2", "刘敏", None),
                                       ("duty-3", "陈静", "2026-11-27T10:00:00")):
            db["staff_roster"].insert({"id": staff_id, "display_name": name, "pin_hash": DUTY_PIN_HASH,
                                       "locked_until": locked, "active": 1})
    s.set_meta(SERVER_KEY, staff_in_a_standalone_kiosk("duty-1").server_key)
    yield s
    s.close()


def test_five_wrong_pins_lock_that_member_only_and_the_lock_ends(store):
    clock = Clock()
    desk = StaffDesk(store, now=clock)
    for _ in range(4):
        with pytest.raises(StaffError) as exc:
            desk.sign_in("duty-1", "000000")
        assert exc.value.code == "wrong"
    with pytest.raises(StaffError) as exc:
        desk.sign_in("duty-1", "000000")
    assert exc.value.code == "locked" and "09:15" in exc.value.message
    with pytest.raises(StaffError) as exc:
        desk.sign_in("duty-1", DUTY_PIN)  # locked: even the right PIN waits
    assert exc.value.code == "locked"
    assert desk.sign_in("duty-2", DUTY_PIN).member.name == "刘敏"  # per member, not per kiosk
    assert desk.by_number("2").name == "刘敏"  # the staff number typed instead of choosing the name
    with pytest.raises(StaffError):
        desk.by_number("9")
    clock.at += timedelta(minutes=16)
    session = desk.sign_in("duty-1", DUTY_PIN)
    assert session.banner == "工作人员模式 · 王丽" and session.signer.staff_id == "duty-1"
    assert session.assisted == "工作人员代办 · 王丽"


def test_a_lock_the_server_sent_holds_here_and_staff_mode_ends_after_two_minutes(store):
    with pytest.raises(StaffError) as exc:
        StaffDesk(store, now=Clock()).sign_in("duty-3", DUTY_PIN)
    assert exc.value.code == "locked" and "10:00" in exc.value.message
    assert not expired(119.9) and expired(120)


def test_service_hours_become_points_inside_the_limits_the_feed_brought(store):
    with store.transaction() as db:
        db["volunteers"].insert({"id": "v1", "number": "LJY-0007", "name": "王芳", "phone": "13812345678"})
        apply_change(db.conn, {"kind": "limits", "data": {"points_per_entry": 30, "points_per_staff_day": 50,
                                                          "hours_per_entry": 4}})
    book = Passbook(store, now=Clock())
    assert book.find_volunteer("7")["id"] == book.find_volunteer("13812345678")["id"] == "v1"
    assert book.points_for("2.5", 10) == (2.5, 25)
    for typed, words in (("5", "每条记录最多 4 小时"), ("3.5", "超过每条 30 分的上限"), ("1.2", "半小时"),
                         ("abc", "请输入服务时长")):
        with pytest.raises(FieldError) as exc:
            book.points_for(typed, 10)
        assert words in exc.value.message
    staff = staff_in_a_standalone_kiosk("duty-1")
    book.record_service("v1", "助老服务", "3", 10, staff)
    with pytest.raises(FieldError) as exc:  # 30 + 30 > the 50 a staff member may give a day
        book.record_service("v1", "助老服务", "3", 10, staff)
    assert "每人每天最多 50 分" in exc.value.message
    assert book.summary("v1")["balance"] == 30 and store.pending_count() == 1
