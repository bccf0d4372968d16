"""Tap through the three booking flows, the receipt and check-in / cancel."""
from datetime import datetime

import pytest
import zxingcpp

from kiosk.bookings import Bookings, day_label
from kiosk.ui.steps import Choice, ReceiptCard


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


def session_button(kiosk, day: str, session: str):
    """A session's button under its day's heading on the study room's first step."""
    [button] = kiosk.find_all(lambda w: isinstance(w, Choice) and w.group == day and session in w.text,
                              within=kiosk.screen.ids.body)
    return button


def to_study_form(k, session: str, seat: str) -> None:
    k.tap_text("自习室预约")
    k.tap(session_button(k, "今天 11月27日 周五", session))
    tap_choice(k, seat)


def book_a_seat(k, session: str, seat: str) -> ReceiptCard:
    """Today's seat for 张伟, 13812345678, tapped through to the receipt."""
    to_study_form(k, session, seat)
    fields = k.screen.fields
    fill_name(k, fields["name"], "zhangwei", "张伟")
    type_into(k, fields["phone"], "13812345678")
    k.tap(k.find_text("确认预约"))
    return receipt(k)


def test_study_room_day_session_seat_person_receipt(booking_kiosk):
    k = booking_kiosk
    card = book_a_seat(k, "上午 08:30–12:00", "5 号")
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
    morning = session_button(k, "今天 11月27日 周五", "上午 08:30–12:00")
    assert "余 23 座" in morning.text
    k.tap(morning)
    assert k.find_text("5 号　已约").disabled


def test_any_open_days_session_is_one_tap_from_the_study_rooms_first_step(booking_kiosk):
    k = booking_kiosk
    k.tap_text("自习室预约")
    b = k.app.bookings
    today = b.now().date()
    assert k.screen.step_title == "第 1 步：选择日期和场次"
    days = [day_label(d, today) for d in b.open_days()]

    def shown():
        return [t for t in days if k.find_all(lambda w: getattr(w, "text", None) == t, within=k.screen.ids.body)]
    assert shown() == days[:3]  # each day a heading, its sessions under it
    k.tap_text("更多日期 ›")
    assert shown() == days and len(days) > 3  # the whole booking window
    assert k.screen.step_title == "第 1 步：选择日期和场次"
    k.tap(session_button(k, days[-1], "上午 08:30–12:00"))
    k.tap_text("‹ 上一步")
    assert shown() == days  # back to the list it was picked from
    second = day_label(b.open_days()[1], today)
    k.tap(session_button(k, second, "下午 14:00–18:00"))
    assert k.screen.step_title == "第 2 步：选择座位"
    assert k.screen.summary == f"{second}　下午 14:00–18:00"  # what was chosen, above the seats
    k.tap_text("‹ 上一步")
    assert k.screen.step_title == "第 1 步：选择日期和场次"


def test_refusal_is_shown_at_the_field_and_nothing_is_stored(booking_kiosk):
    k = booking_kiosk
    to_study_form(k, "下午 14:00–18:00", "1 号")
    type_into(k, k.screen.fields["phone"], "1381234")
    k.tap(k.find_text("确认预约"))
    assert k.screen.fields["name"].error == "请填写姓名"
    assert "11 位" in k.screen.fields["phone"].error
    k.find_text("！请填写姓名")  # on screen, at the field
    assert k.store.db["bookings"].count == 0 and k.store.pending_count() == 0


def test_picture_books_in_steps_with_the_age_by_buttons(booking_kiosk):
    k = booking_kiosk
    k.tap_text("绘本馆报名")
    assert k.screen.step_title == "第 1 步：选择一场绘本活动"
    k.find_text("签到 / 取消报名")  # 报名, not 预约
    tap_choice(k, "绘本故事会", exact=False)
    assert k.screen.step_title == "第 2 步：孩子几岁？"
    buttons = k.find_all(lambda w: getattr(w, "text", "").endswith(" 岁"), within=k.screen.ids.body)
    ages = [w.text for w in sorted(buttons, key=lambda w: (-w.y, w.x))]
    assert ages == [f"{n} 岁" for n in range(2, 11)]  # the center's 2–10, each a button
    tap_choice(k, "5 岁", exact=True)
    assert k.screen.step_title == "第 3 步：填写孩子和家长的信息"
    fields = k.screen.fields
    assert set(fields) == {"child_name", "name", "phone"}  # no age to type
    # the session and the age above the form, outside the page that scrolls: never sliced
    summary = k.find_id("summary")
    line = "明天 11月28日 周六　10:00–11:00 绘本故事会　孩子 5 岁"
    assert summary.text == line and summary not in list(k.walk(k.screen.ids.scroll))
    assert summary.texture_size[1] <= summary.height  # whole
    type_into(k, fields["child_name"], "xiaoming", done=False)
    assert summary.height == 0  # put away while typing: the keyboard leaves the form the room
    k.tap(key(k, "小"))  # a nickname: picked a character at a time
    k.tap(key(k, "明"))
    k.tap(done_key(k))
    assert fields["child_name"].text == "小明"
    fill_name(k, fields["name"], "wangfang", "王芳")
    type_into(k, fields["phone"], "13900001111", done=False)
    k.tap(k.find_text("长辈模式：关"))  # larger type with the keyboard still open
    board = k.app.keyboard.board
    k.frames(3)
    button = k.find_text("确认报名")
    k.screen.ids.scroll.scroll_to(button, animate=False)  # a swipe, as a visitor would
    k.frames(2)
    _x, bottom = button.to_window(button.x, button.y)
    screen_top = k.screen.to_window(k.screen.x, k.screen.top)[1]
    assert board.to_window(board.x, board.top)[1] <= bottom and bottom + button.height <= screen_top
    k.tap(button)  # whole above the keyboard, not cut off
    card = receipt(k)
    assert card.receipt.title == "报名成功"
    shown = "\n".join(k.texts())
    assert "小明（5 岁）" in shown and "签到时间：09:45–10:30" in shown


