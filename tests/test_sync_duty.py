"""今日预约 across kiosks: on-duty staff at one kiosk read every kiosk's
bookings of today from the server with their own PIN (sealed for a challenge
the server issued), and act on them. Against the real server process on
loopback, and an in-process store where the server's clock must move."""
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kiosk.bookings import Bookings
from kiosk.staffmode import OnDuty
from sync.client import ServerLink, StaffRefused
from sync.protocol import push_body
from sync.server.storage import ServerStore
from tests.sync_server import CENTER, DAY, DUTY, DUTY_PIN, NOW, on_duty


@pytest.fixture
def server(running_server):
    return running_server


def made_at_the_other_kiosk(kiosks):
    """Bookings of today made at lobby-2 and synced; lobby-1 has pulled (roster, key, places)."""
    (here, here_client), (there, there_client) = kiosks
    at_there = Bookings(there, CENTER, now=NOW)
    seat = at_there.book_study(DAY, "morning", 7, "李娜", "13900001111")
    talk = at_there.request_counseling("婚姻家庭", None, "赵敏", "13700002222", "想聊聊家里的事", True)
    at_there.book_study(at_there.open_days()[1], "morning", 8, "周强", "13600003333")  # not today
    there_client.cycle()
    here_client.cycle()
    return here, here_client, seat, talk


def link(server, kiosk="lobby-1") -> ServerLink:
    return ServerLink(server.url, server.tokens[kiosk], timeout=60)


def audited(server) -> list[tuple]:
    with sqlite3.connect(server.db) as db:
        return db.execute("SELECT staff_id, kiosk_id, target FROM audit WHERE action = 'duty.today'").fetchall()


def test_staff_read_every_kiosks_bookings_of_today_with_the_phone_masked(server, kiosks):
    here, _client, seat, talk = made_at_the_other_kiosk(kiosks)
    answer = link(server).duty_today(on_duty(here))
    found = {b["id"]: b for b in answer["bookings"]}
    assert set(found) == {seat["id"], talk["id"]} and not answer["truncated"]  # today's only
    assert found[seat["id"]]["name"] == "李娜" and found[seat["id"]]["phone"] == "139****1111"
    assert found[seat["id"]]["ticket"] == seat["ticket"] and found[seat["id"]]["seat"] == 7
    assert "13900001111" not in repr(answer)
    assert found[talk["id"]]["topic"] is None  # topics go to the 恳谈室 list only
    talks = link(server).duty_today(on_duty(here), "counseling")["bookings"]
    assert [(b["id"], b["topic"], b["note"]) for b in talks] == [(talk["id"], "婚姻家庭", "想聊聊家里的事")]
    assert audited(server) == [(DUTY, "lobby-1", "bookings"), (DUTY, "lobby-1", "counseling")]


def post_read(server, body: dict, kiosk="lobby-1") -> requests.Response:
    return requests.post(f"{server.url}/api/v1/duty/today", json=body, timeout=60,
                         headers={"Authorization": f"Bearer {server.tokens[kiosk]}"})


def challenge(server, kiosk="lobby-1") -> str:
    return link(server, kiosk).call("POST", "/api/v1/duty/challenge")["challenge"]


def refused(answer: requests.Response) -> bool:
    return answer.status_code == 403 and answer.json()["type"].endswith("/staff-refused") \
        and "李娜" not in answer.text


