"""Tap through 微心愿, 心愿墙 and 志愿积分 in the real window."""
import threading

import pytest

from kiosk.demo import DEMO_PHONE, DEMO_PIN
from kiosk.passbook import SIGN_IN_FAILED
from kiosk.ui.steps import ReceiptCard
from screens.wish_wall import WishCard
from tests.test_ui_bookings import done_key, fill_name, key, tap_choice, type_into


def start_a_card(k) -> dict:
    """微心愿 → 环境设施, the wish begun with 路灯: the form's fields."""
    k.tap_text("微心愿")
    tap_choice(k, "环境设施")
    f = k.screen.fields
    type_into(k, f["text"], "ludeng", done=False)
    k.tap(key(k, "路灯"))
    return f


def fill_wish_form(k) -> None:
    """路灯, 张伟 and 13812345678 typed on the wish card, as a visitor would."""
    f = start_a_card(k)
    k.tap(done_key(k))
    fill_name(k, f["name"], "zhangwei", "张伟")
    type_into(k, f["phone"], "13812345678")


def test_submit_a_wish_card(kiosk):
    k = kiosk
    fill_wish_form(k)
    k.tap(k.screen.boxes["consent"])  # on the wall
    k.tap(k.find_text("提交心愿"))
    [card] = k.find_all(lambda w: isinstance(w, ReceiptCard))
    shown = "\n".join(k.texts())
    assert card.receipt.ticket.startswith("W") and "138****5678" in shown and "路灯" in shown
    [wish] = k.store.db["wishes"].rows
    assert "会出现在心愿墙上" in shown and wish["consent"] == 1  # the resident chose the wall
    assert k.find_id("sync").text.endswith("待同步 1 条")


def test_a_wish_card_keeps_its_chinese_punctuation_and_a_latin_name_with_its_space(kiosk):
    k = kiosk
    f = start_a_card(k)
    k.tap(key(k, "123 符号"))
    k.tap(key(k, "，"))
    k.tap(key(k, "返回拼音"))
    type_into(k, f["text"], "xiexie", done=False)
    k.tap(key(k, "谢谢"))
    k.tap(key(k, "123 符号"))
    for mark in "！“”（）":
        k.tap(key(k, mark))
    k.tap(done_key(k))
    k.tap(f["name"])
    k.tap(key(k, "中 → 英"))  # a name in Latin letters, a space between its parts
    for letter in "ZHANG WEI":
        k.tap(key(k, "空格" if letter == " " else letter))
    k.tap(done_key(k))
    type_into(k, f["phone"], "13812345678")
    k.tap(k.screen.boxes["consent"])
    k.tap(k.find_text("提交心愿"))
    [wish] = k.store.db["wishes"].rows
    assert (wish["text"], wish["name"]) == ("路灯，谢谢！“”（）", "zhang wei")
    assert k.find_all(lambda w: isinstance(w, ReceiptCard))


def test_wall_paging_filters_and_totals(demo_kiosk):
    k = demo_kiosk
    k.tap_text("心愿墙")
    k.find_text("已收集微心愿 64 条，已认领 50 条")
    cards = k.find_all(lambda w: isinstance(w, WishCard))
    assert len(cards) == 6
    assert all(c.card.who.endswith("*") for c in cards)  # never a full name
    first_page = [c.card.code for c in cards]
    tap_choice(k, "下一页 ›")
    k.find_text("第 2 / 10 页")  # 60 wishes on the wall, 6 a page
    assert first_page != [c.card.code for c in k.find_all(lambda w: isinstance(w, WishCard))]
    tap_choice(k, "待认领")
    cards = k.find_all(lambda w: isinstance(w, WishCard))
    assert cards and all(c.card.status == "待认领" for c in cards)
    k.find_text("● 待认领")  # the chosen filter is marked in words, not colour
    tap_choice(k, "助老助残")
    assert all(c.card.category == "助老助残" for c in k.find_all(lambda w: isinstance(w, WishCard)))


def test_lookup_a_wish_by_code_and_last_four(demo_kiosk):
    k = demo_kiosk
    wish = k.app.wishes.submit("李娜", "13700001234", "其他", "想学书法", consent=True)
    k.tap_text("心愿墙")
    tap_choice(k, "查询我的心愿进度")
    f = k.screen.fields
    type_into(k, f["code"], wish["code"][1:])
    type_into(k, f["last4"], "9999")
    k.tap(k.find_text("查询", within=k.screen.ids.body))
    assert "没有找到" in k.screen.message
    f["last4"].clear()
    type_into(k, f["last4"], "1234")
    k.tap(k.find_text("查询", within=k.screen.ids.body))
    k.find_text("状态：待审核", exact=False)


