"""The rules where all kiosks meet, decided by the server (the real process
on loopback): each attack tried with one kiosk's token gets a reason, and
picture-book places, the waitlist, promotions and stock hold across kiosks."""
import json
import sqlite3
from datetime import date, timedelta

import pytest

from kiosk.bookings import BookingError, Bookings
from kiosk.passbook import Passbook, PassbookError
from kiosk.pins import hash_pin
from kiosk.staffmode import OnDuty
from sync.sealing import SERVER_KEY
from sync.server.office import OfficeError
from tests.pushes import (PIN, STAMP, Pusher, booked, cancel, change_of, hold, ledger_entry, no_show,
                          sealed, set_up_center, study_booking, wish)
from tests.sync_server import CENTER, DAY, DUTY, NOW, Server


@pytest.fixture
def server(running_server):
    set_up_center(running_server)
    return running_server


def server_rows(server, sql, *args):
    return sqlite3.connect(server.db).execute(sql, args).fetchall()


# -- what one kiosk token could do before ---------------------------------------------------
def test_points_from_a_kiosk_need_an_on_duty_staff_member_and_stay_inside_the_limits(server):
    send = Pusher(server).send
    assert send("ledger.add", ledger_entry(100_000)) == ("rejected", "unknown_staff")
    assert send("ledger.add", dict(ledger_entry(100_000), staff_id=DUTY)) == ("rejected", "over_limit")
    assert send("ledger.add", dict(ledger_entry(2**62), staff_id=DUTY)) == ("rejected", "invalid")
    assert server_rows(server, "SELECT sum(points) FROM ledger") == [(1000,)]


def test_a_hand_over_takes_the_points_the_hold_held_whatever_the_kiosk_says(server):
    send = Pusher(server).send
    h = hold()
    assert send("redemption.request", {"hold": h}) == ("applied", None)
    forged = {"hold": h["id"], "staff_id": DUTY,
              "entry": {"uid": "e-forged", "at": STAMP, "points": 5000, "volunteer_id": "v1"}}
    assert send("redemption.handover", forged) == ("applied", None)
    assert server_rows(server, "SELECT points FROM ledger WHERE uid = 'e-forged'") == [(-1,)]


def test_a_kiosk_cannot_set_a_pin_nor_review_a_wish(server):
    send = Pusher(server).send
    assert send("volunteer.pin", {"id": "v1", "pin_hash": hash_pin("000000")}) == ("rejected", "office_only")
    assert send("wish.status", {"id": "w", "status": "approved"}) == ("rejected", "office_only")


def test_a_pin_change_needs_the_current_pin_checked_by_the_server(server):
    send = Pusher(server).send
    assert send("volunteer.pin_change", {"id": "v1", "sealed": sealed(server, "999999", "111111")}) \
        == ("rejected", "wrong_pin")
    assert send("volunteer.pin_change", {"id": "v1", "sealed": sealed(server, PIN, "111111", "v2")}) \
        == ("rejected", "invalid")  # sealed for another volunteer
    assert send("volunteer.pin_change", {"id": "v1", "sealed": "bm90IHNlYWxlZA=="}) == ("rejected", "invalid")
    assert send("volunteer.pin_change", {"id": "v1", "sealed": sealed(server, PIN, "111111")}) \
        == ("applied", None)


def test_only_the_kiosk_that_made_a_booking_or_staff_may_change_it(server):
    mine = booked(server)
    other = Pusher(server, "lobby-2").send
    assert other("booking.cancel", cancel(mine)) == ("rejected", "not_yours")  # ids come from the feed
    assert Pusher(server).send("booking.cancel", change_of(mine, "cancelled", last4="0000")) \
        == ("rejected", "wrong_phone")
    assert other("booking.cancel", cancel(mine, staff_id=DUTY)) == ("applied", None)


