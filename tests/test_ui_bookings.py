"""Tap through the three booking flows, the receipt and check-in / cancel."""
from datetime import datetime

import pytest
import zxingcpp

from kiosk.bookings import Bookings
from kiosk.ui.steps import ReceiptCard


@pytest.fixture
def booking_kiosk(kiosk):
    # A fixed morning, so the sessions of "today" are all still ahead.
    at = datetime(2026, 11, 27, 7, 30)
    kiosk.app.bookings = Bookings(kiosk.store, kiosk.app.center, now=lambda: at)
    return kiosk


def type_into(kiosk, field, text, done=True):
    kiosk.tap(field)
    for char in text:
        kiosk.tap(key(kiosk, char))
    if done:
        kiosk.tap(done_key(kiosk))


def done_key(kiosk):
    """The keyboard's 下一项 (another field follows) or 完成 (the last field)."""
    return key(kiosk, kiosk.app.keyboard.board.done_words)


def key(kiosk, label):
    keys = kiosk.find_all(lambda w: getattr(w, "text", None) == label, within=kiosk.app.keyboard.board)
    assert keys, f"no key {label!r}"
    return keys[0]


def tap_choice(kiosk, text, exact=False):
    kiosk.tap(kiosk.find_text(text, exact=exact, within=kiosk.screen.ids.body))


def fill_name(kiosk, field, pinyin, pick):
    type_into(kiosk, field, pinyin, done=False)
    kiosk.tap(key(kiosk, pick))
    kiosk.tap(done_key(kiosk))


def receipt(kiosk) -> ReceiptCard:
    cards = kiosk.find_all(lambda w: isinstance(w, ReceiptCard))
    assert cards, (kiosk.screen.message, {n: f.error for n, f in kiosk.screen.fields.items()},
                   {n: f.text for n, f in kiosk.screen.fields.items()})
    card = cards[0]
    return card


def to_study_form(k, session: str, seat: str) -> None:
    k.tap_text("自习室预约")
    tap_choice(k, "今天 11月27日 周五")
    tap_choice(k, session, exact=False)
    tap_choice(k, seat)


def test_study_room_day_session_seat_person_receipt(booking_kiosk):
    k = booking_kiosk
    to_study_form(k, "上午 08:30–12:00", "5 号")
    fields = k.screen.fields
    fill_name(k, fields["name"], "zhangwei", "张伟")
    type_into(k, fields["phone"], "13812345678")
    k.tap(k.find_text("确认预约"))
    card = receipt(k)
    ticket = card.receipt.ticket
    shown = "\n".join(k.texts())
    assert ticket in shown and "138****5678" in shown and "5 号座位" in shown
    assert "13812345678" not in shown  # never the full number on screen
    assert k.find_id("sync").text == "未连接服务器 · 待同步 1 条"  # waiting in the outbox
    booking = k.app.bookings.find(ticket)
    assert booking["seat"] == 5 and booking["name"] == "张伟"
    # The QR code as drawn on screen decodes back to the ticket.
    [code] = zxingcpp.read_barcodes(k.grey_pixels())
    assert code.text == ticket
    # That seat now shows as taken, in words.
    k.tap_text("完成，返回首页")
    k.tap_text("自习室预约")
    tap_choice(k, "今天 11月27日 周五")
    assert "余 23 座" in k.find_text("上午 08:30–12:00", exact=False, within=k.screen.ids.body).text
    tap_choice(k, "上午 08:30–12:00", exact=False)
    assert k.find_text("5 号　已约").disabled


def test_refusal_is_shown_at_the_field_and_nothing_is_stored(booking_kiosk):
    k = booking_kiosk
    to_study_form(k, "下午 14:00–18:00", "1 号")
    type_into(k, k.screen.fields["phone"], "1381234")
    k.tap(k.find_text("确认预约"))
    assert k.screen.fields["name"].error == "请填写姓名"
    assert "11 位" in k.screen.fields["phone"].error
    k.find_text("！请填写姓名")  # on screen, at the field
    assert k.store.db["bookings"].count == 0 and k.store.pending_count() == 0


