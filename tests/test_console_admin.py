"""终端, 工作人员 and 操作记录 in a real browser against the real server: a
kiosk token read from the page works for the kiosk API until it is rotated or
revoked; refusals read in words; the administrator makes an account whose
password (shown once) signs in, gives an on-duty PIN that reaches the kiosks;
a community clerk gets 403; the audit filters and exports; and no password
or PIN hash is on any page, in any export or in the audit."""
import csv
import io
import re
import sqlite3

import requests
from openpyxl import load_workbook

from kiosk.pins import verify_pin
from sync.client import app_version
from sync.protocol import APP_VERSION_HEADER
from sync.server import audit
from sync.server.storage import ServerStore
from tests import pushes
from tests.console import ADMIN, assert_accessible, new_page, sign_in
from tests.pushes import Pusher

CENTER = "/console/liujiaying"


def _pull(server, token: str, version: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", **({APP_VERSION_HEADER: version} if version else {})}
    return requests.get(server.url + "/api/v1/pull?cursor=0&limit=500", headers=headers, timeout=30)


def _download(page, path: str) -> bytes:
    """An export as the signed-in browser gets it (its cookies)."""
    answer = page.request.get(path)
    assert answer.status == 200, (path, answer.status)
    return answer.body()


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(body: bytes, tmp_path) -> list[list]:
    path = tmp_path / "export.xlsx"
    path.write_bytes(body)
    return [list(row) for row in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]


def _secrets(server) -> list[str]:
    """Every password and PIN hash the server holds (the database read directly)."""
    with sqlite3.connect(server.db) as conn:
        found = [h for row in conn.execute("SELECT password_hash, pin_hash FROM staff") for h in row if h]
        found += [h for (h,) in conn.execute("SELECT pin_hash FROM volunteers WHERE pin_hash IS NOT NULL")]
    assert found
    return found


def _no_secret_in(server, *texts: str | bytes) -> None:
    hashes = _secrets(server)
    for text in texts:
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        assert not any(h in text for h in hashes)
        assert "$argon2" not in text and "pbkdf2_sha256$" not in text and "scrypt$" not in text
    with sqlite3.connect(server.db) as conn:
        audited = " ".join(f"{b} {a}" for b, a in conn.execute("SELECT before, after FROM audit"))
    assert "$argon2" not in audited and "pbkdf2_sha256$" not in audited and "scrypt$" not in audited
    assert not any(h in audited for h in hashes)


def _row(page, text: str):
    return page.locator("tbody tr", has_text=text)


def test_a_kiosk_added_rotated_and_revoked_in_the_console(console, running_server, kiosks, tmp_path):
    server = running_server
    kiosks[1][1].pull_once()  # lobby-2's sync client says which version it runs
    # two refusals to read in words: an office-only type and a staff entry by nobody on duty
    assert Pusher(server).send("wish.status", {"id": "nope", "status": "approved"}) == ("rejected", "office_only")
    entry = dict(pushes.ledger_entry(), staff_id="nobody")
    assert Pusher(server).send("ledger.add", entry) == ("rejected", "unknown_staff")

    sign_in(console)
    console.get_by_role("link", name="终端", exact=True).click()
    assert console.url.endswith(f"{CENTER}/kiosks")
    refused = console.locator("#refused ~ table")
    assert _row(refused, "心愿状态").filter(has_text="只能由社区办公室在管理后台操作").count() == 1
    assert _row(refused, "记录积分").filter(has_text="不是本中心在岗的值班员").count() == 1
    listed = console.locator("table.list").first  # the kiosks table
    assert _row(listed, "lobby-1").locator("td").nth(5).inner_text() == "2"  # refused, counted per kiosk
    assert _row(listed, "lobby-2").locator("td").nth(3).inner_text() == app_version()
    assert_accessible(console)

    # a bad id is said at the field; nothing is added
    console.get_by_label("终端编号").fill("Lobby 3")
    console.get_by_role("button", name="添加终端并生成令牌").click()
    assert console.locator("#kiosk_id-error").is_visible()
    assert _row(listed, "Lobby 3").count() == 0

    console.get_by_label("终端编号").fill("lobby-3")
    console.get_by_role("button", name="添加终端并生成令牌").click()
    assert console.get_by_role("heading", name="终端 lobby-3 的令牌").is_visible()
    first = console.locator(".once").inner_text()
    assert_accessible(console)
    assert _pull(server, first, version="0.9.1").status_code == 200
    console.get_by_role("link", name="返回终端列表").click()
    row = _row(listed, "lobby-3")
    assert "0.9.1" in row.inner_text() and "正常" in row.inner_text()  # seen just now, its version

    # rotate, confirmed in place: the old token stops at once, the new one works
    row.locator("summary", has_text="更换令牌").click()
    row.get_by_role("button", name="确认更换 lobby-3 的令牌").click()
    second = console.locator(".once").inner_text()
    assert second != first and console.get_by_text("旧令牌已经失效").is_visible()
    assert _pull(server, first).status_code == 401
    assert _pull(server, second).status_code == 200

    # revoke, confirmed first
    console.get_by_role("link", name="返回终端列表").click()
    row = _row(listed, "lobby-3")
    row.locator("summary", has_text="停用").click()
    row.get_by_role("button", name="确认停用 lobby-3").click()
    assert console.get_by_role("status").inner_text().startswith("终端 lobby-3 已停用")
    assert "已停用" in _row(listed, "lobby-3").inner_text()
    assert _pull(server, second).status_code == 401

    # the refused list exports with its words; the kiosk list too
    rows = _csv(_download(console, f"{CENTER}/kiosks/refused.csv?kiosk=lobby-1"))
    assert rows[0] == ["序号", "时间", "终端", "变更类型", "原因", "变更编号"]
    assert {(r[3], r[4]) for r in rows[1:]} == {("心愿状态", "只能由社区办公室在管理后台操作"),
                                                ("记录积分", "不是本中心在岗的值班员")}
    exported = _xlsx(_download(console, f"{CENTER}/kiosks.xlsx"), tmp_path)
    assert [r[1:3] for r in exported[1:]] == [["lobby-1", "在用"], ["lobby-2", "在用"], ["lobby-3", "已停用"]]

    # another center's kiosk, asked for through this center's page: as unknown as a made-up one
    server.store.centers.add_center("xigu", "西固某社区服务中心")
    server.store.centers.add_kiosk("xigu-1", "xigu")
    csrf = console.locator("input[name=csrf]").first.input_value()
    for kiosk in ("xigu-1", "no-such-kiosk"):
        assert console.request.post(f"{CENTER}/kiosks/{kiosk}/rotate", form={"csrf": csrf}).status == 404

    # each change is in the audit, by whom
    console.get_by_role("link", name="操作记录", exact=True).click()
    for words in ("添加终端", "更换终端令牌", "停用终端"):
        assert _row(console, words).filter(has_text="刘敏").filter(has_text="lobby-3").count() == 1
    _no_secret_in(server, console.content(), first, second)


def test_the_administrator_manages_staff_accounts(console, running_server, browser):
    server = running_server
    sign_in(console, ADMIN)
    console.get_by_role("link", name="工作人员", exact=True).click()
    assert console.url.endswith("/console/admin/staff")
    assert_accessible(console)
    pages = [console.content()]

    console.get_by_role("link", name="添加工作人员").click()
    console.get_by_role("button", name="添加并生成初始密码").click()  # empty: said at the fields
    assert console.locator("#username-error").is_visible()
    console.get_by_label("用户名").fill("zhangli")
    console.get_by_label("姓名").fill("张丽")
    console.get_by_label("社区工作人员").check()
    console.get_by_role("button", name="添加并生成初始密码").click()
    assert console.locator("#centers-error").inner_text() == "社区工作人员和值班员至少要选一个中心"
    console.get_by_label("柳家营社区党群服务中心").check()
    console.get_by_role("button", name="添加并生成初始密码").click()
    password = console.locator(".once").inner_text()
    assert len(password) >= 10
    assert_accessible(console)
    pages.append(console.content())

    # that person signs in with it, in their own browser
    theirs = new_page(browser, server)
    try:
        sign_in(theirs, ("zhangli", password))
        assert theirs.url.endswith(f"{CENTER}/")
        assert theirs.get_by_text("张丽").is_visible()

        # the administrator deactivates the account: signed out at once
        console.get_by_role("link", name="打开这个账号").click()
        console.locator("summary", has_text="停用账号").click()
        console.get_by_role("button", name="确认停用").click()
        assert "账号已停用" in console.get_by_role("status").inner_text()
        theirs.goto(f"{CENTER}/")
        assert "/console/login" in theirs.url
    finally:
        theirs.context.close()

    # an on-duty PIN made by the server, shown once, and on its way to the center's kiosks
    console.goto("/console/admin/staff")
    console.get_by_role("link", name="王丽").click()
    assert_accessible(console)
    console.locator("summary", has_text="值班密码").click()
    console.get_by_role("button", name="确认生成值班密码").click()
    pin = console.locator(".once").inner_text()
    assert re.fullmatch(r"\d{6}", pin)
    pages.append(console.content())
    changes = _pull(server, server.tokens["lobby-1"]).json()["changes"]
    roster = [c["data"] for c in changes if c["kind"] == "staff" and c["data"]["id"] == "duty-1"]
    assert verify_pin(pin, roster[-1]["pin_hash"])  # the newest roster row carries the new PIN

    # the staff list and its export say roles in words and hold no hash
    console.goto("/console/admin/staff")
    assert "已停用" in _row(console, "张丽").inner_text()
    assert "社区工作人员" in _row(console, "张丽").inner_text()
    listed = _csv(_download(console, "/console/admin/staff.csv"))
    assert ["张丽", "zhangli", "社区工作人员", "柳家营社区党群服务中心", "已停用", "否"] in [r[1:7] for r in listed]

    # the accounts' own audit (no center), read by the administrator
    console.get_by_role("link", name="账号操作记录").click()
    for words in ("添加工作人员", "停用工作人员账号", "设置值班密码"):
        assert _row(console, words).count() >= 1
    pages.append(console.content())
    audit = _download(console, "/console/admin/staff/audit.csv")
    assert "设置值班密码" in audit.decode("utf-8-sig")
    _no_secret_in(server, *pages, audit, _download(console, "/console/admin/staff.xlsx"))


def test_a_community_clerk_gets_403_on_the_staff_pages(console):
    sign_in(console)
    assert console.get_by_role("link", name="工作人员", exact=True).count() == 0  # not in the navigation either
    for path in ("/console/admin/staff", "/console/admin/staff/add", "/console/admin/staff/account/duty-1",
                 "/console/admin/staff/audit", "/console/admin/staff.csv"):
        answer = console.goto(path)
        assert answer.status == 403, path
        assert console.get_by_role("heading", name="只有街道管理员可以管理工作人员账号").is_visible()


def test_the_audit_filters_and_exports(console, running_server, tmp_path):
    server = running_server
    pushes.set_up_center(server)  # the clerk's roster row, points and catalogue item
    server.office.pause_bookings(server.admin, "liujiaying", "消防检查，暂停半天")
    with server.store.shared.transaction():  # an entry of October, in the center's afternoon of the 1st
        server.store.db.execute(
            "INSERT INTO audit (at, staff_id, center_id, action, target, before, after) VALUES "
            "('2026-10-01T08:00:00+00:00', 'office-1', 'liujiaying', 'catalogue.put', 'oil', NULL, "
            "'{\"item\": \"食用油\", \"points\": 50, \"stock\": 10}')")

    sign_in(console)
    console.get_by_role("link", name="操作记录", exact=True).click()
    assert_accessible(console)
    assert console.locator("tbody tr").count() == 5
    assert console.locator("tbody tr").first.locator("td").nth(2).inner_text() == "暂停或恢复预约"  # newest first
    assert "说明：消防检查，暂停半天" in _row(console, "暂停或恢复预约").inner_text()

    console.get_by_label("从").fill("2026-10-01")
    console.get_by_label("到").fill("2026-10-31")
    console.get_by_role("button", name="查询").click()
    assert console.locator("tbody tr").count() == 1
    assert "物品：食用油" in _row(console, "oil").inner_text()
    october = _xlsx(_download(console, console.url.replace("/audit?", "/audit.xlsx?")), tmp_path)
    assert october == [["序号", "时间", "工作人员", "操作", "对象", "来源", "变更内容"],
                       [1, "2026-10-01 16:00", "刘敏", "登记兑换物品", "oil", "后台", "物品：食用油；积分：50；库存：10"]]

    console.get_by_role("link", name="清除条件").click()
    console.get_by_label("工作人员").select_option(label="管理员")
    console.get_by_role("button", name="查询").click()
    assert [t.strip() for t in console.locator("tbody tr td:nth-child(3)").all_inner_texts()] == ["暂停或恢复预约"]

    console.get_by_role("link", name="清除条件").click()
    console.get_by_label("操作").select_option(label="登记兑换物品")
    console.get_by_role("button", name="查询").click()
    assert sorted(console.locator("tbody tr td:nth-child(4)").all_inner_texts()) == ["oil", "pen"]
    console.get_by_role("link", name="pen", exact=True).click()  # a target opens its own history
    assert console.get_by_label("对象编号").input_value() == "pen"
    assert console.locator("tbody tr").count() == 1
    rows = _csv(_download(console, console.url.replace("/audit?", "/audit.csv?")))
    assert [r[3:5] for r in rows[1:]] == [["登记兑换物品", "pen"]]

    answer = console.goto(f"{CENTER}/audit?from=2026-13-01")
    assert answer.status == 400 and console.locator("#from-error").is_visible()
    _no_secret_in(server, console.content(), _download(console, f"{CENTER}/audit.xlsx"))


def test_the_audit_never_keeps_a_secret_whatever_it_is_called(tmp_path):
    store = ServerStore(tmp_path / "s.db")
    try:
        with store.shared.transaction():
            audit.write(store.shared, "admin", None, "staff.edit", "x",
                        {"password_hash": "$argon2id$v=19$m=19456", "pin": "reset", "nested": [{"staff_proof": "abc"}]},
                        {"note": "pbkdf2_sha256$600000$c2FsdA==$ZGlnZXN0", "token": "t0k3n", "pin": "135790"})
        [entry] = audit.history(store.shared)
    finally:
        store.close()
    assert entry["before"] == {"password_hash": "（不记录）", "pin": "reset", "nested": [{"staff_proof": "（不记录）"}]}
    assert entry["after"] == {"note": "（不记录）", "token": "（不记录）", "pin": "（不记录）"}
