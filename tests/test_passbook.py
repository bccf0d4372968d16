"""The volunteer passbook: PIN hashing, lockout, append-only ledger, holds."""
import sqlite3
from datetime import datetime, timedelta

import pytest

from kiosk.passbook import SIGN_IN_FAILED, Passbook, PassbookError
from kiosk.pins import ITERATIONS, hash_pin, verify_pin
from kiosk.store import Store
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


def test_pins_are_salted_pbkdf2_at_the_owasp_minimum(env):
    store, *_ = env
    stored = store.db["volunteers"].get("v1")["pin_hash"]
    scheme, iterations, salt, _digest = stored.split("$")
    assert scheme == "pbkdf2_sha256" and int(iterations) >= 600_000 == ITERATIONS
    assert "246810" not in stored and verify_pin("246810", stored) and not verify_pin("246811", stored)


def test_sign_in_and_the_same_answer_for_unknown_phones(env):
    _store, book, *_ = env
    assert book.sign_in("138 1234 5678", "246810")["name"] == "王芳"
    for phone in ("13900000000", "abc"):
        with pytest.raises(PassbookError) as exc:
            book.sign_in(phone, "246810")
        assert exc.value.message == SIGN_IN_FAILED
    with pytest.raises(PassbookError) as exc:
        book.sign_in("13812345678", "000000")
    assert exc.value.message == SIGN_IN_FAILED


def test_five_failures_lock_out_growing_and_surviving_a_restart(env):
    store, book, clock, tmp_path = env
    for _ in range(5):
        with pytest.raises(PassbookError):
            book.sign_in("13812345678", "111111")
    store.close()
    store = Store(tmp_path / "k.db")  # the kiosk restarts
    book = Passbook(store, now=clock)
    with pytest.raises(PassbookError) as exc:
        book.sign_in("13812345678", "246810")  # even the right PIN waits
    assert exc.value.code == "locked" and "10:05" in exc.value.message
    clock.at += timedelta(minutes=5, seconds=1)
    for _ in range(5):
        with pytest.raises(PassbookError):
            book.sign_in("13812345678", "111111")
    with pytest.raises(PassbookError) as exc:
        book.sign_in("13812345678", "246810")
    assert "10:15" in exc.value.message  # the second lock is twice as long
    clock.at += timedelta(minutes=10, seconds=1)
    assert book.sign_in("13812345678", "246810")["id"] == "v1"
    store.close()


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