def test_bookings_follow_their_state_machine(server):
    send = Pusher(server).send
    b = booked(server)
    assert send("booking.no_show", change_of(b, "no_show")) == ("rejected", "too_early")  # by the server's clock
    assert send("booking.cancel", cancel(b)) == ("applied", None)
    assert send("checkin.create", change_of(b, "checked_in")) == ("rejected", "booking_state")
    assert send("booking.cancel", dict(cancel(b), status="booked")) == ("rejected", "invalid")
    assert send("booking.cancel", dict(cancel(b), ticket="000000")) == ("rejected", "unknown_booking")


@pytest.mark.parametrize("change, reason", [
    ({"phone": " 13800138000 "}, "invalid"),
    ({"phone": "１３８００１３８０００"}, "invalid"),  # the kiosk would have normalised it
    ({"name": "张三😀"}, "invalid"),
    ({"day": "1900-01-01"}, "not_bookable"),
    ({"day": "9999-12-31"}, "not_bookable"),
    ({"day": "2027-02-30"}, "invalid"),
    ({"session": "midnight"}, "not_bookable"),
    ({"seat": 25}, "invalid"),
    ({"created_at": "2" * 100_000}, "invalid"),
    ({"starts_at": "2026-11-27T03:00:00"}, "invalid"),
    ({"status": "checked_in"}, "invalid"),
], ids=["spaces", "fullwidth", "emoji", "1900", "9999", "feb-30", "session", "seat", "created_at",
        "starts_at", "status"])
def test_a_booking_the_kiosk_would_refuse_or_normalise_is_refused(server, change, reason):
    assert Pusher(server).send("booking.create", {"booking": study_booking(**change)}) == ("rejected", reason)


@pytest.mark.parametrize("change", [{"consent": "no"}, {"consent": 2}, {"category": "算命"},
                                    {"text": "好" * 101}, {"phone": "13912345678 "}, {"code": "X1"}],
                         ids=["consent-no", "consent-2", "category", "long", "phone", "code"])
def test_a_wish_the_kiosk_would_refuse_is_refused(server, change):
    assert Pusher(server).send("wish.create", {"wish": wish(**change)}) == ("rejected", "invalid")
    assert server_rows(server, "SELECT count(*) FROM wishes") == [(0,)]


# -- what a resident wrote arrives as written; what the kiosk would refuse is refused --------
PUNCTUATED = "请帮忙，谢谢！“好”（急）"
BOOKS = {"kind": "books", "day": "2026-11-28", "session": "pb1", "starts_at": "2026-11-28T10:00:00", "seat": None,
         "child_name": "小明", "child_age": 5}
COUNSELING = {"kind": "counseling", "day": None, "session": None, "seat": None, "starts_at": None,
              "topic": "民情诉求", "note": PUNCTUATED}


@pytest.fixture(scope="module")
def one_server(tmp_path_factory):
    """One server process for the input cases below (each sends new ids, phones and seats)."""
    started = Server(tmp_path_factory.mktemp("input"))
    set_up_center(started)
    started.start()
    yield started
    started.stop()


def test_chinese_punctuation_and_latin_names_are_stored_as_the_kiosk_sent_them(one_server):
    send = Pusher(one_server).send
    w, counseling = wish(text=PUNCTUATED, name="Zhang Wei"), study_booking(**COUNSELING, name="Lü Xin")
    books = study_booking(**dict(BOOKS, child_name="Anna Li"), name="阿依古丽·买买提")
    assert send("wish.create", {"wish": w}) == ("applied", None)
    for booking in (counseling, books):
        assert send("booking.create", {"booking": booking}) == ("applied", None)
    [(wish_data,)] = server_rows(one_server, "SELECT data FROM wishes WHERE id = ?", w["id"])
    assert (json.loads(wish_data)["text"], json.loads(wish_data)["name"]) == (PUNCTUATED, "Zhang Wei")
    stored = dict(server_rows(one_server, "SELECT id, data FROM bookings"))
    assert json.loads(stored[counseling["id"]])["note"] == PUNCTUATED
    assert json.loads(stored[counseling["id"]])["name"] == "Lü Xin"
    assert json.loads(stored[books["id"]])["child_name"] == "Anna Li"


