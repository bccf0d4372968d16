"""Forms as a resident meets them, tapped in the real window: the keyboard's
下一项 and 完成 walk the form with the submit button in reach, 返回 goes one
step back, a half-filled form is not left without 放弃填写？, and the wish
card's choice of the wall (a private wish) and its tick box."""
from datetime import datetime

import pytest

from kiosk.bookings import Bookings

from kiosk.ui.overlays import LeavePrompt
from kiosk.ui.steps import ReceiptCard, TickBox
from kiosk.ui.theme import theme
from screens.wish_wall import WishCard
from sync.replica import apply_change
from tests.test_ui_bookings import done_key, key, receipt, tap_choice, to_study_form, type_into

MORNING = datetime(2026, 11, 27, 7, 30)  # the sessions of "today" are all still ahead


def open_wish_form(k, category="助老助残"):
    k.tap_text("微心愿")
    tap_choice(k, category)
    return k.screen.fields


def office_decides(k, wish, status, public=True):
    """The office's review as the pull feed brings it (a private wish comes without its words)."""
    change = {"id": wish["id"], "code": wish["code"], "category": wish["category"], "status": status,
              "created_at": wish["created_at"], "public": public}
    k.store.db.execute("UPDATE outbox SET state = 'applied'")  # sent and answered
    with k.store.transaction() as db:
        assert apply_change(db.conn, {"kind": "wish.status", "data": change}) == "wish.status"


def back_button(k):
    return k.find_id("back")


def prompt(k):
    found = [w for w in k.walk() if isinstance(w, LeavePrompt)]
    return found[0] if found else None


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_the_keyboard_walks_the_form_and_the_submit_is_tappable_while_it_is_open(kiosk, elder):
    k = kiosk
    theme.elder = elder
    f = open_wish_form(k)
    type_into(k, f["text"], "fushou", done=False)
    k.tap(key(k, "扶手"))
    # the field being typed in shows above the keyboard, and what follows it where it fits
    assert k.in_view(f["text"]) and (elder or k.in_view(k.screen.boxes["consent"]))
    k.tap(done_key(k))  # 下一项: the name, fully in view, the keyboard still open
    assert k.app.keyboard.field is f["name"] and k.in_view(f["name"])
    k.tap(key(k, "中 → 英"))
    for letter in "LI":
        k.tap(key(k, letter))
    assert done_key(k).text == "下一项"
    k.tap(done_key(k))
    assert k.app.keyboard.field is f["phone"] and done_key(k).text == "完成"  # the last field
    for digit in "13812345678":
        k.tap(key(k, digit))
    submit = k.find_text("提交心愿")
    assert k.in_view(f["phone"]) and k.in_view(submit)
    k.tap(submit, swipe=False)  # as it shows, with the keyboard open: no swipe, no 完成 first
    card = receipt(k)
    assert k.store.db["wishes"].count == 1 and card.receipt.code_words == "心愿编号"

    # a form of fields one under the other: two of them show above the keyboard
    k.app.bookings = Bookings(k.store, k.app.center, now=lambda: MORNING)
    k.tap_text("完成，返回首页")
    to_study_form(k, "上午 08:30–12:00", "5 号")
    f = k.screen.fields
    k.tap(f["name"])
    assert k.in_view(f["name"]) and k.in_view(f["phone"])
    k.tap(key(k, "中 → 英"))
    for letter in "WANG":
        k.tap(key(k, letter))
    k.tap(done_key(k))
    for digit in "13812345678":
        k.tap(key(k, digit))
    k.tap(k.find_text("确认预约"), swipe=False)
    assert receipt(k) and k.store.db["bookings"].count == 1


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_done_on_the_last_field_brings_the_submit_into_view_without_sending(kiosk, elder):
    k = kiosk
    theme.elder = elder
    f = open_wish_form(k)
    assert k.in_view(k.find_text("提交心愿"))  # the whole card on one screen, in 长辈模式 too
    f["text"].text, f["name"].text = "希望楼梯安装扶手", "李娜"
    type_into(k, f["phone"], "13812345678", done=False)
    k.tap(done_key(k))  # 完成 after the last field: the keyboard goes, the form stays to be checked
    k.frames(3)
    assert k.app.keyboard.board is None and k.store.db["wishes"].count == 0
    k.tap(k.find_text("提交心愿"), swipe=False)  # in view, in 长辈模式 too
    assert receipt(k)


