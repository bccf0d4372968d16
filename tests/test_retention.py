"""Retention: what the kiosk and the server forget, and when (kiosk/retention.py,
sync/server/retention.py, [retention] of the center document), and the modes
of their database files. The proof reads the database files' bytes: a value
that is gone from the rows but left in free space or the WAL is not gone."""
import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from kiosk import retention
from kiosk.bookings import BookingError, Bookings
from kiosk.center import CenterDataError, Retention, parse_center
from kiosk.clock import PAUSE_KEY
from kiosk.migrations import migrations
from kiosk.paths import CENTER_FILE, ROOT
from kiosk.rejections import rejected
from kiosk.store import Store
from kiosk.tomlfile import read_toml
from kiosk.wishes import Wishes
from sync.client import SyncClient
from sync.server.reads import counseling as counseling_reads
from sync.server.reads import wishes as wish_reads
from sync.server.reads.report import report
from sync.server.settings import Settings
from sync.server.storage import ServerStore
from tests.sync_server import CENTER, DAY, NOW

STUDY = ("柏秘芳", "13912340001")
STUDY_2 = ("柏秘云", "13912340005")
GUARDIAN, CHILD = ("苗秘华", "13912340002"), "小秘豆"
TALK, NOTE = ("纪秘明", "13912340003"), "家里的事很难讲"
WISHER, CLAIM_CONTACT = ("禹秘兰", "13912340004"), "13700009999"
PERSONAL = (*STUDY, *STUDY_2, *GUARDIAN, CHILD, *TALK, NOTE)


def on_disk(db: Path, values) -> set[str]:
    """Which of ``values`` are in the database's files (db, WAL, SHM), as UTF-8
    or JSON-escaped."""
    data = b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())
    return {v for v in values if v.encode() in data or json.dumps(v)[1:-1].encode() in data}


def book_everything(store: Store) -> dict:
    """A study seat (two residents in one session), a picture-book place and a
    counseling request without a slot, made on DAY's morning."""
    bookings = Bookings(store, CENTER, now=NOW)
    pb = bookings.book_sessions()[0]
    return {"study": bookings.book_study(DAY, "morning", 3, *STUDY),
            "study_2": bookings.book_study(DAY, "morning", 4, *STUDY_2),
            "books": bookings.book_picture(pb.day, pb.session, CHILD, 5, *GUARDIAN),
            "talk": bookings.request_counseling("婚姻家庭", None, *TALK, NOTE, consent=True)}


def acknowledge_all(store: Store) -> None:
    """What the server's answer does to the outbox (the end-to-end test pushes for real)."""
    with store.transaction() as db:
        db.execute("UPDATE outbox SET state = 'applied'")


# -- the center's periods ---------------------------------------------------------------------
def center_with(retention_table) -> dict:
    data = read_toml(CENTER_FILE, "center file", CenterDataError)
    return dict(data, retention=retention_table)


def test_the_shipped_center_has_the_documented_defaults():
    assert parse_center(read_toml(CENTER_FILE, "center file", CenterDataError)).retention == Retention()
    data = read_toml(CENTER_FILE, "center file", CenterDataError)
    del data["retention"]
    assert parse_center(data).retention == Retention(outbox_days=7, booking_days=30, wish_days=30,
                                                     server_booking_days=180, server_wish_days=180)


def test_a_center_sets_its_own_periods_and_a_bad_one_is_named():
    assert parse_center(center_with({"server_booking_days": 90, "outbox_days": 1})).retention \
        == Retention(outbox_days=1, server_booking_days=90)
    for table, words in (({"booking_days": 10}, "retention.booking_days must be 30 to 3650"),
                         ({"outbox_days": 0}, "retention.outbox_days must be 1 to 3650"),
                         ({"server_wish_days": "180"}, "retention.server_wish_days: expected int"),
                         ({"server_wish_day": 30}, "unknown key 'server_wish_day'"),
                         (30, "retention: expected a table")):
        with pytest.raises(CenterDataError, match=words):
            parse_center(center_with(table))