def test_a_kiosk_token_alone_a_wrong_pin_or_a_replay_reads_nothing(server, kiosks):
    here, _client, *_ = made_at_the_other_kiosk(kiosks)
    staff = on_duty(here)
    with pytest.raises(StaffRefused):
        link(server).duty_today(OnDuty(DUTY, "000000", staff.server_key))
    with sqlite3.connect(server.db) as db:  # the wrong PIN counts against the person, at any kiosk
        assert db.execute("SELECT pin_failures FROM staff WHERE id = ?", [DUTY]).fetchone()[0] == 1
    with pytest.raises(StaffRefused):  # someone not on duty at this center
        link(server).duty_today(OnDuty("office-1", DUTY_PIN, staff.server_key))

    issued = challenge(server)
    body = {"challenge": issued, **staff.sign_read(issued)}
    assert post_read(server, body).status_code == 200
    assert refused(post_read(server, body))  # the same challenge and proof, replayed
    other = challenge(server)
    assert refused(post_read(server, dict(body, challenge=other)))  # a proof is for its own challenge
    theirs = challenge(server, "lobby-2")
    assert refused(post_read(server, {"challenge": theirs, **staff.sign_read(theirs)}))  # another kiosk's
    assert refused(post_read(server, {"challenge": "made-up", **staff.sign_read("made-up")}))
    nobody = requests.post(f"{server.url}/api/v1/duty/today", json=body, timeout=60)
    assert nobody.status_code == 401
    assert len(audited(server)) == 1  # only the one read that was answered


def test_a_mutations_proof_is_no_reads_and_a_reads_proof_signs_no_mutation(server, kiosks):
    here, here_client, seat, _talk = made_at_the_other_kiosk(kiosks)
    staff = on_duty(here)
    Bookings(here, CENTER, now=NOW).lift_block("13900001111", "已电话说明", staff)
    signed = here.pending()[-1]
    here_client.cycle()
    # what the outbox keeps of a sent mutation: not its proof
    assert "staff_proof" not in here.db.execute("SELECT payload FROM outbox WHERE mutation_id = ?",
                                                [signed["mutation_id"]]).fetchone()[0]
    issued = challenge(server)
    proof = signed["payload"]["staff_proof"]  # as it was before it was sent
    assert refused(post_read(server, {"challenge": issued, "staff_id": DUTY, "staff_proof": proof}))

    issued = challenge(server)
    read_proof = staff.sign_read(issued)["staff_proof"]
    forged = {"id": issued, "type": "checkin.create", "created_at": "2026-11-27T07:00:00+00:00",
              "data": {"id": seat["id"], "ticket": seat["ticket"], "status": "checked_in",
                       "staff_id": DUTY, "staff_proof": read_proof}}
    answer = requests.post(f"{server.url}/api/v1/push", json=push_body([forged], 1), timeout=60,
                           headers={"Authorization": f"Bearer {server.tokens['lobby-1']}",
                                    "Content-Type": "application/json"})
    assert answer.json()["results"][0]["reason"] == "staff_proof"


def test_other_centers_deactivated_or_locked_staff_read_nothing(server, kiosks):
    here, _client, *_ = made_at_the_other_kiosk(kiosks)
    staff = on_duty(here)
    server.store.centers.add_center("xigu", "西固社区")
    far = ServerLink(server.url, server.store.centers.add_kiosk("xigu-1", "xigu"), timeout=60)
    with pytest.raises(StaffRefused):  # a kiosk of another center, with this center's staff member
        far.duty_today(staff)
    with sqlite3.connect(server.db) as db:
        db.execute("UPDATE staff SET pin_locked_until = '2099-01-01T00:00:00+00:00' WHERE id = ?", [DUTY])
    with pytest.raises(StaffRefused):  # locked elsewhere: the right PIN does not open it
        link(server).duty_today(staff)
    with sqlite3.connect(server.db) as db:
        db.execute("UPDATE staff SET pin_locked_until = NULL WHERE id = ?", [DUTY])
    server.office.set_staff_active(server.admin, DUTY, False)
    with pytest.raises(StaffRefused):
        link(server).duty_today(staff)
    assert audited(server) == []


