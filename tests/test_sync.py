"""Sync against the real server process on loopback (random port, temp DB)."""
import json
import os
import subprocess
import sys
from datetime import datetime

import pytest
import requests

from kiosk.bookings import BookingError, Bookings
from kiosk.paths import ROOT
from kiosk.rejections import rejected
from kiosk.store import Store
from kiosk.wishes import Wishes
from sync.client import SyncClient, SyncError
from sync.server.storage import ServerStore
from tests.sync_server import CENTER, DAY, NOW





def kiosk_store(tmp_path, name):
    return Store(tmp_path / f"{name}.db")


def test_offline_writes_converge_when_the_server_comes_up(server, tmp_path):
    store = kiosk_store(tmp_path, "k1")
    client = SyncClient(store, server.url, server.tokens["lobby-1"], timeout=2)
    wish = Wishes(store).submit("张秀英", "13812345678", "环境设施", "楼道灯坏了", consent=True)
    Bookings(store, CENTER, now=NOW).book_study(DAY, "morning", 3, "张三", "13812345678")
    with pytest.raises(SyncError):
        client.cycle()  # nobody listening yet
    assert store.pending_count() == 2
    server.start()
    client.cycle()
    assert store.pending_count() == 0
    assert {r["state"] for r in store.db["outbox"].rows} == {"applied"}
    assert server.store.db["bookings"].count == 1 and server.store.db["wishes"].count == 1
    server.office.set_wish_status(server.clerk, wish["id"], "approved")  # staff approve it on the server
    client.cycle()
    assert store.db["wishes"].get(wish["id"])["status"] == "approved"
    client.cycle()  # applying again changes nothing
    assert store.db["wishes"].get(wish["id"])["status"] == "approved"
    store.close()


def test_every_batch_sent_three_times_gives_identical_answers(server, tmp_path):
    server.start()
    store = kiosk_store(tmp_path, "k1")
    for seat in range(1, 6):
        Bookings(store, CENTER, now=NOW).book_study(DAY, "morning", seat, "张三", f"1381234567{seat}")
    from sync.protocol import encoded_mutation, encoded_push_body
    body = encoded_push_body([encoded_mutation(*row) for row in store.pending_raw()], 5)  # as the client sends
    headers = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}
    answers = [requests.post(server.url + "/api/v1/push", data=body, timeout=5,
                             headers={**headers, "Content-Type": "application/json"}).json()
               for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert [r["status"] for r in answers[0]["results"]] == ["applied"] * 5
    assert server.store.db["bookings"].count == 5 and server.store.db["mutations"].count == 5
    store.close()


def test_two_kiosks_booking_one_seat_offline_first_to_arrive_keeps_it(server, tmp_path):
    server.start()
    first, second = kiosk_store(tmp_path, "k1"), kiosk_store(tmp_path, "k2")
    a = Bookings(first, CENTER, now=NOW).book_study(DAY, "morning", 7, "张三", "13812345678")
    b = Bookings(second, CENTER, now=NOW).book_study(DAY, "morning", 7, "李四", "13912345678")
    SyncClient(first, server.url, server.tokens["lobby-1"]).cycle()
    SyncClient(second, server.url, server.tokens["lobby-2"]).cycle()
    assert first.db["bookings"].get(a["id"])["rejected_reason"] is None
    assert second.db["bookings"].get(b["id"])["rejected_reason"] == "seat_taken"
    [row] = second.db["outbox"].rows
    assert (row["state"], row["reason"]) == ("rejected", "seat_taken")  # kept, not dropped
    first.close()
    second.close()


def test_bad_requests_get_problem_json_never_a_500(server):
    server.start()
    push = server.url + "/api/v1/push"
    good = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}

    def problem(response, status):
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()["type"]

    assert problem(requests.post(push, json={}, headers={"Authorization": "Bearer nope"}), 401).endswith(
        "unauthorized")
    assert problem(requests.get(server.url + "/api/v1/pull"), 401).endswith("unauthorized")
    too_big = b"x" * (1024 * 1024 + 1)
    assert problem(requests.post(push, data=too_big, headers=good), 413).endswith("too-large")
    assert problem(requests.post(push, data=b"{not json", headers=good), 400).endswith("malformed")
    assert problem(requests.post(push, data=b"[" * 100_000 + b"]" * 100_000, headers=good), 400).endswith(
        "malformed")
    assert problem(requests.post(push, json={"version": 1, "queue_depth": 0, "mutations": "x"},
                                 headers=good), 422).endswith("invalid")
    for odd in ({"queue_depth": True}, {"queue_depth": "5"}, {"version": True}, {"queue_depth": 1.5}):
        # JSON's true is not a number, nor "5": strict types, not pydantic's lax coercion
        assert problem(requests.post(push, json={"version": 1, "queue_depth": 0, "mutations": [], **odd},
                                     headers=good), 422).endswith("invalid"), odd
    mutation = {"id": "m1", "type": "wish.create", "created_at": "2026-11-27T00:00:00",
                "data": {"wish": {"id": "w"}}}
    assert requests.post(push, json={"version": 1, "queue_depth": 0, "mutations": [mutation]},
                         headers=good).status_code == 200
    changed = dict(mutation, data={"wish": {"id": "other"}})
    assert problem(requests.post(push, json={"version": 1, "queue_depth": 0, "mutations": [changed]},
                                 headers=good), 422).endswith("id-reused")
    server.store.centers.revoke_kiosk("lobby-1")
    assert problem(requests.post(push, json={}, headers=good), 401).endswith("unauthorized")
    server.stop()
    assert server.tokens["lobby-1"] not in server.output and "13812345678" not in server.output


