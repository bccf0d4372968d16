"""The booking engine: every rule, on an on-disk database and in memory."""
import threading
from datetime import date, datetime, time, timedelta

import pytest

from kiosk.bookings import BookingError, Bookings
from kiosk.center import load_center
from kiosk.paths import CENTER_FILE
from kiosk.store import Store
from kiosk.validation import FieldError, FormError
from tests.sync_server import staff_in_a_standalone_kiosk

CENTER = load_center(CENTER_FILE)
FRIDAY = date(2026, 11, 27)  # isoweekday 5
SATURDAY = FRIDAY + timedelta(days=1)


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(params=["disk", "memory"])
def store(request, tmp_path):
    s = Store(tmp_path / "k.db" if request.param == "disk" else None)
    yield s
    s.close()


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 27, 8, 0))


@pytest.fixture
def bookings(store, clock):
    return Bookings(store, CENTER, now=clock)


def outbox_types(store):
    return [row["type"] for row in store.pending(1000)]


def test_booking_window_closed_days_and_holidays(store, clock):
    from dataclasses import replace
    rules = replace(CENTER.rules, window_days=3, closed_weekdays=(6,),
                    holidays=(FRIDAY + timedelta(days=2),))
    b = Bookings(store, replace(CENTER, rules=rules), now=clock)
    assert b.open_days() == [FRIDAY, FRIDAY + timedelta(days=3)]
    with pytest.raises(BookingError) as exc:
        b.book_study(SATURDAY, "morning", 1, "张三", "13812345678")
    assert exc.value.code == "closed"


def test_sessions_show_times_and_free_seats_and_hide_past_ones(bookings, clock):
    clock.at = datetime(2026, 11, 27, 13, 0)
    sessions = bookings.study_sessions(FRIDAY)
    assert [s.label for s in sessions] == ["下午 14:00–18:00", "晚上 19:00–21:30"]
    bookings.book_study(FRIDAY, "afternoon", 5, "张三", "13812345678")
    assert bookings.study_sessions(FRIDAY)[0].left == CENTER.study_seats - 1
    assert bookings.seat_map(FRIDAY, "afternoon")[5] is True


def test_a_session_under_way_is_offered_until_its_check_in_closes_and_an_ended_one_never(bookings, clock):
    # 晚上 19:00-21:30, check-in until 19:30 (the center's checkin_after_minutes)
    clock.at = datetime(2026, 11, 27, 19, 20)
    assert [s.session for s in bookings.study_sessions(FRIDAY)] == ["evening"]
    clock.at = datetime(2026, 11, 27, 19, 29, 59)
    booked = bookings.book_study(FRIDAY, "evening", 1, "张三", "13812345678")
    for at in (datetime(2026, 11, 27, 19, 30), datetime(2026, 11, 27, 20, 25)):
        clock.at = at
        assert bookings.study_sessions(FRIDAY) == []
        with pytest.raises(BookingError) as exc:
            bookings.book_study(FRIDAY, "evening", 2, "李四", "13912345678")
        assert exc.value.code == "closed"
    # the booking made at 19:29:59 is not released inside its window, and can be checked in there
    clock.at = datetime(2026, 11, 27, 19, 30)
    assert bookings.release_no_shows() == 0
    assert bookings.check_in(booked["ticket"])["status"] == "checked_in"


def test_a_picture_book_session_under_way_takes_sign_ups_until_its_check_in_closes(bookings, clock):
    clock.at = datetime(2026, 11, 28, 10, 29)  # Saturday's 绘本故事会 began at 10:00
    [slot] = [s for s in bookings.book_sessions() if s.day == SATURDAY]
    signed = bookings.book_picture(slot.day, slot.session, "小明", 5, "王芳", "13900001111")
    clock.at = datetime(2026, 11, 28, 10, 30)
    assert all(s.day != SATURDAY for s in bookings.book_sessions())
    with pytest.raises(BookingError):
        bookings.book_picture(slot.day, slot.session, "小红", 6, "李娜", "13900002222")
    assert bookings.release_no_shows() == 0
    clock.at = datetime(2026, 11, 28, 10, 30, 1)
    assert bookings.release_no_shows() == 1
    assert bookings.find(signed["ticket"])["status"] == "no_show"