def test_picture_books_child_age_refused_then_signed_up(booking_kiosk):
    k = booking_kiosk
    k.tap_text("绘本馆报名")
    tap_choice(k, "绘本故事会", exact=False)
    fields = k.screen.fields
    type_into(k, fields["child_name"], "xiaoming", done=False)
    k.tap(key(k, "小"))  # a nickname: picked a character at a time
    k.tap(key(k, "明"))
    k.tap(done_key(k))
    assert fields["child_name"].text == "小明"
    type_into(k, fields["child_age"], "12")
    fill_name(k, fields["name"], "wangfang", "王芳")
    type_into(k, fields["phone"], "13900001111")
    k.tap(k.find_text("确认报名"))
    assert "2–10 岁" in fields["child_age"].error
    assert k.store.db["bookings"].count == 0
    fields["child_age"].clear()
    type_into(k, fields["child_age"], "5")
    k.tap(k.find_text("确认报名"))
    card = receipt(k)
    assert card.receipt.title == "报名成功"
    assert "小明（5 岁）" in "\n".join(k.texts())


def test_counseling_receipt_never_shows_the_topic(booking_kiosk):
    k = booking_kiosk
    k.tap_text("恳谈室预约")
    tap_choice(k, "婚姻家庭")
    tap_choice(k, "请尽快联系我", exact=False)
    fields = k.screen.fields
    fill_name(k, fields["name"], "lina", "李娜")
    type_into(k, fields["phone"], "13700002222")
    k.tap(k.find_text("提交预约"))
    box = k.screen.boxes["consent"]
    assert box.error == "请先阅读并同意个人信息的使用说明" and k.screen.message == ""  # at the box
    k.tap(box)
    assert box.checked
    k.tap(k.find_text("提交预约"))
    card = receipt(k)
    shown = "\n".join(k.texts())
    assert card.receipt.ticket in shown
    assert all(topic not in shown for topic in k.app.center.counseling_topics)
    assert k.app.bookings.find(card.receipt.ticket)["topic"] == "婚姻家庭"


def test_check_in_and_cancel_by_ticket(booking_kiosk):
    k = booking_kiosk
    b = k.app.bookings
    first = b.book_study(datetime(2026, 11, 27).date(), "morning", 1, "张三", "13812345678")
    second = b.book_study(datetime(2026, 11, 27).date(), "afternoon", 2, "李四", "13912345678")
    k.tap_text("自习室预约")
    k.tap_text("签到 / 取消预约")
    assert k.app.current == "ticket"
    fields = k.screen.fields
    type_into(k, fields["ticket"], second["ticket"])
    type_into(k, fields["last4"], "0000")
    k.tap(k.find_text("取消预约", within=k.screen.ids.body))
    assert "没有找到" in k.screen.message  # wrong last four: refused
    fields["last4"].clear()
    type_into(k, fields["last4"], "5678")
    k.tap(k.find_text("取消预约", within=k.screen.ids.body))
    k.find_text("已取消预约")
    assert b.find(second["ticket"])["status"] == "cancelled"
    k.tap_text("完成")
    type_into(k, k.screen.fields["ticket"], first["ticket"])  # 07:30: too early for 08:30
    k.tap(k.find_text("签到", within=k.screen.ids.body))
    assert "还没到签到时间" in k.screen.fields["ticket"].error
    assert b.find(first["ticket"])["status"] == "booked"


def test_a_scanner_typing_the_ticket_checks_in(booking_kiosk):
    from kivy.core.window import Window
    k = booking_kiosk
    b = k.app.bookings
    booking = b.book_study(datetime(2026, 11, 27).date(), "morning", 3, "张三", "13812345678")
    b.now = lambda: datetime(2026, 11, 27, 8, 20)  # inside the check-in window
    k.app.go("ticket")
    k.frames(2)
    k.tap(k.screen.fields["ticket"])
    Window.dispatch("on_textinput", booking["ticket"])  # the scanner "types" the QR's content
    assert k.screen.fields["ticket"].text == booking["ticket"]
    k.tap(k.find_text("签到", within=k.screen.ids.body))
    k.find_text("签到成功")
    assert b.find(booking["ticket"])["status"] == "checked_in"


def test_the_kiosk_releases_no_shows_every_minute(booking_kiosk):
    k = booking_kiosk
    b = k.app.bookings
    b.book_study(datetime(2026, 11, 27).date(), "morning", 4, "张三", "13812345678")
    b.now = lambda: datetime(2026, 11, 27, 9, 1)  # 31 minutes after 08:30, nobody came
    k.advance(61)
    assert b.seat_map(datetime(2026, 11, 27).date(), "morning")[4] is False
    assert k.store.db["bookings"].count_where("status = 'no_show'") == 1
    assert k.app.pending == k.store.pending_count() == 2  # created, then no-show
