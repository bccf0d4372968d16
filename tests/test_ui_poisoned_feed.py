"""No pulled row crashes or freezes a screen: rows an older or broken server
put into the feed (the ones that once broke every kiosk of the center) are
pulled by the running kiosk's worker, kept for staff and skipped, and the
screens they would have reached work as before, in the real window."""
import json
import sqlite3

import pytest

from kiosk.passbook import SIGN_IN_FAILED
from kiosk.pins import hash_pin
from kiosk.rejections import rejected
from screens.wish_wall import WishCard
from tests.test_sync_worker import wait_for
from tests.test_ui_bookings import tap_choice

PHONE, PIN = "13812345678", "246810"
GOOD_WISH = {"id": "w-good", "code": "W000001", "display_name": "张**", "category": "环境设施",
             "text": "楼道灯坏了", "status": "approved", "claimant": None, "claimant_kind": None,
             "reason": None, "fulfilled_note": None, "created_at": "2026-11-27T07:00:00"}
POISON = [
    ("volunteer", {"id": "v1", "number": "LJY-0001", "name": "王芳", "phone": PHONE, "pin_hash": "pbkdf2_sha256$x"}),
    ("volunteer", {"id": "v2", "number": "LJY-0002", "name": "李强", "phone": "13912345678",
                   "pin_hash": "pbkdf2_sha256$2000000000$AAAAAAAAAAAAAAAAAAAAAA==$"
                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}),
    ("ledger", {"uid": "e1", "volunteer_id": "v3", "at": "2026-11-27T07:00:00", "activity": "x", "hours": 0,
                "points": 2**62}),
    ("ledger", {"uid": "e2", "volunteer_id": "v3", "at": "2026-11-27T07:00:00", "activity": "x", "hours": 0,
                "points": 2**62}),
    ("wish.status", dict(GOOD_WISH, id="w-bad", code="W000002", status="claimed", claimant="党" * 20_000)),
    ("center", {"document": {"center": "not a table"}}),
]
GOOD = [
    ("volunteer", {"id": "v3", "number": "LJY-0003", "name": "赵敏", "phone": "13712345678",
                   "pin_hash": hash_pin(PIN)}),
    ("wish.status", GOOD_WISH),
]


def sign_in(k) -> None:
    screen = k.screen
    k.tap(k.find_text("登录", within=screen.ids.body))
    k.frames_until(lambda: screen.checking is None)  # the PIN is checked off the UI thread


@pytest.fixture
def poisoned_kiosk(running_server, tmp_path):
    from tests.harness import KioskDriver
    db = sqlite3.connect(running_server.db)
    with db:  # written past the server's own checks, as an older server would have
        db.executemany("INSERT INTO changes (center_id, kind, data, at) VALUES ('liujiaying', ?, ?, '')",
                       [(kind, json.dumps(data, ensure_ascii=False)) for kind, data in POISON + GOOD])
    # the good volunteer is on the server's roster too: it checks the PIN when it answers
    running_server.office.put_volunteer(running_server.clerk, "liujiaying", GOOD[0][1])
    kiosk = KioskDriver.start(tmp_path / "kiosk", server_url=running_server.url,
                              server_token=running_server.tokens["lobby-1"])
    # a bound on failure only (a loaded machine syncs later, never differently)
    assert wait_for(lambda: kiosk.store.db["volunteers"].count == 1, seconds=60, step=lambda: kiosk.frames(1))
    yield kiosk
    kiosk.stop()


def test_poisoned_rows_are_kept_for_staff_and_every_screen_still_works(poisoned_kiosk):
    k = poisoned_kiosk
    assert k.store.db["sync_conflicts"].count == len(POISON)
    assert len([r for r in rejected(k.store) if r["what"].startswith("服务器变更")]) == len(POISON)
    # 登录 with the phone whose roster row carried a broken hash: refused in words, no crash
    k.tap_text("志愿积分")
    f = k.screen.fields
    f["phone"].text, f["pin"].text = PHONE, PIN  # typing is tests/test_ui_wishes_points.py's
    sign_in(k)
    assert k.screen.volunteer is None and k.screen.message == SIGN_IN_FAILED
    f = k.screen.fields
    f["phone"].text, f["pin"].text = "13712345678", PIN
    sign_in(k)
    assert k.screen.volunteer is not None  # the good row behind the bad ones arrived
    k.tap_text("首页")
    k.tap_text("心愿墙")
    [card] = k.find_all(lambda w: isinstance(w, WishCard))
    assert card.card.code == "W000001"


def test_a_damaged_row_already_on_disk_does_not_crash_sign_in_or_stall_the_wall(kiosk):
    k = kiosk
    db = k.store.db
    db["volunteers"].insert({"id": "v1", "number": "LJY-0001", "name": "王芳", "phone": PHONE,
                             "pin_hash": "pbkdf2_sha256$2000000000$AAAAAAAAAAAAAAAAAAAAAA==$"
                                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    db["wishes"].insert({"id": "w1", "code": "W000009", "name": "张" * 5000, "phone": "", "category": "其他",
                         "text": "好" * 20_000, "consent": 1, "status": "claimed", "created_at": "2026-11-27",
                         "updated_at": "2026-11-27"})
    db["wish_claims"].insert({"wish_id": "w1", "claimant": "党" * 20_000, "claimant_kind": "party_member",
                              "live": 1, "claimed_at": "2026-11-27"})
    k.tap_text("志愿积分")
    f = k.screen.fields
    f["phone"].text, f["pin"].text = PHONE, PIN
    sign_in(k)  # 2e9 PBKDF2 rounds would take minutes
    assert k.screen.message == SIGN_IN_FAILED
    k.tap_text("首页")
    k.tap_text("心愿墙")
    [card] = k.find_all(lambda w: isinstance(w, WishCard))
    assert len(card.card.claimant) <= 40 and len(card.card.text) <= 100
    tap_choice(k, "已认领")
    assert k.find_all(lambda w: isinstance(w, WishCard))
