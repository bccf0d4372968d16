"""Staff identities on the server: roles and centers, argon2id passwords,
staff PINs with lockout, sessions, the append-only audit, the office's
wish lifecycle, and the office API as a staff session (not a kiosk token)."""
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kiosk.paths import ROOT
from kiosk.store import Store
from sync.client import SyncClient
from sync.server.office import OfficeError
from sync.server.staff import MAX_FAILURES
from sync.server.storage import ServerStore
from tests.pushes import Pusher, set_up_center, wish
from tests.sync_server import DUTY


class Clock:
    def __init__(self):
        self.at = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.at


@pytest.fixture
def office_store(tmp_path):
    clock = Clock()
    store = ServerStore(tmp_path / "s.db", now=clock)
    store.centers.add_center("liujiaying", "柳家营社区党群服务中心")
    store.centers.add_center("xigu", "西固某社区服务中心")
    store.office.add_staff(None, "admin", "admin", "管理员", {"admin"}, password="district-admin-1")
    admin = store.staff.actor("admin", "10.0.0.9")
    store.office.add_staff(admin, "office-1", "liu", "刘敏", {"office"}, ["liujiaying"], password="office-pass-1")
    store.office.add_staff(admin, DUTY, "wang", "王丽", {"duty"}, ["liujiaying"], password="duty-pass-123",
                           pin="135790")
    yield store, clock, admin
    store.close()