@pytest.mark.parametrize("change", [
    {"name": "·"}, {"name": "···"}, {"name": "张··三"}, {"name": "·张三"}, {"name": "Zhang  Wei"},
    {"name": ["张三"]}, {"name": None}, {"phone": 13812345678}, {"seat": "3"}, {"seat": 3.5}, {"seat": None},
    {"seat": True}, {"ticket": "١٢٣٤٥٦"}, {"ticket": "１２３４５６"},
], ids=["dot", "dots", "double-dot", "leading-dot", "two-spaces", "name-list", "name-none", "phone-int",
        "seat-str", "seat-float", "seat-none", "seat-bool", "ticket-arabic-indic", "ticket-fullwidth"])
def test_a_study_booking_with_separators_or_wrong_types_is_refused_with_a_reason(one_server, change):
    booking = study_booking(**change)
    assert Pusher(one_server).send("booking.create", {"booking": booking}) == ("rejected", "invalid")
    assert server_rows(one_server, "SELECT count(*) FROM bookings WHERE id = ?", booking["id"]) == [(0,)]


@pytest.mark.parametrize("change", [
    dict(BOOKS, child_age="1_0"), dict(BOOKS, child_age="٣"), dict(BOOKS, child_age="5"), dict(BOOKS, child_age=3.5),
    dict(BOOKS, child_age=True), dict(BOOKS, child_name="···"), dict(BOOKS, child_name=["小明"]),
    dict(COUNSELING, note="第一行\u2028第二行"), dict(COUNSELING, note="第一段\u2029第二段"),
    dict(COUNSELING, note="第一行\n第二行"), dict(COUNSELING, note=["备注"]), dict(COUNSELING, topic=["民情诉求"]),
], ids=["age-underscore", "age-arabic-indic", "age-str", "age-float", "age-bool", "child-dots", "child-list",
        "line-separator", "paragraph-separator", "line-feed", "note-list", "topic-list"])
def test_a_sign_up_or_request_the_kiosk_would_refuse_is_refused_with_a_reason(one_server, change):
    booking = study_booking(**change)
    assert Pusher(one_server).send("booking.create", {"booking": booking}) == ("rejected", "invalid")
    assert server_rows(one_server, "SELECT count(*) FROM bookings WHERE id = ?", booking["id"]) == [(0,)]


@pytest.mark.parametrize("change", [
    {"text": "请帮忙\u2028谢谢"}, {"text": "请帮忙\u2029谢谢"}, {"text": "请帮忙\n谢谢"}, {"text": "请帮忙\x85谢谢"},
    {"text": ["心愿"]}, {"name": "···"}, {"name": 7}, {"consent": "yes"}, {"code": "W١٢٣٤٥٦"},
], ids=["line-separator", "paragraph-separator", "line-feed", "next-line", "text-list", "name-dots", "name-int",
        "consent-str", "code-arabic-indic"])
def test_a_wish_with_line_breaks_separators_or_wrong_types_is_refused_with_a_reason(one_server, change):
    w = wish(**change)
    assert Pusher(one_server).send("wish.create", {"wish": w}) == ("rejected", "invalid")
    assert server_rows(one_server, "SELECT count(*) FROM wishes WHERE id = ?", w["id"]) == [(0,)]