def test_a_session_shorter_than_its_check_in_window_closes_for_booking_when_it_ends():
    from dataclasses import replace

    from kiosk.center import Session
    from kiosk.sessions import booking_closes
    short = replace(CENTER, study_sessions=(Session("evening", "晚上", time(19, 0), time(19, 20)),))
    assert booking_closes(short, "study", FRIDAY, "evening") == datetime(2026, 11, 27, 19, 20)
    assert booking_closes(CENTER, "study", FRIDAY, "evening") == datetime(2026, 11, 27, 19, 30)
    assert booking_closes(CENTER, "books", FRIDAY, "pb1") is None  # a Saturday activity


@pytest.mark.parametrize("state, words", [
    ("cancelled", "这个预约已取消"),
    ("waiting", "候补名单"),
    ("no_show", "这个预约已过期"),
    ("early", "还没到签到时间，请在 11月27日 18:45 之后签到"),
    ("late", "已过签到时间（11月27日 19:30 截止）"),
    ("checked_in", "已经签到过了"),
])
def test_a_refused_check_in_says_exactly_why(bookings, clock, store, state, words):
    clock.at = datetime(2026, 11, 27, 18, 0)
    booking = bookings.book_study(FRIDAY, "evening", 3, "张三", "13812345678")
    clock.at = {"early": datetime(2026, 11, 27, 18, 44), "late": datetime(2026, 11, 27, 19, 31)}.get(
        state, datetime(2026, 11, 27, 19, 10))
    if state not in ("early", "late"):
        store.db["bookings"].update(booking["id"], {"status": state})
    with pytest.raises(BookingError) as exc:
        bookings.check_in(booking["ticket"])
    assert words in exc.value.message
    others = {"cancelled": "已取消", "waiting": "候补", "no_show": "已过期", "early": "还没到", "late": "已过签到时间"}
    assert [w for s, w in others.items() if s != state and w in exc.value.message] == []


def test_a_booking_is_stored_with_its_outbox_mutation(bookings, store):
    booking = bookings.book_study(FRIDAY, "morning", 1, "张三", "+86 138-1234-5678")
    assert booking["phone"] == "13812345678" and len(booking["ticket"]) == 6
    row = store.db["bookings"].get(booking["id"])
    assert row["status"] == "booked"
    [mutation] = store.pending()
    assert mutation["type"] == "booking.create"
    assert mutation["payload"]["booking"]["id"] == booking["id"]


def test_no_double_booking_of_a_seat(bookings, store):
    bookings.book_study(FRIDAY, "morning", 7, "张三", "13812345678")
    with pytest.raises(BookingError) as exc:
        bookings.book_study(FRIDAY, "morning", 7, "李四", "13912345678")
    assert exc.value.code == "seat_taken" and "7 号座位" in exc.value.message
    assert store.db["bookings"].count == 1 and store.pending_count() == 1


def test_the_database_itself_refuses_a_second_booking_of_a_seat(bookings, store):
    import sqlite3
    first = bookings.book_study(FRIDAY, "morning", 7, "张三", "13812345678")
    clone = dict(first, id="other", ticket="999999", phone="13912345678")
    with pytest.raises(sqlite3.IntegrityError):
        store.db["bookings"].insert(clone)


def test_one_seat_per_person_per_session_and_a_daily_limit(bookings):
    bookings.book_study(FRIDAY, "morning", 1, "张三", "13812345678")
    with pytest.raises(BookingError) as exc:
        bookings.book_study(FRIDAY, "morning", 2, "张三", "13812345678")
    assert exc.value.code == "duplicate"
    bookings.book_study(FRIDAY, "afternoon", 2, "张三", "13812345678")
    with pytest.raises(BookingError) as exc:
        bookings.book_study(FRIDAY, "evening", 3, "张三", "13812345678")
    assert exc.value.code == "limit" and "2 个场次" in exc.value.message