def test_a_challenge_is_answered_within_two_minutes_by_the_servers_clock(tmp_path):
    from sync.server.sealing import ensure_key
    from tests.sync_server import DUTY_PIN_HASH
    clock = [datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)]
    store = ServerStore(tmp_path / "s.db", now=lambda: clock[0])
    store.centers.add_center("liujiaying", "柳家营社区党群服务中心")
    store.centers.add_kiosk("lobby-1", "liujiaying")
    store.office.add_staff(None, DUTY, "wang", "王丽", {"duty"}, ["liujiaying"])
    with store.shared.transaction():
        store.db.execute("UPDATE staff SET pin_hash = ? WHERE id = ?", [DUTY_PIN_HASH, DUTY])
    kiosk = store.db["kiosks"].get("lobby-1")
    staff = OnDuty(DUTY, DUTY_PIN, ensure_key(store.shared.conn))
    issued = store.duty.challenge(kiosk)
    clock[0] += timedelta(minutes=2, seconds=1)
    assert store.duty.read(kiosk, DUTY, issued, staff.sign_read(issued)["staff_proof"], "bookings") is None
    issued = store.duty.challenge(kiosk)
    clock[0] += timedelta(minutes=1)
    assert store.duty.read(kiosk, DUTY, issued, staff.sign_read(issued)["staff_proof"], "bookings") == \
        {"bookings": [], "truncated": False}
    store.close()


@pytest.mark.parametrize("body, status", [
    ({}, 422), ({"staff_id": DUTY, "challenge": "x" * 65, "staff_proof": "a"}, 422),
    ({"staff_id": ["duty-1"], "challenge": "r", "staff_proof": "a"}, 422),
    ({"staff_id": DUTY, "challenge": "r", "staff_proof": "a" * 5000}, 422),
    ({"staff_id": DUTY, "challenge": "r", "staff_proof": "a", "list": "everything"}, 422),
    ({"staff_id": DUTY, "challenge": "r", "staff_proof": "not base64 !"}, 403),
])
def test_malformed_reads_are_refused_without_a_server_error(server, body, status):
    answer = post_read(server, body)
    assert answer.status_code == status and answer.headers["content-type"].startswith("application/problem+json")


def test_staff_check_in_another_kiosks_booking_and_the_server_keeps_it(server, kiosks):
    here, here_client, seat, _talk = made_at_the_other_kiosk(kiosks)
    staff = on_duty(here)
    desk = Bookings(here, CENTER, now=NOW)
    others = link(server).duty_today(staff)["bookings"]
    shown = next(b for b in desk.today(seat["ticket"], others))
    assert shown["remote"] and shown["name"] == "李娜"
    assert desk.today("1111", others) == [shown]  # the phone's last four find it too
    assert desk.staff_check_in(shown, staff)["status"] == "checked_in"
    # until it is sent, the list shows it done, whatever the server's answer of before says
    assert next(b for b in desk.today(seat["ticket"], others))["status"] == "checked_in"
    assert here.db["remote_bookings"].get(seat["id"])["status"] == "booked"  # the server decides
    here_client.cycle()
    assert here.pending_count() == 0 and not here.db.execute(
        "SELECT 1 FROM outbox WHERE state = 'rejected'").fetchone()
    with sqlite3.connect(server.db) as db:
        assert db.execute("SELECT status FROM bookings WHERE id = ?", [seat["id"]]).fetchone()[0] == "checked_in"
        assert db.execute("SELECT staff_id, kiosk_id FROM audit WHERE action = 'checkin.create'").fetchall() == \
            [(DUTY, "lobby-1")]
    assert here.db["remote_bookings"].get(seat["id"])["status"] == "checked_in"  # the feed's word
    again = next(b for b in desk.today(seat["ticket"], link(server).duty_today(staff)["bookings"]))
    assert again["status"] == "checked_in"


def test_a_booking_cancelled_here_and_not_yet_sent_stays_cancelled_in_the_list(server, kiosks):
    (here, here_client), _ = kiosks
    desk = Bookings(here, CENTER, now=NOW)
    mine = desk.book_study(DAY, "morning", 9, "王芳", "13811112222")
    here_client.cycle()
    others = link(server).duty_today(on_duty(here))["bookings"]
    desk.cancel(mine["ticket"], "2222")  # not sent yet: the server's copy still says booked
    assert [b["id"] for b in others] == [mine["id"]]
    assert desk.today("", others) == []