def test_a_cancellation_with_other_digits_is_refused_with_a_reason(one_server):
    b = booked(one_server)
    wide = b["phone"][-4:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert Pusher(one_server).send("booking.cancel", change_of(b, "cancelled", last4=wide)) == ("rejected", "invalid")
    assert Pusher(one_server).send("booking.cancel", cancel(b)) == ("applied", None)


@pytest.mark.parametrize("mutation_type, data", [
    ("booking.lift_block", {"phone": "13812345678", "reason": "家中有事\u2028已说明"}),
    ("booking.lift_block", {"phone": "13812345678", "reason": " 家中有事 "}),
    ("booking.lift_block", {"phone": "13812345678"}),
    ("booking.lift_block", {"phone": "１３８１２３４５６７８", "reason": "家中有事"}),
    ("ledger.add", ledger_entry(activity="助老服务\u2029")),
    ("ledger.add", ledger_entry(reason="第一行\n第二行")),
], ids=["lift-line-separator", "lift-spaces", "lift-no-reason", "lift-fullwidth-phone", "activity-separator",
        "reason-line-feed"])
def test_a_staff_members_text_the_kiosk_would_refuse_is_refused_with_a_reason(one_server, mutation_type, data):
    assert Pusher(one_server).send(mutation_type, dict(data, staff_id=DUTY)) == ("rejected", "invalid")
    assert Pusher(one_server).send("booking.lift_block", {"phone": "13812345678", "reason": "家中有事，已说明（电话）",
                                                          "staff_id": DUTY}) == ("applied", None)


def test_a_no_show_undone_with_a_line_separator_in_its_reason_is_refused_with_a_reason(one_server):
    b, send = no_show(one_server), Pusher(one_server).send
    assert send("booking.reinstate", change_of(b, "booked", reason="时钟不准\u2028误判", staff_id=DUTY)) \
        == ("rejected", "invalid")
    assert send("booking.reinstate", change_of(b, "booked", reason="时钟不准，误判为未到", staff_id=DUTY)) \
        == ("applied", None)


# -- nothing bad enters the feed ------------------------------------------------------------
@pytest.mark.parametrize("volunteer", [
    {"pin_hash": "pbkdf2_sha256$x"},
    {"pin_hash": "pbkdf2_sha256$2000000000$AAAAAAAAAAAAAAAAAAAAAA==$"
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"phone": "12345"}, {"name": "王" * 21},
], ids=["malformed-hash", "2e9-iterations", "phone", "name"])
def test_the_office_cannot_put_a_row_that_would_break_a_kiosk(server, volunteer):
    before = server_rows(server, "SELECT count(*) FROM changes")
    row = {"id": "v9", "number": "LJY-0009", "name": "李强", "phone": "13712345678", "pin_hash": None, **volunteer}
    with pytest.raises(OfficeError):
        server.office.put_volunteer(server.clerk, "liujiaying", row)
    assert server_rows(server, "SELECT count(*) FROM changes") == before


def test_claimants_and_ledger_amounts_are_bounded_at_the_office(server, kiosks):
    (store, client), _ = kiosks
    w = wish()
    assert Pusher(server).send("wish.create", {"wish": w}) == ("applied", None)
    server.office.set_wish_status(server.clerk, w["id"], "approved")
    with pytest.raises(OfficeError):
        server.office.set_wish_status(server.clerk, w["id"], "claimed", claimant="党" * 20_000,
                                      claimant_kind="party_member")
    with pytest.raises(OfficeError):
        server.office.add_ledger(server.clerk, "liujiaying", ledger_entry(2**62))


# -- places, the waitlist and stock, across kiosks -------------------------------------------
SATURDAY = DAY + timedelta(days=1)  # 绘本故事会, 15 places (assets/center.toml)


def sign_up(store, child: str, phone: str) -> dict:
    bookings = Bookings(store, CENTER, now=NOW)
    slot = next(s for s in bookings.book_sessions() if s.day == SATURDAY)
    return bookings.book_picture(slot.day, slot.session, child, 5, "家长", phone)


def test_two_offline_kiosks_take_the_last_place_and_a_cancellation_promotes_across_kiosks(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    for i in range(14):
        sign_up(a, "孩子", f"1371234{i:04d}")
    client_a.cycle()
    client_b.cycle()
    # both offline now: each sees one place left and gives it away
    at_a = sign_up(a, "小明", "13812345678")
    at_b = sign_up(b, "小红", "13912345678")
    assert at_a["status"] == at_b["status"] == "booked"
    client_a.cycle()
    client_b.cycle()
    client_a.cycle()
    assert server_rows(server, "SELECT count(*) FROM bookings WHERE status = 'booked'") == [(15,)]
    assert b.db["bookings"].get(at_b["id"])["status"] == "waiting"  # the server's answer, after sync
    assert a.db["bookings"].get(at_a["id"])["status"] == "booked"
    Bookings(a, CENTER, now=NOW).cancel(at_a["ticket"], "5678")
    client_a.cycle()
    client_b.cycle()
    assert b.db["bookings"].get(at_b["id"])["status"] == "booked"  # the family waiting at B got it
    assert server_rows(server, "SELECT status FROM bookings WHERE id = ?", at_b["id"]) == [("booked",)]


def test_the_waitlist_is_full_on_the_server_too(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    for i in range(15 + CENTER.rules.waitlist):
        sign_up(a, "孩子", f"1371234{i:04d}")
    with pytest.raises(BookingError) as full:  # the kiosk knows its own count
        sign_up(a, "小明", "13812345678")
    assert full.value.code == "waitlist_full"
    client_a.cycle()
    late = sign_up(b, "小红", "13912345678")  # b had not heard: it offers a waiting place
    client_b.cycle()
    [row] = b.db["outbox"].rows_where("mutation_id IN (SELECT mutation_id FROM outbox WHERE type = 'booking.create')")
    assert (row["state"], row["reason"]) == ("rejected", "waitlist_full")
    assert b.db["bookings"].get(late["id"])["status"] == "cancelled"


def test_holds_reserve_stock_on_the_kiosk_and_on_the_server(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    server.office.put_catalogue_item(server.clerk, "liujiaying", {"id": "oil", "item": "食用油", "points": 10,
                                                                  "stock": 1})
    client_a.cycle()
    client_b.cycle()
    Passbook(a).request_redemption("v1", "oil")
    with pytest.raises(PassbookError):  # the one in stock is on hold already
        Passbook(a).request_redemption("v1", "oil")
    Passbook(b).request_redemption("v1", "oil")  # offline, b still sees it in stock
    client_a.cycle()
    client_b.cycle()
    [row] = b.db["outbox"].rows_where("type = 'redemption.request'")
    assert (row["state"], row["reason"]) == ("rejected", "out_of_stock")
    assert server_rows(server, "SELECT count(*) FROM holds WHERE status = 'held'") == [(1,)]


def test_the_day_window_follows_the_servers_clock_not_the_kiosks(server):
    far = date.fromisoformat("2026-11-27") + timedelta(days=CENTER.rules.window_days + 1)
    late = study_booking(day=far.isoformat(), starts_at=f"{far.isoformat()}T08:30:00")
    assert Pusher(server).send("booking.create", {"booking": late}) == ("rejected", "not_bookable")


@pytest.mark.parametrize("made_at, answer", [
    ("19:29:59", ("applied", None)),  # under way, check-in still open: the resident can check in
    ("19:30:00", ("rejected", "session_closed")),  # its check-in window has closed
    ("21:40:00", ("rejected", "session_closed")),  # ended
], ids=["in-window", "window-closed", "ended"])
def test_a_session_under_way_is_taken_only_until_its_check_in_closes_by_when_the_kiosk_made_it(
        server, made_at, answer):
    # yesterday's 晚上 19:00-21:30, booked at an offline kiosk and sent this morning: the kiosk's rule
    # (kiosk/sessions.py), judged by when the booking was made, not when it arrived
    yesterday = (DAY - timedelta(days=1)).isoformat()
    late = study_booking(day=yesterday, session="evening", starts_at=f"{yesterday}T19:00:00",
                         created_at=f"{yesterday}T{made_at}")
    assert Pusher(server).send("booking.create", {"booking": late}) == answer


def test_a_counseling_slot_is_taken_only_for_a_topic_its_person_takes(server):
    # Saturday's 10:00 slot is the community's on-duty cadre (assets/center.toml): 民情诉求, not 心理咨询
    slot = dict(COUNSELING, day="2026-11-28", session="c2", starts_at="2026-11-28T10:00:00")
    send = Pusher(server).send
    assert send("booking.create", {"booking": study_booking(**dict(slot, topic="心理咨询"))}) \
        == ("rejected", "not_bookable")
    assert send("booking.create", {"booking": study_booking(**slot)}) == ("applied", None)


def test_a_volunteer_changes_their_own_pin_at_a_kiosk_sealed_and_checked_by_the_server(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    client_a.cycle()  # the roster and the server's public key
    with pytest.raises(PassbookError):
        Passbook(a, now=NOW).change_pin("v1", "999999", "111111")
    Passbook(a, now=NOW).change_pin("v1", PIN, "111111")
    [row] = a.db["outbox"].rows_where("type = 'volunteer.pin_change'")
    assert PIN not in row["payload"] and "111111" not in row["payload"]  # nothing readable in the outbox
    client_a.cycle()
    client_b.cycle()
    assert Passbook(b, now=NOW).sign_in("13812345678", "111111")["id"] == "v1"  # the server's new hash


def test_a_pin_change_the_server_refuses_goes_back_to_the_pin_the_server_knows(server, kiosks):
    (a, client_a), _ = kiosks
    client_a.cycle()
    Passbook(a, now=NOW).change_pin("v1", PIN, "222222")  # offline, while the station resets it
    server.office.reset_pin(server.clerk, "liujiaying", "v1", hash_pin("333333"))
    client_a.cycle()
    [row] = a.db["outbox"].rows_where("type = 'volunteer.pin_change'")
    assert (row["state"], row["reason"]) == ("rejected", "wrong_pin")
    with pytest.raises(PassbookError):
        Passbook(a, now=NOW).sign_in("13812345678", "222222")
    assert Passbook(a, now=NOW).sign_in("13812345678", "333333")["id"] == "v1"


# -- found in review -------------------------------------------------------------------------
def test_a_kiosk_cannot_make_points_by_reversing_a_deduction_or_a_hand_over(server):
    send = Pusher(server).send
    h = hold()
    assert send("redemption.request", {"hold": h}) == ("applied", None)
    handover = {"hold": h["id"], "staff_id": DUTY, "entry": {"uid": "e-given", "at": STAMP}}
    assert send("redemption.handover", handover) == ("applied", None)
    undo = dict(ledger_entry(1, hours=0, reverses_uid="e-given", reason="录错了"), staff_id=DUTY)
    assert send("ledger.reverse", undo) == ("rejected", "over_limit")
    assert server_rows(server, "SELECT sum(points) FROM ledger") == [(999,)]


def test_wrong_current_pins_lock_the_volunteers_pin_changes_and_a_push_checks_only_a_few(server):
    send = Pusher(server).send
    for _ in range(5):
        assert send("volunteer.pin_change", {"id": "v1", "sealed": sealed(server, "999999", "111111")}) \
            == ("rejected", "wrong_pin")
    assert send("volunteer.pin_change", {"id": "v1", "sealed": sealed(server, PIN, "111111")}) \
        == ("rejected", "pin_locked")  # even the right one, for a while
    import requests
    from sync.protocol import push_body
    batch = [{"id": fresh_id, "type": "volunteer.pin_change", "created_at": STAMP,
              "data": {"id": "v1", "sealed": sealed(server, "999999", "111111")}}
             for fresh_id in ("p1", "p2", "p3", "p4", "p5")]
    server.office.put_volunteer(server.clerk, "liujiaying", {"id": "v2", "number": "LJY-0002", "name": "李强",
                                                             "phone": "13912345678", "pin_hash": hash_pin(PIN)})
    for m in batch:
        m["data"] = {"id": "v2", "sealed": sealed(server, "999999", "111111", "v2")}
    answer = requests.post(server.url + "/api/v1/push", json=push_body(batch, 0), timeout=10,
                           headers={"Authorization": f"Bearer {server.tokens['lobby-1']}"}).json()
    assert [r.get("reason") for r in answer["results"]] == ["wrong_pin"] * 3 + ["too_many"] * 2


def test_promotions_are_the_servers_and_a_kiosks_own_is_answered_without_a_feed_row(server, kiosks):
    (a, client_a), _ = kiosks
    for i in range(15):
        sign_up(a, "孩子", f"1371234{i:04d}")
    waiting = sign_up(a, "小明", "13812345678")
    client_a.cycle()
    before = server_rows(server, "SELECT count(*) FROM changes")
    send = Pusher(server).send
    ticket = a.db["bookings"].get(waiting["id"])["ticket"]
    for _ in range(20):  # a kiosk that says "promoted" again and again
        assert send("booking.promote", {"id": waiting["id"], "ticket": ticket, "status": "booked"}) \
            == ("rejected", "still_waiting")
    assert server_rows(server, "SELECT count(*) FROM changes") == before


def test_one_person_one_place_across_kiosks(server):
    send = Pusher(server).send
    first = booked(server)
    again = study_booking(day=first["day"], session=first["session"], starts_at=first["starts_at"],
                          phone=first["phone"])
    assert Pusher(server, "lobby-2").send("booking.create", {"booking": again}) == ("rejected", "person_limit")
    counseling = {"id": "c1", "kind": "counseling", "ticket": "111111", "name": "张三", "phone": "13812340000",
                  "topic": "民情诉求", "note": "", "status": "booked", "created_at": STAMP}
    assert send("booking.create", {"booking": counseling}) == ("applied", None)
    assert send("booking.create", {"booking": dict(counseling, id="c2", ticket="222222")}) \
        == ("rejected", "person_limit")


def test_a_seat_is_released_by_the_schedules_start_even_if_the_kiosk_sent_none(server):
    send = Pusher(server).send
    yesterday = (DAY - timedelta(days=1)).isoformat()
    b = booked(server, day=yesterday, session="morning", starts_at=None, created_at=f"{yesterday}T08:00:00")
    assert send("booking.no_show", change_of(b, "no_show")) == ("applied", None)


def test_an_id_of_another_center_is_refused_not_a_duplicate(server):
    h = hold()
    assert Pusher(server).send("redemption.request", {"hold": h}) == ("applied", None)
    other = dict(h, volunteer_id="v1")
    assert Pusher(server, "xigu-1").send("redemption.request", {"hold": other}) == ("rejected", "invalid")


def test_a_refused_staff_entry_and_hand_over_are_undone_on_the_kiosk(server, kiosks):
    (a, client_a), _ = kiosks
    client_a.cycle()
    book = Passbook(a, now=NOW)
    balance = book.summary("v1")["balance"]
    somebody = OnDuty("somebody", "135790", a.get_meta(SERVER_KEY))  # not an on-duty id
    book.add_service("v1", "共享自习室值守", 2, 20, somebody)
    h = book.request_redemption("v1", "pen")
    client_a.cycle()
    book.hand_over(h["id"], somebody)
    client_a.cycle()
    assert book.summary("v1") == dict(book.summary("v1"), balance=balance - 1, held=1)
    assert a.db["holds"].get(h["id"])["status"] == "held"
    assert a.db["catalogue"].get("pen")["stock"] == 1000


def test_staff_mode_needs_the_staff_members_own_pin_for_each_mutation(server):
    send = Pusher(server).send
    entry = lambda: dict(ledger_entry(), staff_id=DUTY)  # noqa: E731
    assert send("ledger.add", dict(entry(), staff_proof=None)) == ("rejected", "staff_proof")  # an id alone
    assert send("ledger.add", entry(), pin="000000") == ("rejected", "staff_proof")
    signed = entry()
    assert send("ledger.add", signed) == ("applied", None)
    replayed = dict(entry(), staff_proof=signed["staff_proof"])  # a proof read from another mutation
    assert send("ledger.add", replayed) == ("rejected", "staff_proof")
    for _ in range(5):  # five wrong PINs in a row lock the person, at every kiosk
        assert send("ledger.add", entry(), pin="000000") == ("rejected", "staff_proof")
    assert Pusher(server, "lobby-2").send("ledger.add", entry()) == ("rejected", "staff_proof")


def hold_status(server, hold_id: str) -> str:
    return server_rows(server, "SELECT status FROM holds WHERE id = ?", hold_id)[0][0]


def test_a_volunteer_withdraws_their_own_request_while_it_waits_and_only_once(server):
    send, h = Pusher(server).send, hold()
    assert send("redemption.request", {"hold": h}) == ("applied", None)
    assert send("redemption.withdraw", {"hold": h["id"], "volunteer_id": "v2"}) == ("rejected", "not_their_hold")
    assert send("redemption.withdraw", {"hold": "h-nobody", "volunteer_id": "v1"}) == ("rejected", "unknown_hold")
    assert hold_status(server, h["id"]) == "held"
    assert send("redemption.withdraw", {"hold": h["id"], "volunteer_id": "v1"}) == ("applied", None)
    assert hold_status(server, h["id"]) == "withdrawn"
    # the same request withdrawn again (at the other kiosk): nothing more happens
    assert Pusher(server, "lobby-2").send("redemption.withdraw", {"hold": h["id"], "volunteer_id": "v1"}) \
        == ("duplicate", None)
    assert server_rows(server, "SELECT count(*) FROM holds WHERE status = 'held'") == [(0,)]
    handover = {"hold": h["id"], "staff_id": DUTY, "entry": {"uid": "e-late", "at": STAMP}}
    assert send("redemption.handover", handover) == ("rejected", "already_closed")  # withdrawn: not handed out
    assert server_rows(server, "SELECT sum(points) FROM ledger") == [(1000,)]


def test_a_request_handed_out_or_released_is_not_withdrawn(server):
    send = Pusher(server).send
    given, released = hold(), hold()
    for h in (given, released):
        assert send("redemption.request", {"hold": h}) == ("applied", None)
    assert send("redemption.handover", {"hold": given["id"], "staff_id": DUTY,
                                        "entry": {"uid": "e-given", "at": STAMP}}) == ("applied", None)
    server.office.release_hold(server.clerk, "liujiaying", released["id"])
    for h in (given, released):
        assert send("redemption.withdraw", {"hold": h["id"], "volunteer_id": "v1"}) == ("rejected", "already_closed")
    assert (hold_status(server, given["id"]), hold_status(server, released["id"])) == ("handed_over", "released")
    assert server_rows(server, "SELECT sum(points) FROM ledger") == [(999,)]  # the hand-over stands


def test_a_withdrawal_frees_the_points_and_the_stock_at_every_kiosk(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    server.office.put_catalogue_item(server.clerk, "liujiaying", {"id": "oil", "item": "食用油", "points": 600,
                                                                  "stock": 1})
    client_a.cycle()
    book = Passbook(a, now=NOW)
    h = book.request_redemption("v1", "oil")
    client_a.cycle()
    client_b.cycle()
    with pytest.raises(PassbookError):  # the only one is held for v1; 400 points are left
        Passbook(b, now=NOW).request_redemption("v1", "oil")
    assert [p["item"] for p in book.pending("v1")] == ["食用油"]
    assert book.withdraw_redemption("v1", h["id"])["status"] == "withdrawn"
    assert book.summary("v1")["balance"] == 1000 and book.pending("v1") == []  # back at once, here
    with pytest.raises(PassbookError):
        book.withdraw_redemption("v1", h["id"])  # not twice
    client_a.cycle()
    assert hold_status(server, h["id"]) == "withdrawn"
    client_b.cycle()
    assert b.db["holds"].get(h["id"])["status"] == "withdrawn"
    assert Passbook(b, now=NOW).summary("v1") == dict(Passbook(b, now=NOW).summary("v1"), balance=1000, held=0)
    Passbook(b, now=NOW).request_redemption("v1", "oil")  # the item is free for anyone again


def test_the_office_releases_a_hold_nobody_collects_and_every_kiosk_learns_it(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    client_a.cycle()
    h = Passbook(a).request_redemption("v1", "pen")
    client_a.cycle()
    client_b.cycle()
    assert Passbook(b).summary("v1")["held"] == 1
    server.office.release_hold(server.clerk, "liujiaying", h["id"])
    with pytest.raises(OfficeError, match="already_closed"):
        server.office.release_hold(server.clerk, "liujiaying", h["id"])
    client_a.cycle()
    client_b.cycle()
    assert Passbook(a).summary("v1")["held"] == Passbook(b).summary("v1")["held"] == 0