def test_passwords_are_argon2id_at_owasps_minimum_and_never_stored_plain(office_store):
    store, *_ = office_store
    stored = store.db.execute("SELECT password_hash FROM staff WHERE id = 'office-1'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored and "office-pass-1" not in stored


def test_sign_in_says_the_same_for_an_unknown_user_and_a_wrong_password_and_locks(office_store):
    store, clock, _ = office_store
    assert store.sign_in("nobody", "office-pass-1", "x") is None
    for _ in range(MAX_FAILURES):
        assert store.sign_in("liu", "wrong-password", "x") is None
    assert store.sign_in("liu", "office-pass-1", "x") is None  # locked, even with the right password
    clock.at += timedelta(minutes=16)
    assert store.sign_in("liu", "office-pass-1", "x").staff_id == "office-1"


def test_a_staff_pin_locks_for_the_person_whichever_kiosk_tried(office_store):
    store, clock, _ = office_store
    with store.shared.transaction():
        for _ in range(MAX_FAILURES):
            assert not store.staff.check_pin(DUTY, "000000")
        assert not store.staff.check_pin(DUTY, "135790")
    clock.at += timedelta(minutes=16)
    with store.shared.transaction():
        assert store.staff.check_pin(DUTY, "135790")


def test_a_session_ends_after_thirty_minutes_without_use(office_store):
    store, clock, _ = office_store
    token = store.sessions.open("office-1", "x")
    clock.at += timedelta(minutes=29)
    assert store.sessions.staff_for(token) == "office-1"  # and the idle time starts again
    clock.at += timedelta(minutes=29)
    assert store.sessions.staff_for(token) == "office-1"
    clock.at += timedelta(minutes=31)
    assert store.sessions.staff_for(token) is None


def test_community_staff_work_in_their_own_center_the_administrator_in_all(office_store):
    store, _, admin = office_store
    clerk = store.staff.actor("office-1", "10.0.0.5")
    duty = store.staff.actor(DUTY, "10.0.0.6")
    item = {"id": "oil", "item": "食用油", "points": 10, "stock": 5}
    store.office.put_catalogue_item(clerk, "liujiaying", item)
    with pytest.raises(OfficeError) as refused:
        store.office.put_catalogue_item(clerk, "xigu", dict(item, id="oil-x"))
    assert refused.value.kind == "forbidden"
    with pytest.raises(OfficeError):
        store.office.put_catalogue_item(duty, "liujiaying", dict(item, id="oil-2"))  # no office role
    store.office.put_catalogue_item(admin, "xigu", dict(item, id="oil-x"))
    with pytest.raises(OfficeError):
        store.office.add_staff(clerk, "s9", "s9", "新人", {"office"}, ["liujiaying"], password="x" * 12)


def test_the_audit_says_who_did_what_from_where_and_cannot_be_changed(office_store):
    store, _, _ = office_store
    clerk = store.staff.actor("office-1", "10.0.0.5")
    store.office.put_catalogue_item(clerk, "liujiaying", {"id": "oil", "item": "食用油", "points": 10, "stock": 5})
    store.office.put_catalogue_item(clerk, "liujiaying", {"id": "oil", "item": "食用油", "points": 12, "stock": 4})
    [first, second] = [r for r in store.office.audit_history(clerk, "liujiaying") if r["action"] == "catalogue.put"]
    assert (second["staff_id"], second["address"], second["before"]["points"], second["after"]["points"]) == (
        "office-1", "10.0.0.5", 10, 12)
    assert first["before"] is None
    db = sqlite3.connect(store.shared.db.conn.execute("PRAGMA database_list").fetchone()[2])
    for sql in ("UPDATE audit SET staff_id = 'someone'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)


def test_the_wish_lifecycle_is_the_offices_with_one_live_claim(office_store):
    store, _, _ = office_store
    clerk = store.staff.actor("office-1", "10.0.0.5")
    store.centers.add_kiosk("lobby-1", "liujiaying")
    w, other = wish(), wish(text="想要一辆汽车")
    stamp = "2026-11-27T07:00:00"
    store.push("lobby-1", [{"id": "m1", "type": "wish.create", "created_at": stamp, "data": {"wish": w}},
                           {"id": "m2", "type": "wish.create", "created_at": stamp, "data": {"wish": other}}], 0)
    with pytest.raises(OfficeError, match="already_claimed|wish_state"):
        store.office.set_wish_status(clerk, w["id"], "claimed", claimant="李党员", claimant_kind="party_member")
    store.office.set_wish_status(clerk, w["id"], "approved")
    store.office.set_wish_status(clerk, w["id"], "claimed", claimant="李党员", claimant_kind="party_member")
    with pytest.raises(OfficeError, match="already_claimed"):
        store.office.set_wish_status(clerk, w["id"], "claimed", claimant="王党员", claimant_kind="party_member")
    store.office.set_wish_status(clerk, w["id"], "approved")  # the claim withdrawn
    store.office.set_wish_status(clerk, w["id"], "claimed", claimant="中蓝菲特健身中心", claimant_kind="member_unit")
    store.office.set_wish_status(clerk, w["id"], "fulfilled", fulfilled_note="已更换楼道灯")
    store.office.set_wish_status(clerk, other["id"], "declined", reason="超出微心愿范围")
    with pytest.raises(OfficeError):
        store.office.set_wish_status(clerk, other["id"], "approved")  # declined is final
    steps = [r["after"]["status"] for r in store.office.audit_history(clerk, "liujiaying", w["id"])
             if r["action"] == "wish.status"]
    assert steps == ["approved", "claimed", "approved", "claimed", "fulfilled"]


def test_the_on_duty_roster_reaches_the_kiosk_with_hashed_pins_only(running_server, tmp_path):
    store = Store(tmp_path / "k.db")
    SyncClient(store, running_server.url, running_server.tokens["lobby-1"]).cycle()
    rows = list(store.db["staff_roster"].rows)
    assert [(r["id"], r["display_name"]) for r in rows] == [(DUTY, "王丽")]  # no office or admin accounts
    assert rows[0]["pin_hash"].startswith("scrypt$") and "135790" not in rows[0]["pin_hash"]
    store.close()


def test_the_office_api_takes_a_staff_session_never_a_kiosk_token(running_server):
    url = running_server.url + "/api/v1/office"
    kiosk = {"Authorization": f"Bearer {running_server.tokens['lobby-1']}"}
    set_up_center(running_server)
    w = wish()
    assert Pusher(running_server).send("wish.create", {"wish": w}) == ("applied", None)
    review = f"{url}/wishes/{w['id']}/status"
    assert requests.post(review, json={"status": "approved"}, headers=kiosk, timeout=5).status_code == 401
    signed_in = requests.post(f"{url}/session", json={"username": "liu", "password": "office-pass-1"}, timeout=5)
    staff = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    assert requests.get(running_server.url + "/api/v1/pull", headers=staff, timeout=5).status_code == 401
    assert requests.post(review, json={"status": "approved"}, headers=staff, timeout=5).status_code == 204
    again = requests.post(review, json={"status": "approved"}, headers=staff, timeout=5)
    assert again.status_code == 409 and again.json()["detail"] == "wish_state"
    assert requests.get(f"{url}/centers/xigu/audit", headers=staff, timeout=5).status_code == 403
    [row] = [r for r in requests.get(f"{url}/centers/liujiaying/audit", headers=staff, timeout=5).json()
             if r["target"] == w["id"]]
    assert (row["staff_id"], row["address"]) == ("office-1", "127.0.0.1")
    duty = requests.post(f"{url}/session", json={"username": "wang", "password": "x"}, timeout=5)
    assert duty.status_code == 401 and duty.json()["title"] == "用户名或密码不正确"
    assert requests.delete(f"{url}/session", headers=staff, timeout=5).status_code == 204
    assert requests.post(review, json={"status": "declined"}, headers=staff, timeout=5).status_code == 401


def test_sign_in_is_slowed_per_address(server):
    server.start(env={"LIULINHUI_SERVER_SIGN_IN_RATE": "0.0001"})  # no refill while the test runs
    url = server.url + "/api/v1/office/session"
    codes = [requests.post(url, json={"username": "liu", "password": "guess"}, timeout=5).status_code
             for _ in range(8)]
    assert codes == [401] * 5 + [429] * 3


def test_add_staff_at_the_command_line_prints_nothing_secret(tmp_path):
    db = tmp_path / "s.db"

    def cli(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "sync.server.cli", "--db", str(db), *args], cwd=ROOT,
                              input=stdin, capture_output=True, text=True, timeout=60)
    assert cli("add-center", "liujiaying", "柳家营社区党群服务中心").returncode == 0
    made = cli("add-staff", "admin", "admin", "管理员", "--role", "admin", "--password-stdin",
               stdin="district-admin-1\n")
    assert made.returncode == 0 and "district-admin-1" not in made.stdout + made.stderr
    assert "$argon2id$" not in made.stdout + made.stderr
    short = cli("add-staff", "a2", "a2", "管理员", "--role", "admin", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "Traceback" not in short.stderr and "密码至少" in short.stderr
    clerk = cli("add-staff", "c1", "c1", "刘敏", "--role", "office", "--center", "liujiaying",
                "--password-stdin", stdin="office-pass-1\n")
    assert clerk.returncode == 1 and "Traceback" not in clerk.stderr  # later accounts: in the console
    typo = cli("revoke-kiosk", "lobby-l")
    assert typo.returncode == 1 and "Traceback" not in typo.stderr and "没有这个终端" in typo.stderr
    store = ServerStore(db)
    assert store.sign_in("admin", "district-admin-1", "x").roles == {"admin"}
    store.close()
    assert db.stat().st_mode & 0o077 == 0  # password hashes and the sealing key: the server's user only


def test_the_office_sets_the_limits_of_staff_mode_entries(running_server):
    from sync.server.apply import Limits
    from tests.pushes import ledger_entry
    set_up_center(running_server)
    office, clerk = running_server.office, running_server.clerk
    with pytest.raises(OfficeError):
        office.set_limits(clerk, "liujiaying", Limits(points_per_entry=0))
    office.set_limits(clerk, "liujiaying", Limits(points_per_entry=10, points_per_staff_day=100, hours_per_entry=4))
    send = Pusher(running_server).send
    assert send("ledger.add", dict(ledger_entry(20), staff_id=DUTY)) == ("rejected", "over_limit")
    assert send("ledger.add", dict(ledger_entry(10, hours=4), staff_id=DUTY)) == ("applied", None)
    [row] = [r for r in office.audit_history(clerk, "liujiaying") if r["action"] == "limits.set"]
    assert (row["before"]["points_per_entry"], row["after"]["points_per_entry"]) == (50, 10)
