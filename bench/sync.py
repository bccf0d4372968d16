"""Sync throughput and server latency against the real server on loopback.

    python bench/sync.py [--mutations 10000] [--changes 100000] [--rate 330] [--seconds 10]

1. push of N queued mutations, next to the raw SQLite insert rate of the
   server's database measured in the same run (target >= 10,000/s);
2. pull of M changes, with the client's peak Python memory;
3. server latency at a fixed request rate from a loopback load generator
   (20 kiosks sharing the rate; target p99 < 100 ms).
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.store import Store  # noqa: E402
from kiosk.validation import validate_note  # noqa: E402
from sync.client import SyncClient, SyncError  # noqa: E402
from sync.protocol import MAX_BATCH  # noqa: E402
from sync.server.storage import ServerStore  # noqa: E402
from tests.sync_server import Server  # noqa: E402  (the same real-process helper the tests use)


def raw_insert_rate(n: int, folder: Path) -> float:
    """Rows/s into a fresh WAL + synchronous=FULL database, a push batch per transaction."""
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (kiosk_id TEXT, id TEXT, data TEXT, PRIMARY KEY (kiosk_id, id))")
    start = time.perf_counter()
    for i in range(0, n, MAX_BATCH):
        db.execute("BEGIN")
        db.executemany("INSERT INTO t VALUES ('k', ?, ?)",
                       [(str(uuid.uuid4()), json.dumps({"n": j})) for j in range(i, min(n, i + MAX_BATCH))])
        db.execute("COMMIT")
    return n / (time.perf_counter() - start)


def raw_server_rows_rate(n: int, folder: Path, wish: dict) -> float:
    """Rows/s of what a push stores per wish (its mutation log row and the
    wish row) into the server's own schema, a push batch per transaction:
    the storage cost without HTTP, JSON, validation or the replay check."""
    store = ServerStore(folder / "raw-server.db")
    store.centers.add_center("c", "c")
    store.centers.add_kiosk("k", "c")
    db, data = store.db.conn, json.dumps(wish, ensure_ascii=False)
    ids = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(n)]
    start = time.perf_counter()
    for i in range(0, n, MAX_BATCH):
        db.execute("BEGIN")
        db.executemany("INSERT INTO mutations (kiosk_id, id, type, digest, result, received_at) "
                       "VALUES ('k', ?, 'wish.create', ?, ?, '2026-11-27T07:00:00')",
                       [(m, "0" * 64, json.dumps({"id": m, "status": "applied"}))
                        for m, _ in ids[i:i + MAX_BATCH]])
        db.executemany("INSERT INTO wishes (id, kiosk_id, center_id, status, data) "
                       "VALUES (?, 'k', 'c', 'submitted', ?)", [(w, data) for _, w in ids[i:i + MAX_BATCH]])
        db.execute("COMMIT")
    return n / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mutations", type=int, default=10_000)
    p.add_argument("--changes", type=int, default=100_000)
    p.add_argument("--rate", type=float, default=330)
    p.add_argument("--seconds", type=float, default=10)
    args = p.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="liulinhui-sync-bench-"))
    server = Server(folder)
    tokens = [server.store.centers.add_kiosk(f"load-{i}", "liujiaying") for i in range(20)]
    server.start()
    try:
        # 1. push
        store = Store(folder / "kiosk.db")
        def wish(i: int) -> dict:
            # the text as the kiosk's form stores it (its Chinese punctuation kept)
            text = validate_note(f"楼道的灯坏了，希望尽快维修（{i}）")
            return {"id": str(uuid.uuid4()), "code": f"W{i:06d}", "name": "张秀英", "phone": "13812345678",
                    "category": "环境设施", "text": text, "consent": 1,
                    "status": "submitted", "reason": None, "fulfilled_note": None,
                    "created_at": "2026-11-27T07:00:00", "updated_at": "2026-11-27T07:00:00"}
        with store.transaction():  # valid wish cards, so the server does its full work on each
            for i in range(args.mutations):
                store.enqueue("wish.create", {"wish": wish(i)})
        client = SyncClient(store, server.url, server.tokens["lobby-1"])
        start = time.perf_counter()
        while client.push_once():
            pass
        push_rate = args.mutations / (time.perf_counter() - start)
        states = dict(store.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        assert states == {"applied": args.mutations}, states  # the full work, not the refusal path
        raw = raw_insert_rate(args.mutations, folder)
        rows = raw_server_rows_rate(args.mutations, folder, wish(0))
        print(f"push {args.mutations:,} mutations: {push_rate:,.0f}/s (target >= 10,000/s)\n"
              f"  raw SQLite insert, one small row each: {raw:,.0f}/s -> push is {push_rate / raw:.2f}x\n"
              f"  raw insert of the same rows into the server's schema: {rows:,.0f}/s -> push is "
              f"{push_rate / rows:.2f}x")
        # 2. pull
        with server.store.db.atomic():
            server.store.db["changes"].insert_all(
                ({"center_id": "liujiaying", "kind": "booking",  # seats booked at other kiosks
                  "data": json.dumps({"id": str(uuid.uuid4()), "kind": "study", "day": "2026-11-27",
                                      "session": "morning", "seat": i % 40 + 1, "status": "booked"}),
                  "at": "2026-11-27T00:00:00"} for i in range(args.changes)), batch_size=5000)
        store.set_meta("sync_cursor", "0")
        tracemalloc.start()
        start = time.perf_counter()
        more, slowed = True, 0
        while more:
            try:
                more = client.pull_once(limit=500)
            except SyncError as exc:  # 429: the server's per-kiosk rate limit, as the worker obeys it
                slowed += 1
                time.sleep(exc.retry_after or 1)
        elapsed = time.perf_counter() - start
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"pull {args.changes:,} changes: {elapsed:.1f} s ({args.changes / elapsed:,.0f}/s, "
              f"{slowed} waits for the rate limit), peak Python memory {peak / 2**20:.1f} MiB")
        # 3. latency under load
        latencies, errors = [], []
        lock = threading.Lock()
        per_kiosk = args.rate / len(tokens)

        def load(token: str) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            next_at = time.perf_counter()
            end = next_at + args.seconds
            while next_at < end:
                time.sleep(max(0.0, next_at - time.perf_counter()))
                t0 = time.perf_counter()
                try:
                    r = session.get(server.url + "/api/v1/pull", params={"cursor": 0, "limit": 1}, timeout=5)
                    ok = r.status_code == 200
                except requests.RequestException:
                    ok = False
                with lock:
                    (latencies if ok else errors).append((time.perf_counter() - t0) * 1000)
                next_at += 1 / per_kiosk

        threads = [threading.Thread(target=load, args=(t,)) for t in tokens]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        latencies.sort()
        p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
        print(f"latency at {args.rate:.0f} req/s for {args.seconds:.0f} s: {len(latencies):,} ok, "
              f"{len(errors)} failed; median {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms "
              f"(target < 100 ms)")
        store.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
