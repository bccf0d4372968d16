"""The running kiosk with a clock someone sets six days ahead and back: its own
once-a-minute release pauses, staff see why on 同步 and resume it with a reason,
and 今日预约 undoes a no-show with a reason (real window, real touches)."""
from datetime import datetime

from kiosk.clock import release_paused, zone
from tests.harness import KioskDriver
from tests.test_ui_bookings import tap_choice
from tests.test_ui_staff import roster_from_the_feed, to_pin_pad, type_pin
from tests.sync_server import DUTY_PIN

FRIDAY_7AM = datetime(2026, 11, 27, 7, 0, tzinfo=zone("Asia/Shanghai")).timestamp()
DAY = 86400.0


def on_a_clock_we_set(k) -> dict:
    """The app's clock follows the harness's fake time (both of its clocks), plus
    ``passed`` seconds on both (time going by without running frames), plus
    ``jump`` seconds on the wall clock only: what someone setting the time does."""
    clocks = {"jump": 0.0, "passed": 0.0, "base": k.fake.now}
    k.app.clock.monotonic = lambda: k.fake.now + clocks["passed"]
    k.app.clock.source = lambda: FRIDAY_7AM + k.fake.now - clocks["base"] + clocks["passed"] + clocks["jump"]
    return clocks


def test_a_clock_set_six_days_ahead_and_back_releases_nobody(tmp_path):
    k = KioskDriver.start(tmp_path)
    try:
        clocks = on_a_clock_we_set(k)
        bookings = k.app.bookings
        made = [bookings.book_study(day, session, seat, "张三", f"1381234{seat:04d}")
                for seat, (day, session) in enumerate(
                    ((d, s) for d in bookings.open_days()[:6] for s in ("morning", "afternoon", "evening")),
                    start=1) if seat <= 17]
        k.advance(61)  # the kiosk's own release: nothing is due at 07:01
        clocks["jump"] = 6 * DAY
        k.advance(61)
        k.frames(2)
        assert release_paused(k.store)["seconds"] > 5 * DAY
        clocks["jump"] = 0.0
        k.advance(61)
        assert [r["status"] for r in k.store.db["bookings"].rows] == ["booked"] * 17
        assert {m["type"] for m in k.store.pending(100)} == {"booking.create"}
        assert all(bookings.blocked_until(b["phone"]) is None for b in made)

        roster_from_the_feed(k.store)
        k.tap(k.find_id("brand"))  # three minutes on home: the rooms' slideshow; a touch wakes it
        to_pin_pad(k)
        type_pin(k, DUTY_PIN, keys=False)
        k.tap_text("同步")
        k.find_text("本机时钟突然拨慢了 6 天", exact=False)  # the last jump seen: back again
        tap_choice(k, "时间已核对，恢复自动释放")
        tap_choice(k, "确认恢复", exact=True)
        assert k.screen.fields["reason"].error and release_paused(k.store) is not None  # a reason first
        k.screen.fields["reason"].text = "已与手机时间核对一致"
        tap_choice(k, "确认恢复", exact=True)
        assert release_paused(k.store) is None and "已恢复" in k.screen.message
        assert not k.find_all(lambda w: "时钟异常" == getattr(w, "text", None))

        k.tap_text("退出")
        clocks["passed"] += 2 * 3600  # two hours pass, on both clocks: 09:0x, the morning's window is over
        k.advance(61)
        released = [r for r in k.store.db["bookings"].rows if r["status"] == "no_show"]
        assert len(released) == 1 and released[0]["session"] == "morning"  # today's morning only

        to_pin_pad(k)
        type_pin(k, DUTY_PIN, keys=False)
        k.tap_text("今日预约")
        tap_choice(k, "撤销未到", exact=True)
        k.screen.fields["reason"].text = "居民在场 刚才签到机未响应"
        tap_choice(k, "确认撤销", exact=True)
        assert "已撤销未到" in k.screen.message
        assert k.store.db["bookings"].get(released[0]["id"])["status"] == "booked"
        k.advance(61)
        assert k.store.db["bookings"].get(released[0]["id"])["status"] == "booked"  # not released again
        assert [m["type"] for m in k.store.pending(100)][-2:] == ["booking.no_show", "booking.reinstate"]
    finally:
        k.stop()
