"""The volunteer passbook: PIN hashing, one answer for every failed sign-in,
the lock, append-only ledger, holds."""
import base64
import hashlib
import secrets
import sqlite3
from datetime import datetime, timedelta

import pytest

from kiosk import pins
from kiosk.clock import read, wall
from kiosk.passbook import SIGN_IN_FAILED, Passbook, PassbookError
from kiosk.pins import DUMMY_HASH, hash_pin, needs_rehash, pin_hash_problem, verify_pin
from kiosk.store import Store
from sync.client import SyncError
from sync.sealing import SERVER_KEY
from tests.sync_server import staff_in_a_standalone_kiosk

STAFF_1, STAFF_2 = staff_in_a_standalone_kiosk("staff-1"), staff_in_a_standalone_kiosk("staff-2")


class Clock:
    def __init__(self):
        self.at = datetime(2026, 11, 27, 10, 0)

    def __call__(self):
        return self.at


@pytest.fixture
def env(tmp_path):
    store = Store(tmp_path / "k.db")
    clock = Clock()
    book = Passbook(store, now=clock)
    # the PIN the volunteer station set, as the roster brings it
    store.db["volunteers"].insert({"id": "v1", "number": "LJY-0001", "name": "王芳", "phone": "13812345678",
                                   "pin_hash": hash_pin("246810")})
    store.db["catalogue"].insert_all([{"id": "rice", "item": "大米 5 斤", "points": 50, "stock": 2},
                                      {"id": "oil", "item": "食用油", "points": 80, "stock": 0}])
    yield store, book, clock, tmp_path
    store.close()


def legacy_hash(pin: str) -> str:
    """A PIN hash as kiosks and the server made them before scrypt (PBKDF2, 600k)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, 600_000)
    return f"pbkdf2_sha256$600000${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def cheap_hash(pin: str) -> str:
    """A scrypt hash at the smallest N accepted (8 times faster), for tests of many tries."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=pins.MIN_N, r=8, p=1, dklen=32)
    return f"scrypt${pins.MIN_N}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


@pytest.fixture
def kdf_runs(monkeypatch):
    """Counts KDF runs (kiosk/pins.py _derive): the structural form of "the same timing"."""
    runs = []
    real = pins._derive

    def counted(params, pin, salt):
        runs.append(params[0])
        return real(params, pin, salt)
    monkeypatch.setattr(pins, "_derive", counted)
    return runs


def test_pins_are_salted_scrypt_at_owasps_parameters_and_hostile_shapes_are_refused(env):
    store, *_ = env
    stored = store.db["volunteers"].get("v1")["pin_hash"]
    scheme, n, r, p, salt, _digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**17, 8, 1) and len(base64.b64decode(salt)) == 16
    assert "246810" not in stored and verify_pin("246810", stored) and not verify_pin("246811", stored)
    assert not needs_rehash(stored) and needs_rehash(legacy_hash("246810"))
    assert verify_pin("246810", legacy_hash("246810"))  # hashes made before still sign in
    cheap = hash_pin("246810", n=2**14)  # the least a stored hash may have (test fixtures use it)
    assert verify_pin("246810", cheap) and needs_rehash(cheap)
    for n in (2**13, 2**18, 3 * 2**14):  # below the least, above today's, not a power of two
        with pytest.raises(ValueError):
            hash_pin("246810", n=n)
    parts = stored.split("$")
    for hostile in ("2097152", "131071", "0", "1e5"):  # a gigabyte, not a power of two, nonsense
        assert pin_hash_problem("$".join([parts[0], hostile, *parts[2:]]))
    for r_p in (("16", "1"), ("8", "4")):  # slower by the same memory
        assert pin_hash_problem("$".join([parts[0], parts[1], *r_p, *parts[4:]]))
    assert pin_hash_problem(stored) is None and pin_hash_problem(DUMMY_HASH) is None


