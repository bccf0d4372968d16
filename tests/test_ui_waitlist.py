"""Two kiosks took the last picture-book place while offline: the server
keeps the first to arrive, and the family at the other kiosk waits (候补);
a cancellation at the first kiosk promotes them, and the second kiosk's
screen shows each answer after its sync (real window, real server)."""
from datetime import datetime, timedelta

import pytest

from kiosk.bookings import Bookings
from kiosk.store import Store
from sync.client import SyncClient
from tests.sync_server import CENTER, Server


@pytest.fixture
def lobby(tmp_path):
    """The server on its real clock (the window's kiosk keeps real time), kiosk A as
    a service, kiosk B in the real window; each syncs when the test says so."""
    from tests.harness import KioskDriver
    server = Server(tmp_path, fake_now=None)
    server.start()
    a = Store(tmp_path / "a.db")
    b = KioskDriver.start(tmp_path / "b")  # no server configured: its worker does not run
    clients = (SyncClient(a, server.url, server.tokens["lobby-1"], timeout=5),
               SyncClient(b.store, server.url, server.tokens["lobby-2"], timeout=5))
    yield server, a, b, clients
    b.stop()
    a.close()
    server.stop()


def check_in_says(kiosk, ticket: str) -> str:
    kiosk.tap_text("签到 / 取消预约")  # the home tile
    kiosk.screen.fields["ticket"].text = ticket  # as a QR scanner types it; the keypad is tested elsewhere
    kiosk.tap(kiosk.find_text("签到", within=kiosk.screen.ids.body))
    words = kiosk.screen.fields["ticket"].error
    kiosk.tap_text("首页")  # a lookup: left without 放弃填写？, the ticket typed is not kept
    assert kiosk.screen.name == "home"
    return words


def test_the_last_place_the_waitlist_and_a_promotion_across_kiosks(lobby):
    server, a, b, (client_a, client_b) = lobby
    at_a = Bookings(a, CENTER)
    # a week or less away, and not about to start: its check-in must still be closed at the end
    later = [s for s in at_a.book_sessions() if s.starts_at > datetime.now() + timedelta(hours=2)]
    slot = max(later, key=lambda s: s.capacity)
    for i in range(slot.capacity - 1):
        at_a.book_picture(slot.day, slot.session, "孩子", 5, "家长", f"1371234{i:04d}")
    client_a.cycle()
    client_b.cycle()
    mine = at_a.book_picture(slot.day, slot.session, "小明", 5, "家长", "13812345678")  # both offline
    theirs = b.app.bookings.book_picture(slot.day, slot.session, "小红", 6, "家长", "13912345678")
    assert mine["status"] == theirs["status"] == "booked"
    client_a.cycle()  # A arrives first
    client_b.cycle()
    assert "您在候补名单中" in check_in_says(b, theirs["ticket"])  # B's screen: waiting, not booked
    at_a.cancel(mine["ticket"], "5678")
    client_a.cycle()
    client_b.cycle()
    words = check_in_says(b, theirs["ticket"])
    assert "候补" not in words and "还没到签到时间" in words  # booked now, for its session's time
    assert b.store.db["bookings"].get(theirs["id"])["status"] == "booked"
