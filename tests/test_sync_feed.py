"""What the office publishes reaches every kiosk of the center through pull,
and what kiosks push is checked by the server with the kiosk's own rules
(against the real server process on loopback)."""
import sqlite3
import tomllib
from datetime import timedelta

import pytest
import requests

from kiosk.bookings import Bookings, BookingError
from kiosk.center import PUBLISHED_KEY, effective_center
from kiosk.passbook import Passbook
from kiosk.pins import hash_pin
from kiosk.paths import CENTER_FILE
from kiosk.rejections import rejected
from kiosk.store import Store
from kiosk.wishes import Wishes
from sync.client import CURSOR_KEY
from sync.protocol import push_body
from sync.server.office import OfficeError
from tests.sync_server import CENTER, DAY, DUTY, NOW, on_duty

RICE = {"id": "rice", "item": "大米 5 斤", "points": 50, "stock": 3}



@pytest.fixture
def server(running_server):
    return running_server



def office_sets_up_a_volunteer_with_60_points_and_rice(server) -> None:
    server.office.put_volunteer(server.clerk, "liujiaying", {"id": "v1", "number": "LJY-0001", "name": "王芳",
                                              "phone": "13812345678", "pin_hash": None})
    server.office.add_ledger(server.clerk, "liujiaying", {"volunteer_id": "v1", "activity": "敬老院陪伴", "points": 60})
    server.office.put_catalogue_item(server.clerk, "liujiaying", {"id": "rice", "item": "大米 5 斤", "points": 50,
                                                   "stock": 3})


def dump(store: Store) -> dict:
    tables = ("bookings", "remote_bookings", "wishes", "wish_claims", "volunteers", "ledger",
              "catalogue", "holds", "meta")
    return {t: sorted(map(tuple, store.db.execute(f"SELECT * FROM {t}").fetchall()), key=repr)
            for t in tables}


def test_roster_points_and_catalogue_reach_the_kiosk_and_a_second_pull_changes_nothing(server, kiosks):
    (store, client), _ = kiosks
    staff = server.office
    staff.put_volunteer(server.clerk, "liujiaying", {"id": "v1", "number": "LJY-0001", "name": "王芳",
                                       "phone": "13812345678", "pin_hash": hash_pin("246810")})
    staff.add_ledger(server.clerk, "liujiaying", {"volunteer_id": "v1", "at": "2026-11-20T09:00:00",
                                    "activity": "敬老院陪伴", "hours": 3, "points": 15})
    staff.add_ledger(server.clerk, "liujiaying", {"volunteer_id": "v1", "at": "2026-11-21T09:00:00",
                                    "activity": "社区环境清洁", "hours": 2, "points": 40})
    staff.put_catalogue_item(server.clerk, "liujiaying", {"id": "rice", "item": "大米 5 斤", "points": 50, "stock": 3})
    assert client.cycle() >= {"volunteer", "ledger", "catalogue"}

    book = Passbook(store, now=NOW)
    volunteer = book.sign_in("13812345678", "246810")  # the PIN hash came with the roster
    assert book.summary(volunteer["id"])["balance"] == 55
    assert [i["stock"] for i in book.catalogue()] == [3]

    before = dump(store)
    store.set_meta(CURSOR_KEY, "0")  # the same pages applied a second time
    client.cycle()
    assert dump(store) == before


def test_points_and_a_hand_over_made_at_a_kiosk_come_back_once(server, kiosks):
    (store, client), (other, other_client) = kiosks
    office_sets_up_a_volunteer_with_60_points_and_rice(server)
    client.cycle()
    book = Passbook(store, now=NOW)
    book.add_service("v1", "共享自习室值守", 4, 20, on_duty(store))
    hold = book.request_redemption("v1", "rice")
    book.hand_over(hold["id"], on_duty(store))
    client.cycle()
    other_client.cycle()
    for kiosk in (store, other):  # the same passbook everywhere, no entry twice
        assert Passbook(kiosk).summary("v1")["balance"] == 60 + 20 - 50
        assert kiosk.db["ledger"].count == 3
        assert kiosk.db["catalogue"].get("rice")["stock"] == 2
    assert server.store.db["ledger"].count == 3


