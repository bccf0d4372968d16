"""A kiosk that never falls over, in the real window: a full disk and a busy
service at the wish form (the message at the tap, the form kept, nothing
half-written), an unexpected error (home, an apology, the kiosk goes on) and
errors that repeat (请联系工作人员 instead of a loop)."""
import logging

import pytest
from kivy.core.window import Window

from kiosk.errors import StorageFault
from kiosk.ui.overlays import AttractLoop, CrashNotice, OutOfOrder
from kiosk.ui.steps import ReceiptCard
from tests.test_ui_bookings import tap_choice
from tests.test_ui_wishes_points import fill_wish_form


def fill_the_wish_form(k) -> None:
    fill_wish_form(k)
    k.tap(k.screen.boxes["consent"])  # on the wall


def form_as_typed(k) -> dict:
    return {name: entry.text for name, entry in k.screen.fields.items()}


def fill_the_disk(store) -> int:
    """The database may grow no more (SQLite's max_page_count on the kiosk's own
    connection), and wishes smaller than the form's fill the room left in its
    pages, so the form's wish needs a page the disk no longer has. Returns the
    limit there was before."""
    db = store.db
    room = db.execute("PRAGMA max_page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    from kiosk.wishes import Wishes
    wishes = Wishes(store)
    for _ in range(5000):
        try:
            wishes.submit("李", "13900000000", "其他", "灯", True)
        except StorageFault as fault:
            assert fault.code == "disk_full"
            return room
    raise AssertionError("the capped database never filled")


def stored(store) -> tuple[int, int]:
    return store.db["wishes"].count, store.db["outbox"].count


def test_a_full_disk_and_a_busy_service_keep_the_wish_form(kiosk):
    k = kiosk
    fill_the_wish_form(k)
    typed = form_as_typed(k)

    # the service's own refusal (WishError: five codes drawn, all taken): once only caught by luck
    real_insert = k.store.insert_with_code
    k.store.insert_with_code = lambda *args: None
    k.tap(k.find_text("提交心愿"))
    assert k.screen.message == "系统繁忙，请再试一次" and form_as_typed(k) == typed
    k.store.insert_with_code = real_insert

    room = fill_the_disk(k.store)
    before = stored(k.store)
    k.tap(k.find_text("提交心愿"))
    assert "存储空间已满" in k.screen.message and "填写的内容都还在" in k.screen.message
    k.find_text("存储空间已满", exact=False)  # shown, at the top of the step the visitor is on
    assert k.app.current == "wish" and form_as_typed(k) == typed and k.screen.consent
    assert not k.find_all(lambda w: isinstance(w, ReceiptCard))
    # nothing half-written: neither the wish nor its outbox row, and the file is sound
    assert stored(k.store) == before
    assert k.store.db.execute("SELECT count(*) FROM wishes WHERE text = '路灯'").fetchone()[0] == 0
    assert k.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # staff free some room: the same form, tapped again, goes through
    k.store.db.execute(f"PRAGMA max_page_count = {room}")
    k.tap(k.find_text("提交心愿"))
    [card] = k.find_all(lambda w: isinstance(w, ReceiptCard))
    assert card.receipt.ticket.startswith("W")
    assert stored(k.store) == (before[0] + 1, before[1] + 1)
    row = k.store.db.execute("SELECT name, phone, text FROM wishes WHERE code = ?", [card.receipt.ticket]).fetchone()
    assert row == ("张伟", "13812345678", "路灯")


def broken_submit(*_args, **_kwargs):
    # values in the error that the log must not repeat
    raise KeyError("张伟 13812345678")


@pytest.fixture
def crashing(kiosk, monkeypatch):
    """The kiosk as App.run drives it (errors reach the crash handler), with a
    wish service that fails unexpectedly."""
    kiosk.as_mainloop = True
    monkeypatch.setattr(kiosk.app.wishes, "submit", broken_submit)
    return kiosk


def test_an_unexpected_error_goes_home_apologises_and_the_kiosk_goes_on(crashing, caplog):
    k = crashing
    fill_the_wish_form(k)
    with caplog.at_level(logging.INFO, logger="kiosk"):
        k.tap(k.find_text("提交心愿"))
    assert k.app.current == "home"
    [notice] = [w for w in Window.children if isinstance(w, CrashNotice)]
    k.find_text("抱歉，刚才出了点问题")
    # the log says what and where, never what the visitor typed
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "KeyError at tests/test_ui_crash.py:" in logged and "screens/wish.py:" in logged
    assert "13812345678" not in logged and "张伟" not in logged and "路灯" not in logged
    # the form is gone with the screen's state: the wish screen starts afresh
    k.tap(notice.ids.understood)
    assert notice not in Window.children
    k.tap_text("微心愿")
    k.find_text("第 1 步：选择心愿的类别")
    assert not any(e.text for e in k.screen.fields.values())
    # and the kiosk goes on: another flow works
    k.tap_text("首页")
    k.tap_text("心愿墙")
    k.find_text("已收集微心愿 0 条，已认领 0 条")


def test_errors_that_repeat_show_the_staff_screen_instead_of_a_loop(crashing):
    k = crashing
    for crash in range(3):
        for notice in [w for w in Window.children if isinstance(w, CrashNotice)]:
            k.tap(notice.ids.understood)
        k.tap_text("微心愿")
        tap_choice(k, "环境设施")
        k.tap(k.find_text("提交心愿"))
        assert k.app.current == "home"
        out = [w for w in Window.children if isinstance(w, OutOfOrder)]
        assert bool(out) == (crash == 2), f"after error {crash + 1}"
    k.find_text("请联系工作人员")
    assert not any(isinstance(w, CrashNotice) for w in Window.children)
    # it holds: a tap does not reach the tiles beneath, and the attract loop
    # (home, idle for minutes) opens under it
    k.tap_at(Window.width / 2, Window.height / 2)
    assert k.app.current == "home"
    k.advance(k.app.settings.attract_after + 5)
    assert any(isinstance(w, AttractLoop) for w in Window.children)
    assert isinstance(Window.children[0], OutOfOrder)