def test_back_goes_one_step_keeps_what_was_typed_and_leaving_asks_first(kiosk):
    k = kiosk
    k.tap_text("微心愿")
    assert back_button(k).text == "‹ 返回"
    k.tap(back_button(k))  # nothing typed: 返回 at the first step leaves at once
    assert k.app.current == "home" and prompt(k) is None
    f = open_wish_form(k, "环境设施")
    assert back_button(k).text == "‹ 上一步"
    type_into(k, f["text"], "ludeng", done=False)
    k.tap(key(k, "路灯"))
    k.tap(k.screen.boxes["consent"])
    k.tap(back_button(k))  # one step back, not home
    assert k.app.current == "wish" and k.screen.step_title.startswith("第 1 步") and prompt(k) is None
    tap_choice(k, "环境设施")
    f = k.screen.fields
    assert f["text"].text == "路灯" and k.screen.boxes["consent"].checked  # as it was left

    k.tap(k.find_text("首页"))  # half-filled: asks first
    assert prompt(k) is not None and k.app.current == "wish"
    k.tap(k.find_text("继续填写"))
    assert prompt(k) is None and k.app.current == "wish" and f["text"].text == "路灯"
    k.tap(back_button(k))
    k.tap(back_button(k))  # 返回 at the first step leaves the screen: what was typed would go
    assert prompt(k) is not None and k.app.current == "wish"
    k.tap(k.find_text("放弃"))
    assert prompt(k) is None and k.app.current == "home"
    open_wish_form(k, "环境设施")
    assert k.screen.fields["text"].text == "" and not k.screen.boxes["consent"].checked  # forgotten


def test_a_private_wish_is_accepted_with_its_code_to_note_and_never_on_the_wall(kiosk):
    k = kiosk
    f = open_wish_form(k)
    box = k.screen.boxes["consent"]
    assert "不勾选也能提交" in box.text
    f["text"].text, f["name"].text, f["phone"].text = "希望楼梯安装扶手", "李娜", "13812345678"
    k.tap(k.find_text("提交心愿"))  # not ticked: a private wish
    card = receipt(k)
    shown = "\n".join(k.texts())
    assert card.receipt.code_words == "心愿编号" and "预约号" not in shown
    assert "请拍照或记下心愿编号" in shown and "不会出现在心愿墙上" in shown
    [wish] = k.store.db["wishes"].rows
    assert wish["consent"] == 0 and k.store.pending()[0]["payload"]["wish"]["consent"] == 0
    office_decides(k, wish, "approved", public=False)  # reviewed at the office, as the feed brings it
    k.tap_text("完成，返回首页")
    k.tap_text("心愿墙")
    assert not k.find_all(lambda w: isinstance(w, WishCard))
    assert "扶手" not in "\n".join(k.texts())


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_the_counseling_form_fits_one_screen_with_its_submit_in_view(kiosk, elder):
    k = kiosk
    theme.elder = elder
    k.tap_text("恳谈室预约")
    tap_choice(k, k.app.center.counseling_topics[0])
    tap_choice(k, "请尽快联系我")
    assert k.in_view(k.screen.boxes["consent"]) and k.in_view(k.find_text("提交预约"))


def test_the_consent_error_sits_at_the_tick_box_and_goes_once_ticked(kiosk):
    k = kiosk
    k.tap_text("恳谈室预约")
    tap_choice(k, k.app.center.counseling_topics[0])
    tap_choice(k, "请尽快联系我")
    f = k.screen.fields
    f["name"].text, f["phone"].text = "赵敏", "13700002222"
    k.tap(k.find_text("提交预约"))
    box = k.screen.boxes["consent"]
    error = box.ids.error
    assert box.error and error.text.startswith("！") and k.screen.message == ""
    assert box.collide_point(*error.center) and k.in_view(error)  # at the box, in view
    assert k.store.db["bookings"].count == 0
    k.tap(box)
    assert box.checked and box.error == "" and error.text == ""
    k.tap(k.find_text("提交预约"))
    assert k.find_all(lambda w: isinstance(w, ReceiptCard)) and k.store.db["bookings"].count == 1
    assert isinstance(box, TickBox)