def test_openapi_document_lists_every_endpoint(server):
    server.start()
    paths = requests.get(server.url + "/openapi.json", timeout=5).json()["paths"]
    assert {"/api/v1/push", "/api/v1/pull", "/api/v1/health"} <= set(paths)


def test_cli_adds_lists_and_revokes_kiosks(tmp_path):
    db = tmp_path / "s.db"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "sync.server.cli", "--db", str(db), *args],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout

    run("add-center", "liujiaying", "柳家营社区党群服务中心")
    token = run("add-kiosk", "lobby-1", "--center", "liujiaying").splitlines()[-1].split('"')[1]  # server_token = "…"
    assert len(token) >= 40
    assert token not in json.dumps(ServerStore(db).centers.kiosks())  # only its hash is kept
    run("revoke-kiosk", "lobby-1")
    assert "revoked" in run("list-kiosks")


def test_a_refused_booking_is_explained_at_check_in_listed_for_staff_and_never_a_no_show(server, tmp_path):
    server.start()
    first, second = kiosk_store(tmp_path, "k1"), Store(tmp_path / "k2-data" / "kiosk.db")
    at_8 = lambda: datetime(2026, 11, 27, 8, 20)  # noqa: E731  (check-in for 08:30 is open)
    Bookings(first, CENTER, now=NOW).book_study(DAY, "morning", 7, "张三", "13812345678")
    lost = Bookings(second, CENTER, now=NOW).book_study(DAY, "morning", 7, "李四", "13912345678")
    SyncClient(first, server.url, server.tokens["lobby-1"]).cycle()
    SyncClient(second, server.url, server.tokens["lobby-2"]).cycle()
    with pytest.raises(BookingError) as refused:
        Bookings(second, CENTER, now=at_8).check_in(lost["ticket"])
    assert refused.value.code == "rejected" and "另一台终端" in refused.value.message
    late = lambda: datetime(2026, 11, 27, 13, 0)  # noqa: E731
    assert Bookings(second, CENTER, now=late).release_no_shows() == 0  # not the resident's fault
    [row] = rejected(second)
    assert row["what"] == "预约" and "139****5678" in row["reference"] and lost["ticket"] in row["reference"]
    assert "13912345678" not in repr(row)
    second.close()
    out = subprocess.run([sys.executable, "main.py", "--rejected"], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "LIULINHUI_DATA_DIR": str(tmp_path / "k2-data")})
    assert out.returncode == 0, out.stderr
    assert "共 1 条未被服务器接受" in out.stdout and lost["ticket"] in out.stdout
    assert "13912345678" not in out.stdout and "李四" not in out.stdout
    first.close()


def test_a_batch_too_big_for_one_request_is_sent_in_smaller_pushes(server, tmp_path, monkeypatch):
    server.start()
    store = kiosk_store(tmp_path, "k1")
    for i in range(12):
        text = f"楼道的灯坏了，希望尽快维修，第{i}号楼" * 3
        Wishes(store).submit("张秀英", "13812345678", "环境设施", text, consent=True)
    monkeypatch.setattr("sync.client.MAX_BODY", 2500)  # three or four of these cards per request
    client = SyncClient(store, server.url, server.tokens["lobby-1"])
    sizes = []
    while answered := client.push_once():
        sizes.append(answered)
    assert sum(sizes) == 12 and len(sizes) >= 3 and max(sizes) < 12
    assert store.pending_count() == 0 and server.store.db["wishes"].count == 12
    store.close()


def test_a_kiosk_sending_too_fast_gets_429_with_retry_after_and_the_client_passes_it_on(server, tmp_path):
    server.start(env={"LIULINHUI_SERVER_RATE": "2"})  # burst 4
    headers = {"Authorization": f"Bearer {server.tokens['lobby-1']}"}
    answers = [requests.get(server.url + "/api/v1/pull", headers=headers, timeout=5) for _ in range(8)]
    slowed = [a for a in answers if a.status_code == 429]
    assert slowed and all(a.status_code in (200, 429) for a in answers)
    assert slowed[0].headers["Retry-After"] == "1"
    assert slowed[0].headers["content-type"].startswith("application/problem+json")
    assert slowed[0].json()["type"].endswith("slow-down")
    other = requests.get(server.url + "/api/v1/pull", timeout=5,
                         headers={"Authorization": f"Bearer {server.tokens['lobby-2']}"})
    assert other.status_code == 200  # each kiosk has its own bucket
    store = kiosk_store(tmp_path, "k1")
    client = SyncClient(store, server.url, server.tokens["lobby-1"])
    with pytest.raises(SyncError) as refused:
        for _ in range(20):  # however slow this machine, the bucket empties again
            client.pull_once()
    assert refused.value.retry_after == 1.0  # the worker waits that long (next_delay)
    store.close()