def test_two_threads_booking_the_same_seat_exactly_one_wins(tmp_path, clock):
    path = tmp_path / "k.db"
    Store(path).close()
    results, barrier = [], threading.Barrier(2)

    def book(phone):
        store = Store(path)  # each thread its own connection, as on the kiosk
        try:
            barrier.wait()
            Bookings(store, CENTER, now=clock).book_study(FRIDAY, "morning", 9, "张三", phone)
            results.append("won")
        except BookingError as exc:
            results.append(exc.code)
        finally:
            store.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in ("13812345678", "13912345678")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["seat_taken", "won"]
    check = Store(path)
    assert check.db["bookings"].count == 1 and check.pending_count() == 1
    check.close()


def test_cancel_needs_the_ticket_and_the_last_four_digits(bookings, store):
    booking = bookings.book_study(FRIDAY, "morning", 1, "张三", "13812345678")
    with pytest.raises(BookingError):
        bookings.cancel(booking["ticket"], "0000")
    assert bookings.cancel(booking["ticket"], "5678")["status"] == "cancelled"
    assert bookings.seat_map(FRIDAY, "morning")[1] is False  # the seat is free again
    with pytest.raises(BookingError):
        bookings.cancel(booking["ticket"], "5678")
    assert outbox_types(store) == ["booking.create", "booking.cancel"]


def test_check_in_only_inside_the_window(bookings, clock, store):
    booking = bookings.book_study(FRIDAY, "morning", 1, "张三", "13812345678")  # 08:30
    clock.at = datetime(2026, 11, 27, 8, 14)
    with pytest.raises(BookingError) as exc:
        bookings.check_in(booking["ticket"])
    assert exc.value.code == "early" and "08:15" in exc.value.message
    clock.at = datetime(2026, 11, 27, 8, 15)
    assert bookings.check_in(f" {booking['ticket']} ")["status"] == "checked_in"
    with pytest.raises(BookingError) as exc:
        bookings.check_in(booking["ticket"])
    assert exc.value.code == "done"
    late = bookings.book_study(FRIDAY, "afternoon", 1, "李四", "13912345678")  # 14:00
    clock.at = datetime(2026, 11, 27, 14, 31)
    with pytest.raises(BookingError) as exc:
        bookings.check_in(late["ticket"])
    assert exc.value.code == "late"
    assert "checkin.create" in outbox_types(store)


def test_no_shows_are_released_and_repeated_ones_block_self_booking(bookings, clock):
    phone = "13812345678"
    for i in range(3):
        day = FRIDAY + timedelta(days=i)
        clock.at = datetime.combine(day, datetime.min.time()).replace(hour=7)
        bookings.book_study(day, "morning", 1, "张三", phone)
        clock.at = clock.at.replace(hour=9, minute=1)  # 31 min after 08:30
        assert bookings.release_no_shows() == 1
        assert bookings.seat_map(day, "morning")[1] is False
    assert bookings.blocked_until(phone) == FRIDAY + timedelta(days=2 + 14)
    with pytest.raises(BookingError) as exc:
        bookings.book_study(FRIDAY + timedelta(days=3), "morning", 2, "张三", phone)
    assert exc.value.code == "blocked" and "12月13日" in exc.value.message
    with pytest.raises(FormError) as exc:  # a reason first: it goes to the office's audit
        bookings.lift_block(phone, " ", staff_in_a_standalone_kiosk("duty-01"))
    assert exc.value.errors == {"reason": "请写明解除暂停的原因"}
    bookings.lift_block(phone, "家中有事，已电话说明", staff_in_a_standalone_kiosk("duty-01"))
    clock.at += timedelta(seconds=1)
    assert bookings.blocked_until(phone) is None
    bookings.book_study(FRIDAY + timedelta(days=3), "morning", 2, "张三", phone)


def test_picture_books_waitlist_and_promotion(bookings, store):
    slot = bookings.book_sessions()[0]  # Saturday 10:00, 15 places
    tickets = []
    for i in range(slot.capacity):
        tickets.append(bookings.book_picture(slot.day, slot.session, f"孩子{chr(0x4e00 + i)}", 5,
                                             "妈妈", f"1381234{i:04d}"))
    waiting = bookings.book_picture(slot.day, slot.session, "小明", 6, "王芳", "13900000000")
    assert waiting["status"] == "waiting"
    assert bookings.book_sessions()[0].left == 0 and bookings.book_sessions()[0].details["waiting"] == 1
    first = tickets[0]
    bookings.cancel(first["ticket"], first["phone"][-4:])
    assert store.db["bookings"].get(waiting["id"])["status"] == "booked"
    assert "booking.promote" in outbox_types(store)
    events = [e["event"] for e in store.db["booking_events"].rows_where("booking_id = ?", [waiting["id"]])]
    assert events == ["created:waiting", "booked"]


