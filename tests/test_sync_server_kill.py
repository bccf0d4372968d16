"""The server process is SIGKILLed right after it committed a push and before
its reply left (fault hook sync/server/faults.py), round after round. The
kiosk sees only a broken connection, keeps the mutations pending and sends
them again to the restarted server, which must answer from its record of the
first commit: nothing lost, nothing applied twice, the database intact."""
import json
import random
import signal
import sqlite3
from collections import Counter

import pytest

from kiosk.bookings import Bookings
from kiosk.store import Store
from kiosk.wishes import Wishes
from sync.client import CURSOR_KEY, SyncClient, SyncError
from sync.server.faults import KILL_AFTER_COMMIT
from tests.sync_server import CENTER, DAY, NOW, Server

ROUNDS = 15
BOOKINGS, WISHES = 4, 2  # new writes per round: 15 x 4 = 60 of the day's 72 study seats
BATCH = 2  # mutations per push, so a round's writes take several pushes
SESSIONS = ("morning", "afternoon", "evening")
SEATS = CENTER.study_seats




def write_round(store: Store, n: int) -> None:
    """BOOKINGS study bookings (distinct seats and phones) and WISHES wishes."""
    bookings = Bookings(store, CENTER, now=NOW)
    for k in range(BOOKINGS):
        i = n * BOOKINGS + k
        bookings.book_study(DAY, SESSIONS[i // SEATS], i % SEATS + 1, "张三", f"138000{i:05d}")
    for k in range(WISHES):
        i = n * WISHES + k
        Wishes(store).submit("张秀英", f"139000{i:05d}", "环境设施", f"{i + 1} 号楼道灯坏了", consent=True)


def server_mutations(server: Server) -> int:
    return server.store.db.execute(
        "SELECT count(*) FROM mutations WHERE kiosk_id = 'lobby-1'").fetchone()[0]


def integrity(server: Server) -> str:
    conn = sqlite3.connect(server.db)  # a fresh connection: recovers what the dead writer left
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_server_killed_after_commit_before_reply_loses_and_duplicates_nothing(server, tmp_path):
    rng = random.Random(20261127)
    store = Store(tmp_path / "kiosk.db")
    token = server.tokens["lobby-1"]
    kills = Counter()
    per_round = BOOKINGS + WISHES

    for n in range(ROUNDS):
        write_round(store, n)
        assert store.pending_count() == per_round
        kill_after = rng.randint(1, per_round // BATCH)  # the kill always falls within this round
        before = server_mutations(server)
        server.start(env={KILL_AFTER_COMMIT: str(kill_after)})
        proc = server.proc
        client = SyncClient(store, server.url, token, timeout=5)
        pushes = 0
        with pytest.raises(SyncError):
            for pushes in range(1, per_round // BATCH + 2):
                client.push_once(BATCH)
        assert pushes == kill_after, f"round {n}: died on push {pushes}, hook said {kill_after}"
        assert proc.wait(timeout=10) == -signal.SIGKILL, f"round {n}: exit {proc.returncode}"
        server.stop()  # collects the dead process's output
        assert f"SIGKILL after push commit {kill_after}" in server.output
        kills[kill_after] += 1
        # the hard case happened: the server committed a batch whose answer never arrived
        assert server_mutations(server) == before + kill_after * BATCH
        assert store.pending_count() == per_round - (kill_after - 1) * BATCH
        assert integrity(server) == "ok"

        server.start()  # no hook: the kiosk catches up
        SyncClient(store, server.url, token, timeout=5).cycle()
        assert store.pending_count() == 0, f"round {n}"
        server.stop()
        assert server.proc is None

    assert sum(kills.values()) == ROUNDS and len(kills) > 1, kills  # fired every round, at varied N
    assert integrity(server) == "ok"

    outbox = list(store.db["outbox"].rows)
    assert len(outbox) == ROUNDS * per_round
    states = Counter(r["state"] for r in outbox)
    assert states.keys() <= {"applied", "duplicate"}, states
    # lost: none
    local_bookings = {r["id"] for r in store.db["bookings"].rows}
    local_wishes = {r["id"] for r in store.db["wishes"].rows}
    server_bookings = [r[0] for r in server.store.db.execute("SELECT id FROM bookings").fetchall()]
    server_wishes = [r[0] for r in server.store.db.execute("SELECT id FROM wishes").fetchall()]
    assert local_bookings == set(server_bookings) and len(local_bookings) == ROUNDS * BOOKINGS
    assert local_wishes == set(server_wishes) and len(local_wishes) == ROUNDS * WISHES
    assert all(r["rejected_reason"] is None for r in store.db["bookings"].rows)
    # duplicated: none
    assert len(server_bookings) == len(set(server_bookings))
    assert len(server_wishes) == len(set(server_wishes))
    server_ids = [r[0] for r in server.store.db.execute(
        "SELECT id FROM mutations WHERE kiosk_id = 'lobby-1'").fetchall()]
    assert len(server_ids) == len(set(server_ids)) == len(outbox)
    assert set(server_ids) == {r["mutation_id"] for r in outbox}
    # the feed announced each booking once, and the kiosk pulled all of it
    announced = Counter(json.loads(d)["id"] for (d,) in server.store.db.execute(
        "SELECT data FROM changes WHERE kind = 'booking'"))
    assert announced.keys() == local_bookings and set(announced.values()) == {1}, announced
    last = server.store.db.execute("SELECT max(cursor) FROM changes").fetchone()[0]
    assert int(store.get_meta(CURSOR_KEY, "0")) == last
    store.close()