def test_two_kiosks_cannot_spend_the_same_points_twice_offline(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    office_sets_up_a_volunteer_with_60_points_and_rice(server)
    client_a.cycle()
    client_b.cycle()
    Passbook(a).request_redemption("v1", "rice")  # both kiosks offline: each sees 60 points
    Passbook(b).request_redemption("v1", "rice")
    client_a.cycle()
    client_b.cycle()
    [row] = b.db["outbox"].rows_where("type = 'redemption.request'")
    assert (row["state"], row["reason"]) == ("rejected", "insufficient_points")


def test_a_seat_booked_at_one_kiosk_is_taken_at_the_other(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    Bookings(a, CENTER, now=NOW).book_study(DAY, "morning", 5, "张三", "13812345678")
    client_a.cycle()
    client_b.cycle()
    at_b = Bookings(b, CENTER, now=NOW)
    assert at_b.seat_map(DAY, "morning")[5] is True
    morning = next(s for s in at_b.study_sessions(DAY) if s.session == "morning")
    assert morning.taken == 1
    with pytest.raises(BookingError) as refused:
        at_b.book_study(DAY, "morning", 5, "李四", "13912345678")
    assert refused.value.code == "seat_taken"
    assert "13812345678" not in repr(dump(b))  # the other kiosk learns the place, not the person


def test_the_office_cancelling_a_booking_reaches_the_kiosk_but_not_over_an_unsent_change(server, kiosks):
    (store, client), _ = kiosks
    bookings = Bookings(store, CENTER, now=NOW)
    first = bookings.book_study(DAY, "morning", 1, "张三", "13812345678")
    second = bookings.book_study(DAY, "afternoon", 2, "张三", "13812345678")
    client.cycle()
    server.office.set_booking_status(server.clerk, first["id"], "cancelled")
    server.office.set_booking_status(server.clerk, second["id"], "checked_in")
    # the visitor cancels the second at the kiosk before the pull: the kiosk's newer state stays
    bookings.cancel(second["ticket"], "5678")
    client.pull_once()
    assert store.db["bookings"].get(first["id"])["status"] == "cancelled"
    assert store.db["bookings"].get(second["id"])["status"] == "cancelled"


def test_published_schedules_closures_and_pauses_reach_the_kiosk(server, kiosks):
    (store, client), _ = kiosks
    document = tomllib.loads(CENTER_FILE.read_text(encoding="utf-8"))
    holiday = DAY + timedelta(days=1)
    document["bookings"]["holidays"] = [holiday.isoformat()]
    document["study_room"]["seats"] = 12
    server.office.publish_center(server.clerk, "liujiaying", document)
    server.office.pause_bookings(server.clerk, "liujiaying", "今天下午停电检修，暂停预约")
    assert {"center", "bookings.pause"} <= client.cycle()
    center = effective_center(CENTER, store.get_meta(PUBLISHED_KEY))
    bookings = Bookings(store, center, now=NOW)
    assert holiday not in bookings.open_days() and DAY in bookings.open_days()
    assert len(bookings.seat_map(DAY, "morning")) == 12
    assert bookings.paused() == "今天下午停电检修，暂停预约"
    server.office.pause_bookings(server.clerk, "liujiaying", None)
    client.cycle()
    assert bookings.paused() is None


def test_a_document_the_kiosk_could_not_read_is_refused_at_the_server(server):
    document = tomllib.loads(CENTER_FILE.read_text(encoding="utf-8"))
    document["bookings"]["holidays"] = ["明天"]
    with pytest.raises(ValueError, match="holidays"):
        server.office.publish_center(server.clerk, "liujiaying", document)


def test_an_approved_wish_reaches_the_other_kiosks_wall_without_name_or_phone(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    wish = Wishes(a).submit("张秀英", "13812345678", "环境设施", "楼道灯坏了", consent=True)
    client_a.cycle()
    server.office.set_wish_status(server.clerk, wish["id"], "approved")
    server.office.set_wish_status(server.clerk, wish["id"], "claimed", claimant="社区党员", claimant_kind="party_member")
    client_a.cycle()
    client_b.cycle()
    for kiosk in (a, b):
        [card], _ = Wishes(kiosk).wall()
        assert (card.who, card.status, card.claimant) == ("张**", "已认领", "社区党员")
    assert "张秀英" not in repr(dump(b)) and "13812345678" not in repr(dump(b))
    server.office.set_wish_status(server.clerk, wish["id"], "approved")  # the claim withdrawn at the office
    client_b.cycle()
    [card], _ = Wishes(b).wall()
    assert (card.status, card.claimant) == ("待认领", "")


def test_the_server_checks_records_with_the_kiosks_own_rules(server):
    headers = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}

    def push(*mutations):
        body = push_body(list(mutations), 0)
        return requests.post(server.url + "/api/v1/push", json=body, headers=headers, timeout=5).json()

    stamp = "2026-11-27T07:00:00"
    good = {"id": "b1", "kind": "study", "day": DAY.isoformat(), "session": "morning", "seat": 3,
            "name": "张三", "phone": "13812345678", "status": "booked", "ticket": "123456", "created_at": stamp}
    answer = push(
        {"id": "m1", "type": "booking.create", "created_at": stamp, "data": {"booking": good}},
        {"id": "m2", "type": "booking.create", "created_at": stamp,
         "data": {"booking": dict(good, id="b2", seat=4, name="张三😀")}},
        {"id": "m3", "type": "booking.create", "created_at": stamp,
         "data": {"booking": dict(good, id="b3", seat=999)}},
        {"id": "m4", "type": "wish.create", "created_at": stamp,
         "data": {"wish": {"id": "w1", "name": "李四", "phone": "12345", "category": "其他",
                           "text": "想参加书画交流", "consent": 1, "status": "submitted"}}},
        {"id": "m5", "type": "booking.cancel", "created_at": stamp,
         "data": {"id": "nobody", "ticket": "654321", "status": "cancelled", "last4": "5678"}},
    )
    assert [(r["status"], r.get("reason")) for r in answer["results"]] == [
        ("applied", None), ("rejected", "invalid"), ("rejected", "invalid"), ("rejected", "invalid"),
        ("rejected", "unknown_booking")]
    db = sqlite3.connect(server.db)
    assert db.execute("SELECT id FROM bookings").fetchall() == [("b1",)]
    assert db.execute("SELECT count(*) FROM wishes").fetchone()[0] == 0


@pytest.fixture
def held(server, kiosks):
    """A volunteer's redemption request made at lobby-1 and synced; lobby-1's push headers."""
    (store, client), _ = kiosks
    office_sets_up_a_volunteer_with_60_points_and_rice(server)
    client.cycle()
    hold = Passbook(store).request_redemption("v1", "rice")
    client.cycle()
    return hold, {"Authorization": f"Bearer {server.tokens['lobby-1']}"}


def test_a_refused_hand_over_leaves_the_hold_and_the_stock_as_they_were(server, held):
    hold, headers = held
    bad = {"id": "m-bad", "type": "redemption.handover", "created_at": "2026-11-27T07:00:00",
           "data": {"hold": hold["id"], "staff_id": DUTY, "entry": {"uid": "e1", "points": "many"}}}
    answer = requests.post(server.url + "/api/v1/push", json=push_body([bad], 0), headers=headers,
                           timeout=5).json()
    assert answer["results"][0] == {"id": "m-bad", "status": "rejected", "reason": "invalid"}
    db = sqlite3.connect(server.db)
    assert db.execute("SELECT status FROM holds").fetchall() == [("held",)]
    assert db.execute("SELECT stock FROM catalogue").fetchall() == [(3,)]
    assert db.execute("SELECT count(*) FROM ledger").fetchone()[0] == 1


def test_a_record_sent_again_under_a_new_mutation_id_is_a_duplicate_not_a_second_record(server):
    headers = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}
    wish = {"id": "w1", "code": "W000001", "name": "李四", "phone": "13912345678", "category": "其他",
            "text": "想参加书画交流", "consent": 1, "status": "submitted",
            "created_at": "2026-11-27T07:00:00"}

    def push(mutation_id):
        mutation = {"id": mutation_id, "type": "wish.create", "created_at": "2026-11-27T07:00:00",
                    "data": {"wish": wish}}
        return requests.post(server.url + "/api/v1/push", json=push_body([mutation], 0), headers=headers,
                             timeout=5).json()["results"][0]["status"]

    assert [push("m1"), push("m2"), push("m1")] == ["applied", "duplicate", "applied"]
    assert sqlite3.connect(server.db).execute("SELECT count(*) FROM wishes").fetchone()[0] == 1


# -- found in review: the feed never stalls, centers stay apart, refusals undo what they held --
def test_phones_swapped_at_the_office_do_not_stall_the_feed(server, kiosks):
    (store, client), _ = kiosks
    server.office.put_volunteer(server.clerk, "liujiaying", {"id": "v1", "number": "LJY-0001", "name": "王芳",
                                              "phone": "13812345678", "pin_hash": None})
    server.office.put_volunteer(server.clerk, "liujiaying", {"id": "v2", "number": "LJY-0002", "name": "李强",
                                              "phone": "13912345678", "pin_hash": None})
    client.cycle()
    server.office.put_volunteer(server.clerk, "liujiaying", {"id": "v1", "number": "LJY-0002", "name": "王芳",
                                              "phone": "13912345678"})  # typed the wrong way round
    server.office.put_volunteer(server.clerk, "liujiaying", {"id": "v2", "number": "LJY-0001", "name": "李强",
                                              "phone": "13812345678"})
    server.office.put_catalogue_item(server.clerk, "liujiaying", RICE)
    client.cycle()
    phones = {r["id"]: (r["phone"], r["number"]) for r in store.db["volunteers"].rows}
    assert phones == {"v1": ("13912345678", "LJY-0002"), "v2": ("13812345678", "LJY-0001")}
    assert store.db["catalogue"].count == 1 and store.db["sync_conflicts"].count == 0


def test_a_change_the_kiosk_cannot_apply_is_kept_for_staff_and_the_rest_still_arrives(server, kiosks):
    (store, client), _ = kiosks
    db = sqlite3.connect(server.db)
    with db:  # a change naming a volunteer this kiosk has never heard of
        db.execute("INSERT INTO changes (center_id, kind, data, at) VALUES ('liujiaying', 'ledger', ?, '')",
                   ['{"uid": "e1", "volunteer_id": "ghost", "at": "2026-11-27T07:00:00", "activity": "x", '
                    '"hours": 0, "points": 5}'])
    server.office.put_catalogue_item(server.clerk, "liujiaying", RICE)
    client.cycle()
    assert store.db["catalogue"].count == 1  # not stuck behind the bad change
    [row] = [r for r in rejected(store) if r["what"].startswith("服务器变更")]
    assert "ledger" in row["what"] and "本机无法应用" in row["reason"]


def test_a_claim_is_the_offices_the_first_keeps_the_wish_and_every_kiosk_shows_it(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    wish = Wishes(a).submit("张秀英", "13812345678", "环境设施", "楼道灯坏了", consent=True)
    client_a.cycle()
    server.office.set_wish_status(server.clerk, wish["id"], "approved")
    server.office.set_wish_status(server.clerk, wish["id"], "claimed", claimant="李四党员",
                                  claimant_kind="party_member")
    with pytest.raises(OfficeError, match="already_claimed"):  # a second clerk, a moment later
        server.office.set_wish_status(server.clerk, wish["id"], "claimed", claimant="王五党员",
                                      claimant_kind="party_member")
    client_a.cycle()
    client_b.cycle()
    for kiosk in (a, b):
        [card], _ = Wishes(kiosk).wall()
        assert (card.status, card.claimant) == ("已认领", "李四党员")
    history = [(row["action"], row["staff_id"], row["after"]["status"])
               for row in server.office.audit_history(server.clerk, "liujiaying", wish["id"])]
    assert history == [("wish.status", "office-1", "approved"), ("wish.status", "office-1", "claimed")]


def test_wish_codes_drawn_twice_by_two_kiosks_both_reach_the_wall(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    mine = Wishes(b).submit("李四", "13912345678", "其他", "想参加书画交流", consent=True)
    theirs = Wishes(a).submit("张秀英", "13812345678", "环境设施", "楼道灯坏了", consent=True)
    with a.transaction() as db:  # the same six digits drawn at both kiosks
        db.execute("UPDATE wishes SET code = ? WHERE id = ?", [mine["code"], theirs["id"]])
        db.execute("UPDATE outbox SET payload = json_set(payload, '$.wish.code', ?)", [mine["code"]])
    client_a.cycle()
    client_b.cycle()
    for wish in (mine, theirs):
        server.office.set_wish_status(server.clerk, wish["id"], "approved")
    server.office.set_wish_status(server.clerk, theirs["id"], "claimed", claimant="社区党员", claimant_kind="party_member")
    client_b.cycle()
    cards, _ = Wishes(b).wall()
    assert sorted(c.text for c in cards) == ["想参加书画交流", "楼道灯坏了"]
    assert b.db["sync_conflicts"].count == 0


def test_a_refused_redemption_gives_the_points_back_on_the_kiosk(server, kiosks):
    (a, client_a), (b, client_b) = kiosks
    office_sets_up_a_volunteer_with_60_points_and_rice(server)
    client_a.cycle()
    client_b.cycle()
    Passbook(a).request_redemption("v1", "rice")
    Passbook(b).request_redemption("v1", "rice")
    client_a.cycle()
    client_b.cycle()
    assert Passbook(b).summary("v1")["held"] == 50  # a's hold came through the feed
    assert b.db["holds"].get(next(r["id"] for r in b.db["holds"].rows
                                  if r["status"] != "held"))["status"] == "released"


def test_a_hold_sent_again_under_a_new_id_and_wrongly_typed_fields_are_answered_never_a_500(server, held):
    hold, headers = held
    stamp = "2026-11-27T07:00:00"
    good_wish = {"id": "w9", "code": "W000009", "name": "李四", "phone": "13912345678", "category": "其他",
                 "text": "想参加书画交流", "consent": 1, "status": "submitted", "created_at": stamp}
    mutations = [
        {"id": "again", "type": "redemption.request", "created_at": stamp, "data": {"hold": hold}},
        {"id": "typed", "type": "ledger.add", "created_at": stamp,
         "data": {"uid": "u1", "volunteer_id": ["v1"], "at": stamp, "activity": "x", "points": 5}},
        {"id": "typed2", "type": "booking.cancel", "created_at": stamp, "data": {"id": {"x": 1},
                                                                                "status": "cancelled"}},
        {"id": "typed3", "type": "wish.status", "created_at": stamp,
         "data": {"id": "w9", "status": "approved", "reason": ["x"]}},
        {"id": "fine", "type": "wish.create", "created_at": stamp, "data": {"wish": good_wish}},
    ]
    response = requests.post(server.url + "/api/v1/push", json=push_body(mutations, 0), headers=headers,
                             timeout=5)
    assert response.status_code == 200, response.text
    assert [(r["status"], r.get("reason")) for r in response.json()["results"]] == [
        ("duplicate", None), ("rejected", "invalid"), ("rejected", "invalid"), ("rejected", "office_only"),
        ("applied", None)]


def test_ids_stay_in_their_center(server):
    staff = server.office
    server.store.centers.add_center("xigu", "西固某社区服务中心")
    staff.put_volunteer(server.clerk, "liujiaying", {"id": "v1", "number": "LJY-0001", "name": "王芳",
                                       "phone": "13812345678", "pin_hash": None})
    with pytest.raises(ValueError, match="another center"):
        staff.put_volunteer(server.admin, "xigu", {"id": "v1", "number": "XG-0001", "name": "赵六", "phone": "13712345678"})
    staff.put_catalogue_item(server.admin, "xigu", {"id": "oil", "item": "食用油", "points": 10, "stock": 5})
    headers = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}
    hold = {"id": "h1", "volunteer_id": "v1", "item_id": "oil", "points": 10, "status": "held",
            "created_at": "2026-11-27T07:00:00"}
    body = push_body([{"id": "m1", "type": "redemption.request", "created_at": "2026-11-27T07:00:00",
                       "data": {"hold": hold}}], 0)
    answer = requests.post(server.url + "/api/v1/push", json=body, headers=headers, timeout=5).json()
    [result] = answer["results"]
    assert result["reason"] == "unknown_item_or_volunteer"  # another center's item
    assert sqlite3.connect(server.db).execute("SELECT stock FROM catalogue").fetchone()[0] == 5


def test_a_mutation_no_applier_foresaw_is_refused_alone_and_the_rest_of_its_batch_applies(tmp_path,
                                                                                          monkeypatch):
    from sync import mutations
    from sync.server import apply
    from sync.server.storage import ServerStore

    def broken(_ctx, _data):
        raise RuntimeError("an applier's own bug")
    monkeypatch.setattr(apply, "booking_promote", broken)
    monkeypatch.setattr(mutations, "_resolve", mutations._resolve.__wrapped__)  # not the cached one
    store = ServerStore(tmp_path / "s.db")
    store.centers.add_center("liujiaying", "柳家营社区党群服务中心")
    store.centers.add_kiosk("lobby-1", "liujiaying")
    stamp = "2026-11-27T07:00:00"

    def wish(n):
        return {"id": f"m{n}", "type": "wish.create", "created_at": stamp, "data": {"wish": {
            "id": f"w{n}", "code": f"W00000{n}", "name": "李四", "phone": "13912345678", "category": "其他",
            "text": "想参加书画交流", "consent": 1, "status": "submitted", "created_at": stamp}}}
    lift = {"id": "m-lift", "type": "booking.promote", "created_at": stamp,
            "data": {"id": "b1", "ticket": "123456", "status": "booked"}}
    results = store.push("lobby-1", [wish(1), lift, wish(2)], 0)
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("applied", None), ("rejected", "invalid"), ("applied", None)]
    assert store.db["wishes"].count == 2 and store.db["mutations"].count == 3
    assert store.push("lobby-1", [lift], 0) == [results[1]]  # and the answer is kept like any other


def test_a_database_error_is_not_the_mutations_fault_and_nothing_is_recorded(tmp_path, monkeypatch):
    from sync import mutations
    from sync.server import apply
    from sync.server.storage import ServerStore

    def locked(_ctx, _data):
        raise sqlite3.OperationalError("database is locked")
    monkeypatch.setattr(apply, "booking_promote", locked)
    monkeypatch.setattr(mutations, "_resolve", mutations._resolve.__wrapped__)
    store = ServerStore(tmp_path / "s.db")
    store.centers.add_center("liujiaying", "柳家营社区党群服务中心")
    store.centers.add_kiosk("lobby-1", "liujiaying")
    promote = {"id": "m1", "type": "booking.promote", "created_at": "2026-11-27T07:00:00",
               "data": {"id": "b1", "ticket": "123456", "status": "booked"}}
    with pytest.raises(sqlite3.OperationalError):  # the API answers 500 and the kiosk retries later
        store.push("lobby-1", [promote], 0)
    assert store.db["mutations"].count == 0  # not answered "invalid" for good
