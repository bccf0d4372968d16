"""爱心储蓄存折 sign-in checked by the real server process on loopback: wrong
tries counted for the volunteer across kiosks, the same answer for an unknown
phone, a wrong PIN and a lock, the server's hash upgraded and sent to kiosks,
this kiosk's own check and count when the server is out of reach, and a
sign-in that cannot be sent twice (a one-time challenge, its own seal)."""
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kiosk.passbook import SIGN_IN_FAILED, Passbook, PassbookError
from kiosk.pins import hash_pin, verify_pin
from sync import sealing as seal
from sync.client import ServerLink
from sync.sealing import SERVER_KEY, seal_duty_proof, seal_passbook_sign_in, seal_staff_proof
from sync.server.passbook import ChallengeRefused
from sync.server.sealing import ensure_key
from sync.server.storage import ServerStore
from tests.pushes import server_key
from tests.sync_server import DUTY, NOW
from tests.test_passbook import legacy_hash

PHONE, PIN = "13812345678", "246810"


@pytest.fixture
def center(running_server, kiosks):
    """A volunteer whose PIN hash is one made before scrypt, known to both kiosks."""
    running_server.office.put_volunteer(running_server.clerk, "liujiaying", {
        "id": "v1", "number": "LJY-0001", "name": "王芳", "phone": PHONE, "pin_hash": legacy_hash(PIN)})
    books = []
    for (store, client), name in zip(kiosks, ("lobby-1", "lobby-2")):
        client.cycle()
        books.append(Passbook(store, now=NOW, server=ServerLink(running_server.url, running_server.tokens[name],
                                                                timeout=60)))
    return running_server, books


def refused(book, phone, pin) -> tuple[str, str]:
    with pytest.raises(PassbookError) as exc:
        book.sign_in(phone, pin)
    return exc.value.code, exc.value.message


def server_volunteer(server) -> tuple:
    with sqlite3.connect(server.db) as db:
        return db.execute("SELECT pin_failures, pin_locked_until, pin_hash FROM volunteers WHERE id = 'v1'").fetchone()


def test_wrong_pins_count_across_kiosks_and_every_refusal_reads_the_same(center):
    server, (here, there) = center
    same = ("failed", SIGN_IN_FAILED)
    assert refused(here, "13900000000", PIN) == same  # nobody has this phone, at the server either
    for _ in range(3):
        assert refused(here, PHONE, "000000") == same
    for _ in range(2):
        assert refused(there, PHONE, "000000") == same  # the fifth in all, at the other kiosk
    failures, locked_until, _ = server_volunteer(server)
    assert locked_until and failures == 5  # locked for the volunteer, not for a kiosk
    assert there.store.db["volunteers"].get("v1")["locked_until"] is None  # lobby-2 saw only two
    assert refused(there, PHONE, PIN) == same  # the right PIN waits at every kiosk, and nothing says why
    assert refused(here, PHONE, PIN) == same
    assert server_volunteer(server)[0] == 5  # tries during the lock are not counted


def test_the_server_upgrades_its_hash_on_a_right_pin_and_the_kiosks_receive_it(center, kiosks):
    server, (here, _there) = center
    assert refused(here, PHONE, "000000") == ("failed", SIGN_IN_FAILED)
    assert server_volunteer(server)[0] == 1
    assert here.sign_in(PHONE, PIN)["id"] == "v1"
    failures, _, stored = server_volunteer(server)
    assert failures == 0 and stored.startswith("scrypt$131072$8$1$") and verify_pin(PIN, stored)
    (_, client_here), (store_there, client_there) = kiosks
    client_there.cycle()
    assert store_there.db["volunteers"].get("v1")["pin_hash"] == stored  # through the feed


def post(server, path: str, body: dict | None = None, kiosk: str = "lobby-1") -> requests.Response:
    return requests.post(f"{server.url}/api/v1/{path}", json=body, timeout=60,
                         headers={"Authorization": f"Bearer {server.tokens[kiosk]}"})


def sign_in_body(server, phone=PHONE, pin=PIN, kiosk="lobby-1", path="passbook/challenge") -> dict:
    """A sign-in as a kiosk seals it: a challenge the server issued, the phone and PIN sealed for it."""
    issued = post(server, path, kiosk=kiosk).json()["challenge"]
    return {"challenge": issued, "sealed": seal_passbook_sign_in(server_key(server), phone, pin, issued)}


def challenge_refused(answer: requests.Response) -> bool:
    return answer.status_code == 403 and answer.json()["type"].endswith("/challenge-refused") \
        and "v1" not in answer.text


def test_the_same_sealed_sign_in_sent_twice_signs_in_once(center):
    server, _ = center
    body = sign_in_body(server)
    first = post(server, "passbook/sign-in", body)
    assert first.status_code == 200 and first.json() == {"volunteer": "v1"}
    assert challenge_refused(post(server, "passbook/sign-in", body))  # read off the wire and replayed
    wrong = sign_in_body(server, pin="000000")
    assert post(server, "passbook/sign-in", wrong).json() == {"volunteer": None}
    assert challenge_refused(post(server, "passbook/sign-in", wrong))
    assert server_volunteer(server)[0] == 1  # a replayed wrong PIN is not checked, nor counted, again