def passbook_sign_in(k, phone, pin, keys=True) -> str:
    """Phone and PIN on the keypad (``keys=False``: put in at once, as each keyed
    field costs seconds of frames), 登录, and the answer once the PIN is checked."""
    f = k.screen.fields
    if keys:
        type_into(k, f["phone"], phone)
        type_into(k, f["pin"], pin)
    else:
        f["phone"].text, f["pin"].text = phone, pin
    screen = k.screen
    k.tap(k.find_text("登录", within=screen.ids.body))
    k.frames_until(lambda: screen.checking is None)  # the KDF runs off the UI thread
    return screen.message


def test_passbook_unknown_phone_wrong_pin_and_lock_read_the_same_then_success(demo_kiosk):
    k = demo_kiosk
    k.tap_text("志愿积分")
    answers = {passbook_sign_in(k, "13900000000", DEMO_PIN)}  # nobody has this phone
    for _attempt in range(5):  # the fifth locks
        answers.add(passbook_sign_in(k, DEMO_PHONE, "000000", keys=False))
        assert k.screen.volunteer is None and k.screen.fields["pin"].text == ""
    answers.add(passbook_sign_in(k, DEMO_PHONE, DEMO_PIN, keys=False))  # locked: even the right PIN, unsaid
    assert answers == {SIGN_IN_FAILED} and k.screen.volunteer is None
    k.app.passbook.db["volunteers"].update(  # staff unlocked it at the station
        k.app.passbook.db.execute("SELECT id FROM volunteers WHERE phone = ?", [DEMO_PHONE]).fetchone()[0],
        {"locked_until": None})
    assert passbook_sign_in(k, DEMO_PHONE, DEMO_PIN, keys=False) == ""
    assert k.screen.volunteer is not None
    k.find_text("积分余额", exact=False)
    k.find_text("第 1 / 3 页")
    tap_choice(k, "较早 ›")
    k.find_text("第 2 / 3 页")


def test_passbook_screen_answers_touches_while_the_pin_is_checked(demo_kiosk, monkeypatch):
    k = demo_kiosk
    k.tap_text("志愿积分")
    release, checks = threading.Event(), []
    real = k.app.passbook.check

    def held(attempt):  # the KDF run, held until the test lets it go
        checks.append(attempt)
        release.wait(120)
        return real(attempt)
    monkeypatch.setattr(k.app.passbook, "check", held)
    f = k.screen.fields
    type_into(k, f["phone"], DEMO_PHONE)
    type_into(k, f["pin"], DEMO_PIN)
    screen = k.screen
    k.tap(k.find_text("登录", within=screen.ids.body))
    k.frames(5)  # frames run while the check waits: it is not on the UI thread
    assert screen.message == "正在核对密码…" and screen.volunteer is None
    k.tap(k.find_text("登录", within=screen.ids.body))  # a second tap starts no second check
    release.set()
    k.frames_until(lambda: screen.checking is None)
    assert len(checks) == 1 and screen.volunteer is not None


@pytest.fixture
def synced_kiosk(tmp_path):
    """The kiosk in the real window and the real server, with 王芳 (1000 points) and
    签字笔 (1 point) on its roster and catalogue; the kiosk syncs when the test says so."""
    from kiosk.store import Store  # noqa: F401  (the driver's own)
    from sync.client import SyncClient
    from tests.harness import KioskDriver
    from tests.pushes import set_up_center
    from tests.sync_server import Server
    server = Server(tmp_path)
    server.start()
    set_up_center(server)
    k = KioskDriver.start(tmp_path / "kiosk")  # no server configured: its worker does not run
    client = SyncClient(k.store, server.url, server.tokens["lobby-1"], timeout=60)
    client.cycle()
    yield k, server, client
    k.stop()
    server.stop()