def test_counseling_topics_in_kind_words_slots_say_who_and_the_receipt_never_shows_the_topic(booking_kiosk):
    k = booking_kiosk
    k.tap_text("恳谈室预约")
    body = k.screen.ids.body
    # the center's services, each in plain words with what it covers: none reads like another
    k.find_text("心理咨询\n心里有烦恼、压力大，想找人聊聊", within=body)
    k.find_text("孩子成长辅导\n孩子的情绪、学习和成长", within=body)
    assert not k.find_all(lambda w: "行为矫正" in getattr(w, "text", ""), within=body)
    tap_choice(k, "民情诉求")
    slots = [w.text for w in k.find_all(lambda w: "　" in getattr(w, "text", "") and ":" in w.text, within=body)]
    assert slots and all(text.endswith("社区值班干部") for text in slots)  # not a counselor for 民情诉求
    k.tap_text("‹ 上一步")
    tap_choice(k, "婚姻家庭")
    assert k.find_id("summary").text == "婚姻家庭"
    slots = [w.text for w in k.find_all(lambda w: "　" in getattr(w, "text", "") and ":" in w.text, within=body)]
    assert slots and all(text.endswith("公益心理咨询师") for text in slots)
    tap_choice(k, "请尽快联系我", exact=False)
    assert k.find_id("summary").text == "婚姻家庭　·　请尽快联系我（由值班工作人员安排时间）"  # the form repeats both
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
    assert all(topic not in shown and k.app.center.topic_words(topic).label not in shown
               for topic in k.app.center.counseling_topics)
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


class MovableClock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_a_session_under_way_is_offered_until_its_check_in_closes_and_such_a_booking_checks_in(kiosk):
    k = kiosk
    clock = MovableClock(datetime(2026, 11, 27, 20, 25))  # 晚上 19:00–21:30 began long ago
    k.app.bookings = b = Bookings(k.store, k.app.center, now=clock)
    k.tap_text("自习室预约")
    today = k.find_text("今天 11月27日 周五", within=k.screen.ids.body)
    body = k.screen.ids.body.children[::-1]  # top to bottom
    assert body[body.index(today) + 1].text == "这一天的场次都已结束。"  # its check-in closed at 19:30
    assert not [w for w in k.find_all(lambda w: isinstance(w, Choice)) if w.group.startswith("今天")]
    k.tap_text("首页")
    clock.at = datetime(2026, 11, 27, 19, 20)  # under way, check-in open until 19:30
    card = book_a_seat(k, "晚上 19:00–21:30", "3 号")
    shown = "\n".join(k.texts())
    assert "场次：11月27日 周五 晚上 19:00–21:30" in shown and "签到时间：18:45–19:30（凭预约号）" in shown
    assert "30天内爽约3次，将暂停自助预约14天" in shown  # the center's rule, on the receipt
    ticket = card.receipt.ticket
    k.tap_text("完成，返回首页")
    clock.at = datetime(2026, 11, 27, 19, 29, 30)
    k.advance(61)  # the minute-by-minute release runs: the window is still open
    assert b.find(ticket)["status"] == "booked"
    k.tap_text("签到 / 取消预约")  # the home tile
    type_into(k, k.screen.fields["ticket"], ticket)
    k.tap(k.find_text("签到", within=k.screen.ids.body))
    k.find_text("签到成功")
    assert b.find(ticket)["status"] == "checked_in"


def test_a_refused_check_in_says_which_reason_at_the_field(booking_kiosk):
    k = booking_kiosk
    b = k.app.bookings
    today = datetime(2026, 11, 27).date()
    tickets = {}
    for seat, (state, phone) in enumerate([("cancelled", "13800000001"), ("waiting", "13800000002"),
                                           ("no_show", "13800000003"), ("booked", "13800000004")], 1):
        booking = b.book_study(today, "morning", seat, "张三", phone)
        k.store.db["bookings"].update(booking["id"], {"status": state})
        tickets[state] = booking["ticket"]
    k.tap_text("签到 / 取消预约")
    field = k.screen.fields["ticket"]
    said = {}
    for state, ticket in tickets.items():
        field.clear()
        type_into(k, field, ticket)
        k.tap(k.find_text("签到", within=k.screen.ids.body))
        said[state] = field.error
        k.find_text("！" + field.error, exact=False)  # shown at the field
    assert "已取消" in said["cancelled"] and "候补名单" in said["waiting"] and "已过期" in said["no_show"]
    assert said["booked"] == "还没到签到时间，请在 11月27日 08:15 之后签到"  # 07:30
    assert len(set(said.values())) == 4


def test_a_page_of_options_is_kept_while_what_it_shows_is_the_same(booking_kiosk):
    """The study room's first step is built again only when its sessions changed
    (StepScreen.kept): the same buttons while nothing did, the new count at once."""
    k = booking_kiosk
    k.tap_text("自习室预约")
    morning = session_button(k, "今天 11月27日 周五", "上午 08:30–12:00")
    k.tap_text("首页")
    k.tap_text("自习室预约")
    assert session_button(k, "今天 11月27日 周五", "上午 08:30–12:00") is morning  # nothing changed
    k.tap_text("首页")
    b = k.app.bookings
    b.book_study(b.now().date(), "morning", 9, "李娜", "13900001111")  # a seat taken meanwhile
    k.tap_text("自习室预约")
    now = session_button(k, "今天 11月27日 周五", "上午 08:30–12:00")
    assert now is not morning and "余 23 座" in now.text
    k.tap(now)
    assert k.find_text("9 号　已约").disabled