def test_a_challenge_is_for_its_kiosk_its_purpose_and_its_own_seal(center):
    server, _ = center
    theirs = sign_in_body(server, kiosk="lobby-2")
    assert challenge_refused(post(server, "passbook/sign-in", theirs))  # issued to the other kiosk
    assert post(server, "passbook/sign-in", theirs, kiosk="lobby-2").json() == {"volunteer": "v1"}
    for_a_read = sign_in_body(server, path="duty/challenge")
    assert challenge_refused(post(server, "passbook/sign-in", for_a_read))  # the desk's, not a sign-in's
    one, other = sign_in_body(server), sign_in_body(server)
    assert challenge_refused(post(server, "passbook/sign-in", dict(one, challenge=other["challenge"])))
    assert challenge_refused(post(server, "passbook/sign-in", other))  # tried once with the wrong seal: used
    assert challenge_refused(post(server, "passbook/sign-in", dict(sign_in_body(server), sealed="bm90IHNlYWxlZA==")))
    assert challenge_refused(post(server, "passbook/sign-in", {"challenge": "made-up", "sealed": one["sealed"]}))
    assert requests.post(f"{server.url}/api/v1/passbook/sign-in", json=one, timeout=60).status_code == 401
    assert post(server, "passbook/sign-in", {"sealed": one["sealed"]}).status_code == 422  # no challenge
    assert post(server, "passbook/sign-in", dict(one, sealed=5)).status_code == 422


def test_a_sign_in_proof_is_no_staff_proof_and_theirs_is_no_sign_in(tmp_path):
    from sync.server.sealing import ensure_key, open_duty_proof, open_passbook_sign_in, open_staff_proof
    store = ServerStore(tmp_path / "s.db")
    with store.shared.lock:
        key, conn = ensure_key(store.shared.conn), store.shared.conn
        sign_in = seal_passbook_sign_in(key, PHONE, PIN, "c-1")
        assert open_passbook_sign_in(conn, sign_in, "c-1") == (PHONE, PIN)
        assert open_passbook_sign_in(conn, sign_in, "c-2") is None
        read, mutation = seal_duty_proof(key, DUTY, PIN, "c-1"), seal_staff_proof(key, DUTY, PIN, "c-1")
        assert open_duty_proof(conn, read, DUTY, "c-1") == PIN and open_staff_proof(conn, mutation, DUTY, "c-1") == PIN
        assert open_passbook_sign_in(conn, read, "c-1") is None and open_passbook_sign_in(conn, mutation, "c-1") is None
        # the staff member's PIN with a phone added, bound to one challenge: still only what it was sealed as
        both = seal._seal(key, {"passbook": "c-1", "duty": "c-1", "staff": DUTY, "phone": PHONE, "pin": PIN})
        assert open_passbook_sign_in(conn, both, "c-1") is None and open_duty_proof(conn, both, DUTY, "c-1") is None
        forged = seal._seal(key, {"passbook": "c-1", "staff": DUTY, "phone": PHONE, "pin": PIN})
        assert open_duty_proof(conn, forged, DUTY, "c-1") is None and open_staff_proof(conn, forged, DUTY, "c-1") is None
    store.close()


def test_a_sign_in_challenge_is_answered_within_two_minutes_by_the_servers_clock(tmp_path):
    clock = [datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)]
    store = ServerStore(tmp_path / "s.db", now=lambda: clock[0])
    store.centers.add_center("liujiaying", "柳家营社区党群服务中心")
    store.centers.add_kiosk("lobby-1", "liujiaying")
    with store.shared.transaction():
        store.db["volunteers"].insert({"id": "v1", "center_id": "liujiaying", "number": "LJY-0001", "name": "王芳",
                                       "phone": PHONE, "pin_hash": hash_pin(PIN)})
    kiosk = store.db["kiosks"].get("lobby-1")
    with store.shared.lock:
        key = ensure_key(store.shared.conn)
    issued = store.passbook.challenge(kiosk)
    clock[0] += timedelta(minutes=2, seconds=1)
    with pytest.raises(ChallengeRefused):
        store.passbook.sign_in(kiosk, issued, seal_passbook_sign_in(key, PHONE, PIN, issued))
    issued = store.passbook.challenge(kiosk)
    clock[0] += timedelta(minutes=1, seconds=59)
    assert store.passbook.sign_in(kiosk, issued, seal_passbook_sign_in(key, PHONE, PIN, issued)) == "v1"
    store.close()


def test_offline_this_kiosk_checks_and_counts_by_itself(center):
    server, (here, _there) = center
    server.stop()
    key = here.store.get_meta(SERVER_KEY)
    assert key  # the kiosk would ask the server; it cannot answer
    for _ in range(5):
        assert refused(here, PHONE, "000000") == ("failed", SIGN_IN_FAILED)
    assert here.store.db["volunteers"].get("v1")["locked_until"]  # this kiosk's own count locked it
    assert refused(here, PHONE, PIN) == ("failed", SIGN_IN_FAILED)
