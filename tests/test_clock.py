"""The kiosk's clock: the center's zone whatever the machine's, one stored form
read back with the older ones, and a clock that jumps pausing the no-show release
(against the monotonic clock, and against the real server's Date header)."""
import json
import re
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email.utils import formatdate

import pytest

from kiosk.bookings import BookingError, Bookings
from kiosk.center import CenterDataError, load_center, parse_center
from kiosk.clock import PAUSE_KEY, CenterClock, ClockWatch, read, release_paused, stamp, wall, zone
from kiosk.paths import CENTER_FILE
from kiosk.store import Store
from kiosk.tomlfile import read_toml
from kiosk.validation import FieldError, FormError
from kiosk.wishes import Wishes
from tests.sync_server import staff_in_a_standalone_kiosk

CENTER = load_center(CENTER_FILE)
SHANGHAI = zone("Asia/Shanghai")
FRIDAY = date(2026, 11, 27)
# Friday 2026-11-27 07:00 in Lanzhou is 23:00 UTC the evening before
FRIDAY_7AM = datetime(2026, 11, 27, 7, 0, tzinfo=SHANGHAI).timestamp()
DAY = 86400.0
STAMP_FORM = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$"


class Clocks:
    """A wall clock and a monotonic clock that a test moves together or apart."""

    def __init__(self, wall_at: float = FRIDAY_7AM):
        self.wall_at, self.mono_at = wall_at, 1000.0

    def wall(self) -> float:
        return self.wall_at

    def mono(self) -> float:
        return self.mono_at

    def run(self, seconds: float) -> None:
        self.wall_at += seconds
        self.mono_at += seconds

    def center_clock(self) -> CenterClock:
        return CenterClock(SHANGHAI, source=self.wall, monotonic=self.mono)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "k.db")
    yield s
    s.close()


def test_the_center_document_names_the_zone_and_a_bad_one_is_refused():
    assert CENTER.timezone == "Asia/Shanghai" and CENTER.tz == SHANGHAI
    document = read_toml(CENTER_FILE, "center file", CenterDataError)
    document["center"]["timezone"] = "Asia/Urumqi"
    assert parse_center(document).tz == zone("Asia/Urumqi")
    del document["center"]["timezone"]
    assert parse_center(document).timezone == "Asia/Shanghai"  # an older document: the default
    document["center"]["timezone"] = "Lanzhou"
    with pytest.raises(CenterDataError, match="center.timezone"):
        parse_center(document)


def test_now_is_the_centers_time_on_a_machine_left_on_utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        clock = CenterClock(SHANGHAI, source=lambda: FRIDAY_7AM)
        assert datetime.fromtimestamp(FRIDAY_7AM).hour == 23  # what naive datetime.now() said
        assert clock.wall() == datetime(2026, 11, 27, 7, 0)
        assert clock.stamp() == "2026-11-27T07:00:00+08:00"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("text, expected", [
    ("2026-11-27T07:00:00+08:00", datetime(2026, 11, 26, 23, 0, tzinfo=timezone.utc)),  # the one form
    ("2026-11-27T07:00:00", datetime(2026, 11, 26, 23, 0, tzinfo=timezone.utc)),  # naive local (kiosk, before)
    ("2026-11-26T23:00:00.123+00:00", datetime(2026, 11, 26, 23, 0, 0, 123000, tzinfo=timezone.utc)),  # outbox
    ("2026-11-26 23:00:00", datetime(2026, 11, 26, 23, 0, tzinfo=timezone.utc)),  # SQLite datetime('now')
    ("2026-11-26T23:00:00Z", datetime(2026, 11, 26, 23, 0, tzinfo=timezone.utc)),
])
def test_every_stored_form_reads_as_the_same_moment(text, expected):
    assert read(text, SHANGHAI) == expected
    assert stamp(read(text, SHANGHAI), SHANGHAI).startswith("2026-11-27T07:00:00")