@pytest.mark.parametrize("age", [1, 11, "两岁", "", "-3", "10000000000000000000000", "1" * 5000, "1_0", "٣", "²",
                                 "５.０", "+5", "0x5", "5.0", "3.5"])
def test_child_age_outside_2_to_10_is_refused_and_nothing_stored(bookings, store, age):
    slot = bookings.book_sessions()[0]
    with pytest.raises(FormError) as exc:
        bookings.book_picture(slot.day, slot.session, "小明", age, "王芳", "13900000000")
    assert "child_age" in exc.value.errors
    assert store.db["bookings"].count == 0 and store.pending_count() == 0


def test_counseling_one_open_request_and_topic_never_on_the_receipt(bookings, store):
    slot = bookings.counseling_slots("心理咨询")[0]
    request = bookings.request_counseling("心理咨询", slot, "张三", "13812345678", "", consent=True)
    assert request["topic"] == "心理咨询" and request["day"] == slot.day.isoformat()
    assert slot not in bookings.counseling_slots()  # one person per slot
    with pytest.raises(BookingError) as exc:
        bookings.request_counseling("婚姻家庭", None, "张三", "13812345678", "", consent=True)
    assert exc.value.code == "open_request"
    asap = bookings.request_counseling("民情诉求", None, "李四", "13912345678", "楼道灯坏了", consent=True)
    assert asap["day"] is None  # 请尽快联系我


def test_counseling_needs_consent_and_a_known_topic(bookings, store):
    with pytest.raises(FormError) as exc:
        bookings.request_counseling("算命", None, "张三", "13812345678", "", consent=False)
    assert set(exc.value.errors) == {"topic", "consent"}
    assert store.db["bookings"].count == 0


def test_pause_switch_stops_booking_with_its_message(bookings):
    bookings.pause("今日设备检修，暂停预约")
    with pytest.raises(BookingError) as exc:
        bookings.book_study(FRIDAY, "morning", 1, "张三", "13812345678")
    assert exc.value.message == "今日设备检修，暂停预约"
    bookings.resume()
    bookings.book_study(FRIDAY, "morning", 1, "张三", "13812345678")


HOSTILE = ["😀😀", "张\u200b三", "x" * 10_000, "'; DROP TABLE bookings; --", "<script>alert(1)</script>",
           "张\x00三", "\x1b[31m", "", "   "]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_phones_and_notes_are_refused_with_field_messages(bookings, store, text):
    with pytest.raises(FormError) as exc:
        bookings.book_study(FRIDAY, "morning", 1, text, text)
    assert set(exc.value.errors) == {"name", "phone"}
    assert all(exc.value.errors.values())
    if text.strip():
        with pytest.raises(FormError) as exc:
            bookings.request_counseling("心理咨询", None, "张三", "13812345678", text * 30, consent=True)
        assert "note" in exc.value.errors
    assert store.db["bookings"].count == 0 and store.pending_count() == 0
    assert store.db["bookings"].exists()  # the table is still there


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "138-1234-5678", "+8613812345678",
                                   "+86 138 1234 5678", "１３８１２３４５６７８", "0086 13812345678"])
def test_phone_forms_are_normalised(bookings, phone):
    assert bookings.book_study(FRIDAY, "morning", 1, "张三", phone)["phone"] == "13812345678"


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "138123456789", "1381234567a", "12012345678"])
def test_wrong_phone_numbers_are_refused(bookings, phone):
    with pytest.raises(FormError) as exc:
        bookings.book_study(FRIDAY, "morning", 1, "张三", phone)
    assert "11 位" in exc.value.errors["phone"] or "数字" in exc.value.errors["phone"]


