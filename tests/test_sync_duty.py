"""今日预约 across kiosks: on-duty staff at one kiosk read every kiosk's
bookings of today from the server with their own PIN, and act on them
(against the real server process on loopback)."""
import sqlite3
import uuid

import pytest
import requests

from kiosk.bookings import Bookings
from kiosk.staffmode import OnDuty
from sync.client import ServerLink, StaffRefused
from tests.sync_server import CENTER, DAY, DUTY, DUTY_PIN, NOW, on_duty


@pytest.fixture
def server(running_server):
    return running_server


def made_at_the_other_kiosk(kiosks):
    """Bookings of today made at lobby-2 and synced; lobby-1 has pulled once (roster, key)."""
    (here, here_client), (there, there_client) = kiosks
    at_there = Bookings(there, CENTER, now=NOW)
    seat = at_there.book_study(DAY, "morning", 7, "李娜", "13900001111")
    talk = at_there.request_counseling("婚姻家庭", None, "赵敏", "13700002222",
                                       "想聊聊家里的事", True)
    tomorrow = at_there.book_study(at_there.open_days()[1], "morning", 8, "周强", "13600003333")
    there_client.cycle()
    here_client.cycle()
    return here, here_client, seat, talk, tomorrow


def link(server, kiosk="lobby-1") -> ServerLink:
    return ServerLink(server.url, server.tokens[kiosk], timeout=60)


def test_staff_read_every_kiosks_bookings_of_today_with_the_phone_masked(server, kiosks):
    here, _client, seat, talk, tomorrow = made_at_the_other_kiosk(kiosks)
    found = {b["id"]: b for b in link(server).duty_today(on_duty(here))}
    assert set(found) == {seat["id"], talk["id"]}  # today's only
    assert found[seat["id"]]["name"] == "李娜" and found[seat["id"]]["phone"] == "139****1111"
    assert found[seat["id"]]["ticket"] == seat["ticket"] and found[seat["id"]]["seat"] == 7
    assert (found[talk["id"]]["topic"], found[talk["id"]]["note"]) == ("婚姻家庭", "想聊聊家里的事")
    assert "13900001111" not in repr(found)
    with sqlite3.connect(server.db) as db:  # who read it is in the office's audit
        assert db.execute("SELECT staff_id, kiosk_id FROM audit WHERE action = 'duty.today'").fetchall() == \
            [(DUTY, "lobby-1")]


def test_a_kiosk_token_alone_or_a_wrong_pin_or_a_replay_reads_nothing(server, kiosks):
    here, _client, *_ = made_at_the_other_kiosk(kiosks)
    staff = on_duty(here)
    with pytest.raises(StaffRefused):
        link(server).duty_today(OnDuty(DUTY, "000000", staff.server_key))
    with sqlite3.connect(server.db) as db:  # the wrong PIN counts against the person, at any kiosk
        assert db.execute("SELECT pin_failures FROM staff WHERE id = ?", [DUTY]).fetchone()[0] == 1
    with pytest.raises(StaffRefused):  # someone not on duty at this center
        link(server).duty_today(OnDuty("office-1", DUTY_PIN, staff.server_key))
    request_id = str(uuid.uuid4())
    body = {"request": request_id, **staff.sign(request_id)}
    url = f"{server.url}/api/v1/duty/today"
    headers = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}
    first = requests.post(url, json=body, headers=headers, timeout=60)
    again = requests.post(url, json=body, headers=headers, timeout=60)  # the same sealed proof, replayed
    assert first.status_code == 200 and again.status_code == 403
    assert again.json()["type"].endswith("/staff-refused") and "李娜" not in again.text
    other = requests.post(url, json=dict(body, request=str(uuid.uuid4())), headers=headers, timeout=60)
    assert other.status_code == 403  # a proof sealed for one request is not another's
    nobody = requests.post(url, json=body, timeout=60)
    assert nobody.status_code == 401


@pytest.mark.parametrize("body", [
    {}, {"staff_id": DUTY, "request": "x" * 65, "staff_proof": "a"},
    {"staff_id": DUTY, "request": "r", "staff_proof": "not base64 !"},
    {"staff_id": ["duty-1"], "request": "r", "staff_proof": "a"},
    {"staff_id": DUTY, "request": "r", "staff_proof": "a" * 5000},
])
def test_malformed_reads_are_refused_without_a_server_error(server, body):
    answer = requests.post(f"{server.url}/api/v1/duty/today", json=body, timeout=60,
                           headers={"Authorization": f"Bearer {server.tokens['lobby-1']}"})
    assert answer.status_code in (403, 422) and answer.headers["content-type"].startswith(
        "application/problem+json")


def test_staff_check_in_another_kiosks_booking_and_the_server_keeps_it(server, kiosks):
    here, here_client, seat, _talk, _tomorrow = made_at_the_other_kiosk(kiosks)
    staff = on_duty(here)
    desk = Bookings(here, CENTER, now=NOW)
    others = link(server).duty_today(staff)
    shown = next(b for b in desk.today(seat["ticket"], others))
    assert shown["remote"] and shown["name"] == "李娜"
    assert desk.today("1111", others) == [shown]  # the phone's last four find it too
    moved = desk.staff_check_in(shown, staff)
    assert moved["status"] == "checked_in"
    here_client.cycle()
    assert here.pending_count() == 0 and not here.db.execute(
        "SELECT 1 FROM outbox WHERE state = 'rejected'").fetchone()
    with sqlite3.connect(server.db) as db:
        assert db.execute("SELECT status FROM bookings WHERE id = ?", [seat["id"]]).fetchone()[0] == "checked_in"
        assert db.execute("SELECT staff_id, kiosk_id FROM audit WHERE action = 'checkin.create'").fetchall() == \
            [(DUTY, "lobby-1")]
    assert here.db["remote_bookings"].get(seat["id"])["status"] == "checked_in"
    again = next(b for b in desk.today(seat["ticket"], link(server).duty_today(staff)))
    assert again["status"] == "checked_in"
