"""Time against the real server process: its Date header pauses a kiosk whose
clock is days off and confirms one set right; staff undo a no-show with a
reason and the server holds the place again, audits the reason, and refuses
it (undone on the kiosk) when the place went to someone else meanwhile."""
import json
import sqlite3
import time
from datetime import datetime

from kiosk.bookings import Bookings
from kiosk.clock import CenterClock, release_paused
from kiosk.store import Store
from sync.client import SyncClient
from tests.sync_server import CENTER, DAY, Server, on_duty

DAYS = 86400.0


def test_the_servers_date_pauses_a_kiosk_six_days_ahead_and_confirms_it_when_set_right(tmp_path):
    server = Server(tmp_path)
    server.start()
    store = Store(tmp_path / "kiosk.db")
    try:
        offset = {"seconds": 6 * DAYS}
        store.clock = CenterClock(CENTER.tz, source=lambda: time.time() + offset["seconds"])
        client = SyncClient(store, server.url, server.tokens["lobby-1"], timeout=60)
        client.cycle()
        assert release_paused(store)["source"] == "server"
        assert Bookings(store, CENTER, now=store.clock).release_no_shows() == 0
        offset["seconds"] = 0.0  # someone set it right (or NTP did)
        client.cycle()
        assert release_paused(store) is None
    finally:
        store.close()
        server.stop()


def test_staff_undo_a_no_show_and_the_server_keeps_the_reason_or_refuses_a_taken_seat(tmp_path):
    server = Server(tmp_path, fake_now="2026-11-27T09:05:00")  # after the morning session's start
    server.start()
    here, there = Store(tmp_path / "lobby-1.db"), Store(tmp_path / "lobby-2.db")
    try:
        clock = {"at": datetime(2026, 11, 27, 7, 0)}
        desk = Bookings(here, CENTER, now=lambda: clock["at"])
        sync = SyncClient(here, server.url, server.tokens["lobby-1"], timeout=60)
        sync.cycle()  # the roster and the server's key, for staff mode
        first = desk.book_study(DAY, "morning", 3, "张三", "13812345678")
        second = desk.book_study(DAY, "morning", 4, "李四", "13912345678")
        sync.cycle()
        clock["at"] = datetime(2026, 11, 27, 9, 5)
        staff = on_duty(here)
        for booking in (first, second):
            desk.mark_no_show(dict(booking, session_label=""), staff)
        sync.cycle()
        # lobby-2, offline since before the first bookings, took seat 4 at 08:50 (inside the check-in
        # window, so still bookable) and sends it now: the server has just freed seat 4
        at_there = Bookings(there, CENTER, now=lambda: datetime(2026, 11, 27, 8, 50))
        taken = at_there.book_study(DAY, "morning", 4, "王五", "13700001111")
        SyncClient(there, server.url, server.tokens["lobby-2"], timeout=60).cycle()
        assert there.db["bookings"].get(taken["id"])["rejected_reason"] is None

        desk.undo_no_show(here.db["bookings"].get(first["id"]), "居民在场 本机误判", staff)
        # offline the kiosk still sees seat 4 free: the server decides
        desk.undo_no_show(here.db["bookings"].get(second["id"]), "居民在场 本机误判", staff)
        sync.cycle()
        with sqlite3.connect(server.db) as db:
            status = dict(db.execute("SELECT id, status FROM bookings").fetchall())
            after = [json.loads(a) for (a,) in db.execute(
                "SELECT after FROM audit WHERE action = 'booking.reinstate' AND target = ?", [first["id"]])]
        assert status[first["id"]] == "booked" and status[second["id"]] == "no_show"
        assert after == [{"status": "booked", "reason": "居民在场 本机误判"}]
        assert here.db["bookings"].get(first["id"])["status"] == "booked"
        assert here.db["bookings"].get(second["id"])["status"] == "no_show"  # the refusal, undone here
        refused = here.db.execute("SELECT reason FROM outbox WHERE type = 'booking.reinstate' "
                                  "AND state = 'rejected'").fetchall()
        assert refused == [("place_taken",)]
    finally:
        here.close()
        there.close()
        server.stop()