def test_unknown_phone_wrong_pin_and_lock_get_one_answer_after_one_kdf_run(env, kdf_runs):
    _store, book, *_ = env
    assert book.sign_in("138 1234 5678", "246810")["name"] == "王芳"

    def answer(phone, pin):
        kdf_runs.clear()
        with pytest.raises(PassbookError) as exc:
            book.sign_in(phone, pin)
        return exc.value.code, exc.value.message, len(kdf_runs)

    same = ("failed", SIGN_IN_FAILED, 1)
    assert answer("13900000000", "246810") == same  # nobody has this phone
    assert answer("abc", "246810") == same  # no phone at all
    for _ in range(5):
        assert answer("13812345678", "000000") == same  # the fifth locks
    assert answer("13812345678", "246810") == same  # locked: even the right PIN, and nothing says so
    assert "密码错误次数太多" not in SIGN_IN_FAILED and "5 次" in SIGN_IN_FAILED


def test_the_lock_grows_in_a_streak_is_capped_forgotten_after_a_quiet_day_and_ended_by_success(env):
    store, book, clock, tmp_path = env
    store.db["volunteers"].update("v1", {"pin_hash": cheap_hash("246810")})  # 60 wrong tries to come

    def wrong(times):
        for _ in range(times):
            with pytest.raises(PassbookError):
                book.sign_in("13812345678", "111111")

    def locked_until():
        return store.db["volunteers"].get("v1")["locked_until"]

    def until() -> datetime:  # the lock's end on the center's wall clock
        return wall(read(locked_until()))

    wrong(5)
    assert until() == datetime(2026, 11, 27, 10, 15)  # 15 minutes
    store.close()
    store = Store(tmp_path / "k.db")  # the kiosk restarts: the lock holds
    book = Passbook(store, now=clock)
    with pytest.raises(PassbookError):
        book.sign_in("13812345678", "246810")
    clock.at += timedelta(minutes=15)
    wrong(5)
    assert until() == datetime(2026, 11, 27, 10, 45)  # the next lock of the streak: 30 minutes
    for _ in range(6):
        clock.at = until()
        wrong(5)
    assert until() - clock.at == pins.MAX_LOCK  # 4 hours at most, not weeks
    clock.at += pins.QUIET  # a quiet day: the streak is forgotten
    wrong(4)
    assert locked_until() is None  # four new wrong tries do not lock
    wrong(1)
    assert until() - clock.at == timedelta(minutes=15)  # back to the first lock
    clock.at += timedelta(minutes=15)
    wrong(4)
    assert book.sign_in("13812345678", "246810")["id"] == "v1"  # a success ends the streak
    wrong(4)
    assert locked_until() is None
    store.close()


def test_a_hash_made_before_is_replaced_at_the_next_sign_in_and_only_by_the_right_pin(env):
    store, book, *_ = env
    store.db["volunteers"].update("v1", {"pin_hash": legacy_hash("246810")})
    with pytest.raises(PassbookError):
        book.sign_in("13812345678", "000000")
    assert store.db["volunteers"].get("v1")["pin_hash"].startswith("pbkdf2_sha256$")
    book.sign_in("13812345678", "246810")
    upgraded = store.db["volunteers"].get("v1")["pin_hash"]
    assert upgraded.startswith("scrypt$131072$8$1$") and verify_pin("246810", upgraded)
    assert store.pending(100) == []  # the kiosk's own copy: the server upgrades its hash when it checks


class FakeServer:
    """The server's check as ServerLink answers it (the real one: tests/test_sync_passbook.py)."""
    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def passbook_sign_in(self, server_key, phone, pin):
        self.asked.append((phone, pin))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_server_decides_when_it_answers_and_this_kiosk_when_it_does_not(env, kdf_runs):
    store, _book, clock, _ = env
    store.set_meta(SERVER_KEY, "a-key")
    refusing = Passbook(store, now=clock, server=FakeServer(None))
    with pytest.raises(PassbookError) as exc:
        refusing.sign_in("13812345678", "246810")  # e.g. locked by wrong tries at the other kiosk
    assert exc.value.message == SIGN_IN_FAILED and kdf_runs == []  # the server ran the KDF
    assert store.db["volunteers"].get("v1")["failures"] == 1  # counted here too, for when offline
    assert Passbook(store, now=clock, server=FakeServer("v1")).sign_in("13812345678", "000000")["id"] == "v1"
    assert store.db["volunteers"].get("v1")["failures"] == 0
    unreachable = Passbook(store, now=clock, server=FakeServer(SyncError("network: ConnectTimeout")))
    assert unreachable.sign_in("13812345678", "246810")["id"] == "v1" and kdf_runs == ["scrypt"]
    with pytest.raises(PassbookError) as exc:
        unreachable.sign_in("13812345678", "000000")
    assert exc.value.message == SIGN_IN_FAILED
    with pytest.raises(PassbookError) as exc:  # registered since this kiosk's last pull
        Passbook(store, now=clock, server=FakeServer("v9")).sign_in("13712345678", "135790")
    assert exc.value.code == "syncing"