def test_what_services_write_is_in_the_one_form(store):
    clocks = Clocks()
    bookings = Bookings(store, CENTER, now=clocks.center_clock())
    seat = bookings.book_study(FRIDAY, "morning", 3, "张三", "13812345678")
    wish = Wishes(store, now=clocks.center_clock()).submit("李四", "13912345678", "其他", "想参加书画交流", True)
    for value in (seat["created_at"], seat["updated_at"], seat["starts_at"], wish["created_at"],
                  *[e["at"] for e in store.db["booking_events"].rows],
                  *[row["created_at"] for row in store.pending()]):
        assert value is not None and re.match(STAMP_FORM, value), value
    assert seat["starts_at"] == "2026-11-27T08:30:00+08:00"


def test_bookings_stored_in_the_older_forms_are_still_released_and_counted(store):
    """Rows written before: naive local times. No table is rewritten; they compare as times."""
    clocks = Clocks()
    bookings = Bookings(store, CENTER, now=clocks.center_clock())
    old = bookings.book_study(FRIDAY, "morning", 1, "张三", "13812345678")
    new = bookings.book_study(FRIDAY, "afternoon", 2, "张三", "13812345678")
    with store.transaction() as db:
        db["bookings"].update(old["id"], {"starts_at": "2026-11-27T08:30:00", "created_at": "2026-11-27T07:00:00",
                                          "updated_at": "2026-11-27T07:00:00"})
    clocks.run(2 * 3600 + 60)  # 09:01: the morning's check-in closed at 09:00
    assert bookings.release_no_shows() == 1
    assert store.db["bookings"].get(old["id"])["status"] == "no_show"
    assert store.db["bookings"].get(new["id"])["status"] == "booked"
    assert bookings.checkin_window(old)[0] == datetime(2026, 11, 27, 8, 15)


def test_a_clock_set_six_days_ahead_and_back_releases_nobody_and_pauses_nobody(store):
    """The issue's day in the lobby: 17 bookings of the coming week; the clock is set six
    days ahead, the kiosk ticks (once a minute) and is set right again."""
    clocks = Clocks()
    center_clock = clocks.center_clock()
    bookings = Bookings(store, CENTER, now=center_clock)
    watch = ClockWatch(store, center_clock)
    made = []
    for n, day in enumerate(bookings.open_days()[:6]):
        for session in ("morning", "afternoon", "evening")[: 3 if n < 5 else 2]:
            made.append(bookings.book_study(day, session, 1 + n, "张三", f"138{len(made):08d}"))
    assert len(made) == 17
    watch.tick()
    clocks.run(60)
    assert watch.tick() is None and bookings.release_no_shows() == 0

    clocks.wall_at += 6 * DAY  # someone sets the clock
    clocks.run(60)
    jump = watch.tick()
    assert jump is not None and round(jump.seconds) == 6 * DAY
    assert bookings.release_no_shows() == 0  # every booking's window "closed": none released
    assert "拨快了 6 天" in watch.notice()

    clocks.wall_at -= 6 * DAY  # and back
    clocks.run(60)
    assert watch.tick() is not None and bookings.release_no_shows() == 0

    statuses = {row["status"] for row in store.db["bookings"].rows}
    assert statuses == {"booked"} and store.db["bookings"].count == 17  # nothing lost, nothing released
    assert all(bookings.blocked_until(b["phone"]) is None for b in made)  # no resident paused
    assert {row["type"] for row in store.pending(1000)} == {"booking.create"}  # no no-show reached the outbox


def test_the_pause_survives_a_restart_and_staff_resume_it_with_a_reason(store):
    clocks = Clocks()
    watch = ClockWatch(store, clocks.center_clock())
    watch.tick()
    clocks.run(60)
    watch.tick()
    clocks.wall_at -= 3 * 3600  # the clock goes back while the kiosk is off
    restarted = ClockWatch(store, clocks.center_clock())
    assert restarted.tick() is not None  # earlier than the last time this kiosk saw
    assert release_paused(store)["seconds"] < 0 and "拨慢了 3 小时" in restarted.notice()
    with pytest.raises(FieldError):
        restarted.resume("duty-01", "  ")
    assert release_paused(store) is not None
    restarted.resume("duty-01", "已与手机时间核对")
    assert release_paused(store) is None
    clocks.run(60)
    assert restarted.tick() is None  # the clock as it is now is the reference from here on