# -- the kiosk ----------------------------------------------------------------------------------
def test_the_kiosk_forgets_on_time_in_its_files(tmp_path, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 1)  # a batch a booking: the batches add up
    path = tmp_path / "data" / "kiosk.db"
    store = Store(path)
    made = book_everything(store)
    assert on_disk(path, PERSONAL) == set(PERSONAL)  # the check sees them while they are kept
    acknowledge_all(store)

    # the next day: the server has the counseling request, so its topic and note go; the rest is kept
    retention.purge(store, Retention(), now=lambda: NOW() + timedelta(days=1))
    talk = store.db["bookings"].get(made["talk"]["id"])
    assert (talk["topic"], talk["note"], talk["name"]) == (None, None, TALK[0])
    assert on_disk(path, PERSONAL) == set(PERSONAL) - {NOTE}
    assert store.db["outbox"].count == 4  # acknowledged, but not yet outbox_days old

    # past every period (the outbox's is counted from the real clock it was stamped with)
    later = datetime.now() + timedelta(days=40)
    done = retention.purge(store, Retention(), now=lambda: later)
    assert done["bookings"] == 4 and done["outbox"] == 4
    store.close()
    assert on_disk(path, PERSONAL) == set()
    store = Store(path)
    kept = {row["id"]: row for row in store.db["bookings"].rows}
    for key, booking in made.items():  # what the seat map and the counts need is still there
        row = kept[booking["id"]]
        assert {k: row[k] for k in ("ticket", "kind", "day", "session", "seat", "status")} \
            == {k: booking[k] for k in ("ticket", "kind", "day", "session", "seat", "status")}
        assert all(row[k] is None for k in retention.PERSONAL), key
    assert Bookings(store, CENTER, now=NOW).seat_map(DAY, "morning")[3] is True
    with pytest.raises(BookingError, match="没有找到"):  # a forgotten phone matches no last four
        Bookings(store, CENTER, now=NOW).cancel(made["study"]["ticket"], STUDY[1][-4:])
    store.close()