def test_balance_history_and_append_only_ledger(env):
    store, book, clock, _ = env
    for i in range(10):
        clock.at += timedelta(days=1)
        book.add_service("v1", f"社区服务{i}", 2, 10, STAFF_1)
    summary = book.summary("v1")
    assert summary["balance"] == 100 and summary["hours"] == 20
    page, pages = book.history("v1")
    assert pages == 2 and page[0].activity == "社区服务9"  # newest first
    entry_id = store.db.execute("SELECT id FROM ledger ORDER BY id LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.DatabaseError):
        store.db.execute("UPDATE ledger SET points = 1000 WHERE id = ?", [entry_id])
    with pytest.raises(sqlite3.DatabaseError):
        store.db.execute("DELETE FROM ledger WHERE id = ?", [entry_id])
    book.reverse(entry_id, "重复登记", STAFF_2)
    assert book.summary("v1")["balance"] == 90
    fix = store.db.execute(
        "SELECT reason, staff_id, reverses FROM ledger ORDER BY id DESC LIMIT 1").fetchone()
    assert fix == ("重复登记", "staff-2", entry_id)


def test_redemption_holds_points_so_they_cannot_be_spent_twice(env):
    store, book, _clock, _ = env
    book.add_service("v1", "敬老服务", 6, 60, STAFF_1)
    hold = book.request_redemption("v1", "rice")
    assert book.summary("v1")["balance"] == 10 and book.summary("v1")["held"] == 50
    with pytest.raises(PassbookError) as exc:
        book.request_redemption("v1", "rice")  # the same points again, offline
    assert exc.value.code == "balance"
    with pytest.raises(PassbookError) as exc:
        book.request_redemption("v1", "oil")
    assert exc.value.code == "stock"
    book.hand_over(hold["id"], STAFF_1)
    assert book.summary("v1")["balance"] == 10 and book.summary("v1")["held"] == 0
    assert store.db["catalogue"].get("rice")["stock"] == 1
    with pytest.raises(PassbookError):
        book.hand_over(hold["id"], STAFF_1)
    assert [m["type"] for m in store.pending(100)][-2:] == ["redemption.request", "redemption.handover"]


def test_a_request_is_withdrawn_by_its_volunteer_while_it_waits_and_only_then(env):
    store, book, _clock, _ = env
    store.db["volunteers"].insert({"id": "v2", "number": "LJY-0002", "name": "李强", "phone": "13900000000",
                                   "pin_hash": hash_pin("135790")})
    book.add_service("v1", "敬老服务", 6, 60, STAFF_1)
    waiting = book.request_redemption("v1", "rice")
    with pytest.raises(PassbookError) as exc:
        book.withdraw_redemption("v2", waiting["id"])  # someone else's
    assert exc.value.code == "not_yours" and book.pending("v1")[0]["item"] == "大米 5 斤"
    book.withdraw_redemption("v1", waiting["id"])
    assert book.summary("v1") == dict(book.summary("v1"), balance=60, held=0) and book.pending("v1") == []
    with pytest.raises(PassbookError) as exc:
        book.withdraw_redemption("v1", waiting["id"])  # not twice
    assert exc.value.code == "state"
    given = book.request_redemption("v1", "rice")  # the points and the item are free again
    book.hand_over(given["id"], STAFF_1)
    with pytest.raises(PassbookError):
        book.withdraw_redemption("v1", given["id"])  # handed out: the hand-over stands
    outbox = [(m["type"], m["payload"].get("hold")) for m in store.pending(100)]
    assert outbox.count(("redemption.withdraw", waiting["id"])) == 1 and ("redemption.withdraw", given["id"]) \
        not in outbox