def test_the_servers_date_pauses_a_wrong_clock_and_confirms_a_right_one(store):
    clocks = Clocks(wall_at=time.time())
    watch = ClockWatch(store, clocks.center_clock())
    assert watch.server_date(formatdate(time.time() - 6 * DAY, usegmt=True)) is not None
    assert release_paused(store)["source"] == "server" and "比服务器时间快 6 天" in watch.notice()
    assert watch.server_date("not a date") is None and release_paused(store) is not None
    assert watch.server_date(formatdate(time.time() + 2, usegmt=True)) is None
    assert release_paused(store) is None  # the server keeps time: it lifts the pause
    assert json.loads(store.get_meta("no_show_release_resumed"))["by"] == "server"


def test_staff_undo_a_no_show_with_a_reason_and_the_release_leaves_it_alone(store):
    clocks = Clocks()
    bookings = Bookings(store, CENTER, now=clocks.center_clock())
    staff = staff_in_a_standalone_kiosk("duty-01")
    seat = bookings.book_study(FRIDAY, "morning", 5, "张三", "13812345678")
    clocks.run(2 * 3600 + 60)
    assert bookings.release_no_shows() == 1
    released = dict(store.db["bookings"].get(seat["id"]), session_label="")
    with pytest.raises(FormError) as exc:
        bookings.undo_no_show(released, "", staff)
    assert exc.value.errors == {"reason": "请写明撤销未到的原因"}
    assert store.db["bookings"].get(seat["id"])["status"] == "no_show"  # nothing changed
    undone = bookings.undo_no_show(released, "本机时钟不准误判为未到", staff)
    assert undone["status"] == "booked" and bookings.seat_map(FRIDAY, "morning")[5] is True
    [mutation] = [m for m in store.pending(100) if m["type"] == "booking.reinstate"]
    assert mutation["payload"]["reason"] == "本机时钟不准误判为未到" and mutation["payload"]["staff_id"] == "duty-01"
    assert store.db["no_show_undos"].get(seat["id"])["staff_id"] == "duty-01"
    clocks.run(60)
    assert bookings.release_no_shows() == 0  # never released again by the kiosk itself
    with pytest.raises(BookingError):
        bookings.undo_no_show(released, "再来一次", staff)  # it is no longer a no-show


def test_a_no_show_whose_seat_went_to_someone_else_is_not_restored(store):
    clocks = Clocks()
    bookings = Bookings(store, replace(CENTER), now=clocks.center_clock())
    seat = bookings.book_study(FRIDAY, "evening", 6, "张三", "13812345678")
    clocks.run(12 * 3600 + 60 + 30 * 60)  # 19:31, the evening's check-in is over
    assert bookings.release_no_shows() == 1
    with store.transaction() as db:  # the seat was given again (another kiosk, through the feed)
        db["remote_bookings"].insert({"id": "there", "kind": "study", "day": FRIDAY.isoformat(),
                                      "session": "evening", "seat": 6, "status": "booked"})
    with pytest.raises(BookingError) as exc:
        bookings.undo_no_show(store.db["bookings"].get(seat["id"]), "迟到了", staff_in_a_standalone_kiosk("d"))
    assert exc.value.code == "place_taken"
    assert store.db["bookings"].get(seat["id"])["status"] == "no_show"
    assert store.db["no_show_undos"].count == 0 and store.get_meta(PAUSE_KEY) is None


def test_wall_time_of_a_naive_moment_is_itself():
    moment = datetime(2026, 11, 27, 7, 0)
    assert wall(moment, SHANGHAI) is moment
    assert wall(datetime(2026, 11, 26, 23, 0, tzinfo=timezone.utc), SHANGHAI) == moment
    assert stamp(moment + timedelta(seconds=0.6), SHANGHAI) == "2026-11-27T07:00:00+08:00"
