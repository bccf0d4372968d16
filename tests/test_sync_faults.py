"""Sync through a faulty network: the real server process behind a loopback
fault proxy (tests/fault_proxy.py) that resets connections before and after
the server did the work, delays traffic (also past the client's timeout) and
cuts answers short. When the network heals, nothing is lost and nothing is
applied twice."""
from collections import Counter

import pytest

from kiosk.bookings import Bookings
from kiosk.store import Store
from kiosk.wishes import Wishes
from sync.client import CURSOR_KEY, SyncClient, SyncError
from tests.fault_proxy import FaultProxy
from tests.sync_server import CENTER, DAY, NOW


TIMEOUT = 1.5  # the client's per-request timeout
BATCH = 4  # small, so the outbox takes many pushes
# (mode, delay, attempts) per round; latency 0.3 s each way still answers in time,
# 1.0 s each way does not (the server works, the client times out)
ROUND = [("latency", 0.3, 3), ("reset_before", None, 3), ("latency", 1.0, 1),
         ("reset_after", None, 4), ("cut", None, 4)]
ROUNDS = 3


@pytest.fixture
def server(running_server):
    return running_server


def sixty_writes(store: Store) -> None:
    """40 study bookings (distinct seats and phones) and 20 wishes."""
    bookings = Bookings(store, CENTER, now=NOW)
    for n in range(40):
        session, seat = ("morning", n + 1) if n < 24 else ("afternoon", n - 23)
        bookings.book_study(DAY, session, seat, "张三", f"138000{n:05d}")
    wishes = Wishes(store)
    for n in range(20):
        wishes.submit("张秀英", f"139000{n:05d}", "环境设施", f"{n + 1} 号楼道灯坏了", consent=True)


def test_flaky_network_loses_nothing_and_applies_nothing_twice(server, tmp_path):
    store = Store(tmp_path / "kiosk.db")
    sixty_writes(store)
    assert store.pending_count() == 60
    server_rows = lambda table: server.store.db[table].count  # noqa: E731

    with FaultProxy(server.port) as proxy:
        client = SyncClient(store, proxy.url, server.tokens["lobby-1"], timeout=TIMEOUT)
        errors: Counter[str] = Counter()
        step = 0
        for _ in range(ROUNDS):
            for mode, delay, attempts in ROUND:
                proxy.set(mode, delay)
                for _ in range(attempts):
                    step += 1
                    try:  # alternate pushes and pulls; both must survive every fault
                        client.push_once(BATCH) if step % 2 else client.pull_once(limit=5)
                    except SyncError as exc:
                        errors[str(exc)] += 1

        # every fault really happened, and the client saw each kind of failure
        assert all(proxy.fired[m] > 0 for m in ("reset_before", "reset_after", "latency", "cut")), \
            proxy.fired
        assert {"network: ConnectionError", "network: ChunkedEncodingError",
                "network: ReadTimeout"} <= set(errors), errors
        assert all(e.startswith("network: ") for e in errors), errors  # no 4xx/5xx, e.g. id-reused
        # the hard case did occur: the server applied mutations the kiosk still holds as pending
        done_locally = 60 - store.pending_count()
        assert 0 < done_locally < server_rows("mutations") <= 60, (done_locally, errors)

        proxy.set("pass")
        for cycles in range(1, 4):
            client.cycle()
            if store.pending_count() == 0:
                break
        assert store.pending_count() == 0, f"outbox not drained after {cycles} cycles"

    outbox = list(store.db["outbox"].rows)
    assert len(outbox) == 60
    assert Counter(r["state"] for r in outbox).keys() <= {"applied", "duplicate"}, \
        Counter(r["state"] for r in outbox)
    # lost: none
    local_bookings = {r["id"] for r in store.db["bookings"].rows}
    local_wishes = {r["id"] for r in store.db["wishes"].rows}
    assert local_bookings <= {r["id"] for r in server.store.db["bookings"].rows}
    assert local_wishes <= {r["id"] for r in server.store.db["wishes"].rows}
    assert all(r["rejected_reason"] is None for r in store.db["bookings"].rows)
    # duplicated: none
    server_ids = [r[0] for r in server.store.db.execute(
        "SELECT id FROM mutations WHERE kiosk_id = 'lobby-1'").fetchall()]
    assert len(server_ids) == len(set(server_ids)) == len(outbox)
    assert set(server_ids) == {r["mutation_id"] for r in outbox}
    assert server_rows("bookings") == len(local_bookings) == 40
    assert server_rows("wishes") == len(local_wishes) == 20
    # and the pull side caught up with the whole feed despite the faults
    last = server.store.db.execute("SELECT max(cursor) FROM changes").fetchone()[0]
    assert int(store.get_meta(CURSOR_KEY, "0")) == last
    store.close()