def test_until_its_day_is_long_enough_past_a_booking_keeps_what_the_no_show_rule_needs(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    made = book_everything(store)
    acknowledge_all(store)
    day = datetime.combine(DAY, NOW().time())
    retention.purge(store, Retention(), now=lambda: day + timedelta(days=30))
    assert store.db["bookings"].get(made["study"]["id"])["phone"] == STUDY[1]
    retention.purge(store, Retention(), now=lambda: day + timedelta(days=31))
    assert store.db["bookings"].get(made["study"]["id"])["phone"] is None
    store.close()


def test_a_request_the_server_has_not_answered_keeps_its_topic(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    made = book_everything(store)
    retention.purge(store, Retention(), now=lambda: NOW() + timedelta(days=1))
    assert store.db["bookings"].get(made["talk"]["id"])["topic"] == "婚姻家庭"
    assert store.pending_count() == 4  # nothing unsent is ever dropped
    retention.purge(store, Retention(), now=lambda: datetime.now() + timedelta(days=400))
    assert store.pending_count() == 4 and "婚姻家庭" in {r["payload"]["booking"].get("topic")
                                                      for r in store.pending()}
    store.close()


def test_a_refusal_stays_listed_for_staff_without_the_residents_phone(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    made = book_everything(store)
    with store.transaction() as db:
        db.execute("UPDATE outbox SET state = 'rejected', reason = 'seat_taken' "
                   "WHERE json_extract(payload, '$.booking.id') = ?", [made["study"]["id"]])
    assert rejected(store)[0]["reference"] == f"{made['study']['ticket']} 139****0001"
    retention.purge(store, Retention(), now=lambda: datetime.now() + timedelta(days=40))
    [listed] = rejected(store)
    assert listed["reference"] == made["study"]["ticket"] and listed["reason"]
    store.close()
    assert STUDY[1] not in on_disk(tmp_path / "kiosk.db", [STUDY[1]])


def test_the_daily_job_purges_once_a_day(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    made = book_everything(store)
    acknowledge_all(store)
    today = [datetime.now() + timedelta(days=40)]
    tick = retention.daily(store, lambda: CENTER, now=lambda: today[0])
    store.set_meta(PAUSE_KEY, json.dumps({"at": "x", "seconds": 518400, "source": "monotonic"}))
    tick().join()  # a clock that jumped 6 days ahead: nothing is forgotten early
    assert store.get_meta(retention.PURGED_KEY) is None
    assert store.db["bookings"].get(made["study"]["id"])["phone"] == STUDY[1]
    with store.transaction() as db:  # the server's Date or staff confirmed the clock
        db.execute("DELETE FROM meta WHERE key = ?", [PAUSE_KEY])
    tick().join()  # its own thread and connection: the screens never wait for it
    assert store.get_meta(retention.PURGED_KEY) == today[0].date().isoformat()
    with store.transaction() as db:  # something old enough appears later the same day
        db.execute("UPDATE bookings SET name = ?, phone = ? WHERE id = ?", [*STUDY, made["study"]["id"]])
    tick().join()
    assert store.db["bookings"].get(made["study"]["id"])["phone"] == STUDY[1]
    today[0] += timedelta(days=1)
    tick().join()
    assert store.db["bookings"].get(made["study"]["id"])["phone"] is None
    store.close()


def test_an_older_kiosk_database_gains_forgettable_bookings_with_its_rules_intact(tmp_path):
    path = tmp_path / "kiosk.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m013_bookings_forgettable")
    db["bookings"].insert({"id": "old", "ticket": "123456", "kind": "study", "day": DAY.isoformat(),
                           "session": "morning", "seat": 3, "starts_at": f"{DAY}T08:30:00", "name": STUDY[0],
                           "phone": STUDY[1], "status": "booked", "created_at": "x", "updated_at": "x"})
    db["booking_events"].insert({"booking_id": "old", "event": "created:booked", "at": "x"})
    db.close()
    store = Store(path)
    assert store.db["bookings"].get("old")["phone"] == STUDY[1]
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError, match="bookings.seat"):  # the seat's UNIQUE index still decides
        with store.transaction():
            store.db["bookings"].insert(dict(store.db["bookings"].get("old"), id="new", ticket="654321",
                                             phone="13912349999"))
    with store.transaction():  # two forgotten residents of one session are not one person
        store.db["bookings"].insert(dict(store.db["bookings"].get("old"), id="new", ticket="654321", seat=4,
                                         phone=STUDY_2[1]))
        store.db.execute("UPDATE bookings SET name = NULL, phone = NULL")
    assert Bookings(store, CENTER, now=NOW).seat_map(DAY, "morning")[3] is True
    store.close()


# -- file modes ------------------------------------------------------------------------------
@pytest.mark.parametrize("opens", [Store, ServerStore], ids=["kiosk", "server"])
def test_database_wal_shm_and_folder_made_private_when_found_looser(tmp_path, opens):
    path = tmp_path / "data" / "the.db"
    path.parent.mkdir()
    path.parent.chmod(0o755)
    earlier = sqlite3.connect(path)  # a WAL and SHM left 0644 by an older version
    earlier.execute("PRAGMA journal_mode=WAL")
    earlier.execute("CREATE TABLE t (x)")
    files = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
    for name in files:
        name.chmod(0o644)
    opened = opens(path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert {name.name: stat.S_IMODE(name.stat().st_mode) for name in files} \
        == {name.name: 0o600 for name in files}
    opened.close()
    earlier.close()


def test_a_shared_sticky_folder_is_left_alone_and_the_file_is_private(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    Store(shared / "kiosk.db").close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "kiosk.db").stat().st_mode) == 0o600


# -- the proof: kiosk and server, through the real push ----------------------------------------
def test_after_the_periods_personal_fields_are_gone_from_kiosk_and_server_files(server, tmp_path):
    server.start()
    kiosk_db = tmp_path / "kiosk" / "kiosk.db"
    store = Store(kiosk_db)
    made = book_everything(store)
    wish = Wishes(store, now=NOW).submit(*WISHER, "生活帮扶", "楼道灯坏了，请帮忙修一下", consent=True)
    SyncClient(store, server.url, server.tokens["lobby-1"], timeout=30).cycle()
    assert store.pending_count() == 0
    # the server has the counseling request: the kiosk forgot its topic and note at once
    talk = store.db["bookings"].get(made["talk"]["id"])
    assert (talk["topic"], talk["note"]) == (None, None)
    sent = [json.loads(row[0])["booking"] for row in store.db.execute(
        "SELECT payload FROM outbox WHERE type = 'booking.create'")]
    assert len(sent) == 4 and not any("topic" in b or "note" in b for b in sent if b["kind"] == "counseling")

    office, clerk = server.office, server.clerk
    office.set_wish_status(clerk, wish["id"], "approved")
    office.set_wish_status(clerk, wish["id"], "claimed", claimant="敦煌路小学党支部", claimant_kind="member_unit",
                           claimant_contact=CLAIM_CONTACT)
    office.set_wish_status(clerk, wish["id"], "fulfilled", fulfilled_note="已修好")
    office.follow_up_counseling(clerk, made["talk"]["id"], "call_back", note="纪秘明说晚上方便")
    SyncClient(store, server.url, server.tokens["lobby-1"], timeout=30).cycle()  # the wall learns 已实现
    assert store.db["wishes"].get(wish["id"])["status"] == "fulfilled"
    server.stop()

    server_secrets = (*PERSONAL, *WISHER, CLAIM_CONTACT, "纪秘明说晚上方便")
    server_db = server.db
    assert on_disk(server_db, server_secrets) == set(server_secrets)
    topics = CENTER.counseling_topics
    before = server.store.read(report, "liujiaying", 2026, topics)
    assert before.counseling and before.study

    def purge(now: str) -> str:
        done = subprocess.run([sys.executable, "-m", "sync.server.cli", "--db", str(server_db), "purge"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "LIULINHUI_SERVER_FAKE_NOW": now})
        assert done.returncode == 0, done.stderr
        return done.stdout

    # within the periods nothing goes
    assert "liujiaying\tbookings 0\tfollow_ups 0\twishes 0" in purge("2027-05-20T07:00:00")
    assert on_disk(server_db, server_secrets) == set(server_secrets)
    # 180 days after the bookings' day and the wish's writing
    assert "liujiaying\tbookings 4\tfollow_ups 1\twishes 1" in purge("2027-06-01T07:00:00")
    assert on_disk(server_db, server_secrets) == set()

    # the non-personal facts remain: the 年度台账 counts what it counted, the ledgers list the records
    after = ServerStore(server_db, now=Settings(fake_now="2027-06-01T07:00:00").clock())
    assert after.read(report, "liujiaying", 2026, topics) == before
    request = after.read(counseling_reads.request, "liujiaying", made["talk"]["id"])
    assert (request["topic"], request["name"], request["note"], request["follow_note"]) == ("婚姻家庭", "", None, None)
    shown = after.read(wish_reads.one, "liujiaying", wish["id"])
    assert (shown["status"], shown["category"], shown["name"], shown["phone"], shown["claimant_contact"]) \
        == ("fulfilled", "生活帮扶", "", "", None)
    after.close()

    # the kiosk, past its own periods: the wall still shows the fulfilled wish, as 禹**
    assert on_disk(kiosk_db, WISHER) == set(WISHER)
    retention.purge(store, CENTER.retention, now=lambda: datetime.now() + timedelta(days=40))
    cards, _pages = Wishes(store).wall()
    assert [(c.who, c.category) for c in cards] == [("禹**", "生活帮扶")]
    store.close()
    assert on_disk(kiosk_db, (*PERSONAL, *WISHER)) == set()


def test_the_serving_process_purges_at_start_and_keeps_going_when_a_purge_fails():
    import threading

    from sync.server.retention import start_daily

    class Store:
        def __init__(self):
            self.calls, self.second = 0, threading.Event()

        def purge(self):
            self.calls += 1
            if self.calls == 1:
                raise sqlite3.OperationalError("database is locked")
            self.second.set()
            return {}

    store = Store()
    stop = start_daily(store, every=0.01)
    assert store.second.wait(60)  # a bound for a broken thread, not a timing
    stop.set()


def test_the_desk_sees_a_forgotten_topic_again_from_the_servers_answer(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    made = book_everything(store)
    acknowledge_all(store)
    retention.forget_counseling_details(store.db.conn)
    bookings = Bookings(store, CENTER, now=NOW)
    [here] = bookings.counseling_today()
    assert (here["id"], here["topic"], here["note"]) == (made["talk"]["id"], None, None)
    server_row = dict(made["talk"], remote=True)  # what POST /api/v1/duty/today answers for it
    [shown] = bookings.counseling_today([server_row])
    assert (shown["topic"], shown["note"], shown.get("remote")) == ("婚姻家庭", NOTE, None)
    store.close()