def fixed_under_the_page(k, text: str):
    """The button, fully inside the window and outside the page's scrolling: always on screen."""
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView
    k.frames(2)
    button = k.find_text(text, within=k.screen.ids.actions)
    x, y = button.to_window(button.x, button.y)
    assert 0 <= x and x + button.width <= Window.width and 0 <= y and y + button.height <= Window.height, text
    node = button.parent
    while node is not None and node is not Window:
        assert not isinstance(node, ScrollView), f"{text} scrolls with the page"
        node = node.parent
    return button


def server_hold(server) -> tuple:
    import sqlite3
    with sqlite3.connect(server.db) as db:
        return db.execute("SELECT status, points FROM holds").fetchall()


def test_passbook_exchange_asks_first_is_withdrawn_while_it_waits_and_idle_counts_down(synced_kiosk):
    from kiosk.ui.overlays import IdlePrompt
    from kiosk.ui.theme import theme
    from tests.pushes import PIN
    k, server, client = synced_kiosk
    k.tap_text("志愿积分")
    passbook_sign_in(k, "13812345678", PIN, keys=False)
    book = k.screen.passbook
    fixed_under_the_page(k, "积分兑换")
    fixed_under_the_page(k, "退出登录")
    k.tap_text("长辈模式：关")
    assert theme.elder
    fixed_under_the_page(k, "退出登录")
    k.tap(fixed_under_the_page(k, "积分兑换"))

    tap_choice(k, "签字笔", exact=False)  # asks first: the item, its points, the balance after, what next
    k.find_text("确认兑换")
    for words in ("兑换“签字笔”，需要 1 分。", "现在可用 1000 分，申请后剩 999 分。", "志愿者服务站领取",
                  "由值班工作人员发放", "可以在存折页撤回"):
        k.find_text(words, exact=False)
    k.tap(fixed_under_the_page(k, "取消"))
    k.find_text("积分兑换（余额 1000 分）")
    assert k.store.pending_count() == 0 and book.summary("v1")["held"] == 0  # nothing sent, nothing held

    tap_choice(k, "签字笔", exact=False)
    k.tap(fixed_under_the_page(k, "确认兑换"))
    k.find_text("已提交兑换申请")
    client.cycle()
    assert server_hold(server) == [("held", 1)]
    k.tap(fixed_under_the_page(k, "‹ 返回存折"))
    k.find_text("积分余额 999 分（另有 1 分等待兑换）", exact=False)

    tap_choice(k, "撤回：“签字笔”", exact=False)
    k.find_text("撤回兑换申请？")
    k.tap(fixed_under_the_page(k, "确认撤回"))
    k.find_text("已撤回兑换申请")
    k.find_text("积分余额 1000 分", exact=False)
    client.cycle()
    assert server_hold(server) == [("withdrawn", 1)]  # the server agreed: the points are free there too
    k.tap(fixed_under_the_page(k, "‹ 返回存折"))
    assert not [t for t in k.texts() if "撤回：" in t]  # nothing waits any more

    k.advance(29)  # reading, without a touch
    assert not k.find_all(lambda w: isinstance(w, IdlePrompt))
    k.advance(2)
    [prompt] = k.find_all(lambda w: isinstance(w, IdlePrompt))
    counted = k.find_text("秒", exact=False, within=prompt.ids.countdown)
    assert 15 < int(counted.text.split()[0]) <= 20  # the passbook's own 20 s, counting down
    k.find_text("退出存折、回到首页", exact=False, within=prompt)
    k.tap(k.find_text("继续", within=prompt))
    assert k.screen.volunteer is not None and k.app.current == "points"  # still signed in, still reading
    k.find_text("积分余额 1000 分", exact=False)
    k.advance(31)
    assert k.find_all(lambda w: isinstance(w, IdlePrompt))
    k.advance(21)  # nobody answered
    assert not k.find_all(lambda w: isinstance(w, IdlePrompt)) and k.app.current == "home"
    assert k.app.screens.get_screen("points").volunteer is None


def test_leaving_the_passbook_signs_out(demo_kiosk):
    k = demo_kiosk
    k.tap_text("志愿积分")
    f = k.screen.fields
    f["phone"].text, f["pin"].text = DEMO_PHONE, DEMO_PIN
    screen = k.screen
    screen.sign_in()
    k.frames_until(lambda: screen.checking is None)
    assert screen.volunteer is not None
    k.tap_text("首页")
    assert screen.volunteer is None
    assert screen.step_title == "" and "胡萍" not in screen.ids.step_title.text  # the title held the name