@pytest.mark.parametrize("name, stored", [
    ("阿依古丽·买买提", "阿依古丽·买买提"), ("王喆", "王喆"), ("Zhang Wei", "Zhang Wei"),
    ("  Zhang   Wei ", "Zhang Wei"), ("Lü Xin", "Lü Xin"), ("阿依古丽 · 买买提", "阿依古丽 · 买买提"),
    ("阿依古丽・买买提", "阿依古丽·买买提"), ("Ｚｈａｎｇ　Ｗｅｉ", "Zhang Wei"), ("⼀丁", "一丁"),
], ids=["middle-dot", "rare", "latin", "latin-spaces", "latin-1", "spaced-dot", "katakana-dot", "fullwidth",
        "kangxi-radical"])
def test_names_with_middle_dot_latin_letters_and_rare_characters(bookings, store, name, stored):
    booking = bookings.book_study(FRIDAY, "morning", 1, name, "13812345678")
    assert booking["name"] == store.db["bookings"].get(booking["id"])["name"] == stored


@pytest.mark.parametrize("name", ["·", "···", "· ·", "·张三", "张三·", "张··三", "Zhang\tWei", "Zhang_Wei",
                                  "张\u2028三", "张\u2029三"])
def test_names_of_separators_only_or_around_nothing_are_refused(bookings, store, name):
    with pytest.raises(FormError) as exc:
        bookings.book_study(FRIDAY, "morning", 1, name, "13812345678")
    assert list(exc.value.errors) == ["name"] and exc.value.errors["name"]
    assert store.db["bookings"].count == 0 and store.pending_count() == 0


NOTE = "楼道的灯坏了，能否尽快修？谢谢！“急”（三楼）……"


def test_a_counseling_note_keeps_its_chinese_punctuation(bookings, store):
    request = bookings.request_counseling("民情诉求", None, "张三", "13812345678", NOTE, consent=True)
    assert store.db["bookings"].get(request["id"])["note"] == NOTE
    [m] = store.pending()
    assert m["payload"]["booking"]["note"] == NOTE


@pytest.mark.parametrize("note", ["第一行\u2028第二行", "第一段\u2029第二段", "第一行\n第二行", "回车\r换行", "下\x85一行",
                                  ["一条备注"], 42])
def test_a_counseling_note_with_a_line_break_or_of_the_wrong_type_is_refused(bookings, store, note):
    with pytest.raises(FormError) as exc:
        bookings.request_counseling("民情诉求", None, "张三", "13812345678", note, consent=True)
    assert list(exc.value.errors) == ["note"]
    assert store.db["bookings"].count == 0


@pytest.mark.parametrize("seat", ["3", 3.5, 3.0, None, True, [3], 0, 25])
def test_a_seat_of_the_wrong_type_or_outside_the_room_is_refused_at_its_field(bookings, store, seat):
    with pytest.raises(FormError) as exc:
        bookings.book_study(FRIDAY, "morning", seat, "张三", "13812345678")
    assert exc.value.errors == {"seat": "没有这个座位"}
    assert store.db["bookings"].count == 0 and store.pending_count() == 0


@pytest.mark.parametrize("fields", [
    {"name": ["张三"]}, {"name": {"姓": "张"}}, {"phone": 13812345678}, {"phone": ["13812345678"]},
    {"child_name": 7}, {"child_age": 5.0}, {"child_age": True}, {"child_age": [5]}, {"child_age": None},
], ids=["name-list", "name-dict", "phone-int", "phone-list", "child-name-int", "age-float", "age-bool",
        "age-list", "age-none"])
def test_a_picture_book_sign_up_of_the_wrong_type_is_refused_at_its_field(bookings, store, fields):
    slot = bookings.book_sessions()[0]
    given = {"child_name": "小明", "child_age": 5, "name": "王芳", "phone": "13900000000", **fields}
    with pytest.raises(FormError) as exc:
        bookings.book_picture(slot.day, slot.session, given["child_name"], given["child_age"], given["name"],
                              given["phone"])
    assert list(exc.value.errors) == list(fields)
    assert store.db["bookings"].count == 0 and store.pending_count() == 0


