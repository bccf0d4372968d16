"""The sync worker thread, its back-off, and the status bar it feeds."""
import random
import time
import tomllib
from datetime import date, timedelta

import pytest

from kiosk.paths import CENTER_FILE

from kiosk.store import Store
from kiosk.wishes import Wishes
from sync.worker import MAX_DELAY, SyncWorker, next_delay
from tests.sync_server import Server


def wait_for(predicate, seconds=10.0, step=None):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if step:
            step()
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_back_off_grows_with_jitter_is_capped_and_honours_retry_after():
    rnd = random.Random(1)
    assert next_delay(0, 15, None) == 15
    assert next_delay(3, 15, 7.0) == 7.0
    delays = [next_delay(n, 15, None, rnd) for n in range(1, 8)]
    assert all(15 * 2 ** n * 0.5 <= d <= 15 * 2 ** n for n, d in enumerate(delays[:4], start=1))
    assert max(delays) <= MAX_DELAY
    assert len({round(next_delay(2, 15, None, rnd), 3) for _ in range(10)}) > 1  # not in lock-step


def test_worker_drains_the_outbox_and_reports(tmp_path):
    server = Server(tmp_path)
    server.start()
    try:
        store = Store(tmp_path / "k.db")
        Wishes(store).submit("张三", "13812345678", "其他", "一个心愿", consent=True)
        reports = []
        worker = SyncWorker(tmp_path / "k.db", server.url, server.tokens["lobby-1"], reports.append,
                            interval=0.2, timeout=2)
        worker.start()
        assert wait_for(lambda: reports and reports[-1]["pending"] == 0)
        assert reports[-1]["state"] == "online" and reports[-1]["last_sync"] is not None
        worker.stop()
        worker.join(5)
        assert not worker.is_alive() and store.pending_count() == 0
        # a wrong or revoked token is told apart from a network failure: no retry mends it
        refused = []
        worker = SyncWorker(tmp_path / "k.db", server.url, "not-a-token", refused.append, interval=0.2, timeout=2)
        worker.start()
        assert wait_for(lambda: refused)
        worker.stop()
        worker.join(5)
        assert refused[0]["state"] == "unauthorized"
        store.close()
    finally:
        server.stop()


def test_worker_without_a_server_reports_offline_and_keeps_the_outbox(tmp_path):
    store = Store(tmp_path / "k.db")
    Wishes(store).submit("张三", "13812345678", "其他", "一个心愿", consent=True)
    reports = []
    worker = SyncWorker(tmp_path / "k.db", "http://127.0.0.1:9", "t", reports.append,
                        interval=0.1, timeout=0.5)
    worker.start()
    assert wait_for(lambda: reports)
    worker.stop()
    worker.join(5)
    assert reports[0]["state"] == "offline" and reports[0]["pending"] == 1
    assert store.pending_count() == 1
    store.close()


@pytest.fixture
def synced_kiosk(running_server, tmp_path):
    """The real app in the real window, its worker syncing with the real server."""
    from tests.harness import KioskDriver
    kiosk = KioskDriver.start(tmp_path / "kiosk", server_url=running_server.url,
                              server_token=running_server.tokens["lobby-1"])
    yield kiosk, running_server
    kiosk.stop()


def test_status_bar_shows_online_after_the_worker_syncs(synced_kiosk):
    kiosk, _server = synced_kiosk
    sync = kiosk.find_id("sync")
    assert wait_for(lambda: sync.text.startswith("已联网"), step=lambda: kiosk.frames(1))
    assert "已同步" in sync.text


def test_a_closure_and_a_pause_published_by_the_office_reach_the_running_kiosk(synced_kiosk):
    kiosk, server = synced_kiosk
    document = tomllib.loads(CENTER_FILE.read_text(encoding="utf-8"))
    tomorrow = date.today() + timedelta(days=1)
    document["bookings"]["holidays"] = [tomorrow.isoformat()]
    server.office.publish_center(server.clerk, "liujiaying", document)
    server.office.pause_bookings(server.clerk, "liujiaying", "今天下午停电检修，暂停预约")
    kiosk.app.sync_worker.nudge()
    assert wait_for(lambda: tomorrow in kiosk.app.center.rules.holidays, step=lambda: kiosk.frames(1))
    assert tomorrow not in kiosk.app.bookings.open_days()  # the service was rebuilt on the new center
    kiosk.tap(kiosk.find_text("自习室预约", exact=False))
    kiosk.frames(3)
    assert kiosk.find_text("今天下午停电检修，暂停预约", exact=False)  # before the first step
    kiosk.tap(kiosk.find_text("返回首页"))
    server.office.pause_bookings(server.clerk, "liujiaying", None)  # the office resumes
    kiosk.app.sync_worker.nudge()
    assert wait_for(lambda: kiosk.app.bookings.paused() is None, step=lambda: kiosk.frames(1))
    kiosk.tap(kiosk.find_text("自习室预约", exact=False))
    kiosk.frames(3)
    assert kiosk.find_text("第 1 步：选择日期和场次", exact=False)
