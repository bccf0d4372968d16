"""爱心储蓄存折 sign-in checked by the real server process on loopback: wrong
tries counted for the volunteer across kiosks, the same answer for an unknown
phone, a wrong PIN and a lock, the server's hash upgraded and sent to kiosks,
and this kiosk's own check and count when the server is out of reach."""
import sqlite3

import pytest
import requests

from kiosk.passbook import SIGN_IN_FAILED, Passbook, PassbookError
from kiosk.pins import verify_pin
from sync.client import ServerLink
from sync.sealing import SERVER_KEY
from tests.sync_server import NOW
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


def test_a_seal_that_does_not_open_or_no_token_is_refused_alike(center):
    server, _ = center
    url = f"{server.url}/api/v1/passbook/sign-in"
    auth = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}
    answer = requests.post(url, json={"sealed": "bm90IHNlYWxlZA=="}, headers=auth, timeout=60)
    assert answer.status_code == 200 and answer.json() == {"volunteer": None}
    assert requests.post(url, json={"sealed": "x"}, timeout=60).status_code == 401
    assert requests.post(url, json={"sealed": 5}, headers=auth, timeout=60).status_code == 422


def test_offline_this_kiosk_checks_and_counts_by_itself(center):
    server, (here, _there) = center
    server.stop()
    key = here.store.get_meta(SERVER_KEY)
    assert key  # the kiosk would ask the server; it cannot answer
    for _ in range(5):
        assert refused(here, PHONE, "000000") == ("failed", SIGN_IN_FAILED)
    assert here.store.db["volunteers"].get("v1")["locked_until"]  # this kiosk's own count locked it
    assert refused(here, PHONE, PIN) == ("failed", SIGN_IN_FAILED)