@pytest.mark.parametrize("age, stored", [(5, 5), ("5", 5), ("５", 5), (" 10 ", 10), ("05", 5)])
def test_a_child_age_typed_in_digits_is_taken(bookings, age, stored):
    slot = bookings.book_sessions()[0]
    assert bookings.book_picture(slot.day, slot.session, "小明", age, "王芳", "13900000000")["child_age"] == stored


def test_tickets_and_last_four_typed_in_fullwidth_find_the_booking(bookings, clock):
    booking = bookings.book_study(FRIDAY, "morning", 1, "张三", "13812345678")
    wide = booking["ticket"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert bookings.find(wide)["id"] == booking["id"]
    assert bookings.today(search="５６７８")[0]["id"] == booking["id"]
    assert bookings.cancel(wide, "５６７８")["status"] == "cancelled"
    [_create, cancel] = bookings.store.pending()
    assert cancel["payload"]["last4"] == "5678"  # as the server's schema takes it


@pytest.mark.parametrize("call", [
    lambda b: b.find(480213), lambda b: b.check_in(480213), lambda b: b.cancel(480213, "5678"),
    lambda b: b.cancel("480213", 5678), lambda b: b.today(search=5678), lambda b: b.today(search=["5678"]),
    lambda b: b.lift_block("13812345678", ["原因"], staff_in_a_standalone_kiosk("duty-01")),
], ids=["find", "check-in", "cancel-ticket", "cancel-last4", "search-int", "search-list", "lift-reason"])
def test_a_ticket_phone_or_reason_of_the_wrong_type_is_refused_at_its_field(bookings, call):
    with pytest.raises((FieldError, FormError)) as exc:
        call(bookings)
    words = exc.value.message if isinstance(exc.value, FieldError) else next(iter(exc.value.errors.values()))
    assert words  # the field's own words, never a TypeError or AttributeError


def test_field_errors_are_value_errors_with_the_field():
    err = FieldError("phone", "请填写手机号")
    assert isinstance(err, ValueError) and err.field == "phone"


def test_a_receipt_says_the_session_its_check_in_window_and_the_centers_no_show_rule(store, clock):
    from dataclasses import replace

    from kiosk.receipt import receipt_for
    rules = replace(CENTER.rules, checkin_after_minutes=20, no_show_limit=2, no_show_block_days=7)
    b = Bookings(store, replace(CENTER, rules=rules), now=clock)
    study = receipt_for(b.book_study(FRIDAY, "evening", 5, "张三", "13812345678"), b)
    assert study.lines[:3] == ("共享自习室 5 号座位", "场次：11月27日 周五 晚上 19:00–21:30",
                               "签到时间：18:45–19:20（凭预约号）")
    assert "开始后20分钟内未签到视为爽约，座位将释放；30天内爽约2次，将暂停自助预约7天。" in study.rule
    books = receipt_for(b.book_picture(SATURDAY, "pb1", "小明", 5, "王芳", "13900001111"), b)
    assert books.lines[1:3] == ("活动：11月28日 周六 10:00–11:00 绘本故事会", "签到时间：09:45–10:20（凭预约号）")
    assert "名额将释放" in books.rule
    slot = next(s for s in b.counseling_slots("民情诉求"))
    counseling = receipt_for(b.request_counseling("民情诉求", slot, "李娜", "13700002222", "", True), b)
    assert counseling.lines[1] == "时间：11月28日 周六 10:00–11:00"
    assert all(words not in line for line in (*counseling.lines, counseling.rule)
               for words in ("民情诉求", "社区值班干部"))  # neither the topic nor who, which would tell it


def test_counseling_slots_are_offered_for_the_topics_their_person_takes(bookings):
    psychologist = {s.session for s in bookings.counseling_slots("心理咨询")}
    staff = {s.session for s in bookings.counseling_slots("民情诉求")}
    assert psychologist and staff and not psychologist & staff
    assert all("公益心理咨询师" in s.label for s in bookings.counseling_slots("心理咨询"))
    assert all("社区值班干部" in s.label for s in bookings.counseling_slots("民情诉求"))
    saturday = next(s for s in bookings.counseling_slots("民情诉求"))
    with pytest.raises(BookingError):  # not the person for it
        bookings.request_counseling("心理咨询", saturday, "李娜", "13700002222", "", True)
