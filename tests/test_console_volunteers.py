"""志愿者 in the office console, in a real browser against the real server
process, with a real kiosk store and SyncClient: the roster imported from
.csv and .xlsx (bad rows named, nothing imported until the file is clean), a
PIN set in the console that signs in at the kiosk, service recorded that the
kiosk's passbook shows, the ledger exported and read back, reversals with a
reason, the catalogue and the hand-over of an exchange request."""
import io
import re
from pathlib import Path

import pytest
import requests
from openpyxl import Workbook, load_workbook

from kiosk.passbook import Passbook
from sync.server import roster_import
from sync.server.roster_import import RosterFileError
from tests.console import ADMIN, SHOTS, assert_accessible, sign_in
from tests.pushes import PIN, PIN_HASH
from tests.sync_server import NOW

CENTER = "liujiaying"
BASE = f"/console/{CENTER}/volunteers"


def accessible(page, name: str) -> None:
    """axe-core finds nothing serious; the page's screenshot when asked for ($LIULINHUI_CONSOLE_SHOTS)."""
    assert_accessible(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"clerk-volunteers-{name}.png"), full_page=True)


def upload(page, path: Path) -> None:
    page.goto(BASE)
    page.get_by_role("link", name="导入名册（Excel / CSV）").click()
    page.get_by_label("名册文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()


def table_rows(page, selector: str = "table.list") -> list[list[str]]:
    return page.locator(f"{selector} tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()))")


def server_count(server, sql: str) -> int:
    with server.store.shared.lock:
        return server.store.db.execute(sql).fetchone()[0]


GOOD = [("王芳", "13812345678", "LJY-0001"), ("李强", "139 1234 5678", "LJY-0002"),
        ("阿依古丽·买买提", "+86 137-1234-5678", "LJY-0003"), ("张伟", "13612345678", "LJY-0004")]


def write_csv(path: Path, rows, encoding: str) -> Path:
    lines = ["序号,姓名,手机号,志愿者编号"] + [f"{n},{name},{phone},{number}" for n, (name, phone, number)
                                          in enumerate(rows, 1)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_a_roster_with_two_bad_rows_imports_nothing_then_the_fixed_file_signs_in_at_the_kiosk(
        console, running_server, kiosks, tmp_path):
    server = running_server
    (store, client), _ = kiosks
    sign_in(console)
    # saved by Excel on Chinese Windows (GBK): row 3 has a short phone, row 5 repeats row 2's number
    bad = list(GOOD)
    bad[1] = ("李强", "1391234", "LJY-0002")
    bad[3] = ("张伟", "13612345678", "LJY-0001")
    upload(console, write_csv(tmp_path / "名册.csv", bad, "gbk"))
    # the columns were guessed from the header; 序号 is not the number
    assert console.get_by_label("志愿者编号所在的列").input_value() == "3"
    assert console.get_by_label("姓名所在的列").input_value() == "1"
    assert "有 2 行需要修改，名册没有导入" in console.get_by_role("alert").inner_text()
    assert table_rows(console, "table.problems") == [
        ["第 3 行", "手机号", "请填写 11 位手机号，以 1 开头"],
        ["第 5 行", "志愿者编号", "与第 2 行重复"]]
    assert console.get_by_role("button", name="确认导入").count() == 0
    accessible(console, "import-problems")
    assert server_count(server, "SELECT count(*) FROM volunteers") == 0
    cookies = {c["name"]: c["value"] for c in console.context.cookies()}
    too_big = requests.post(server.url + BASE + "/import", cookies=cookies, timeout=30,
                            files={"file": ("名册.csv", b"x" * (2 * 1024 * 1024))})
    assert too_big.status_code == 413 and "text/html" in too_big.headers["content-type"]  # refused unread

    # fixed, saved again (UTF-8 with a BOM this time): checked, then imported in one go
    upload(console, write_csv(tmp_path / "名册.csv", GOOD, "utf-8-sig"))
    assert "全部 4 行检查通过：新增 4 名，更新 0 名" in console.get_by_role("status").inner_text()
    assert [r[:4] for r in table_rows(console)][2] == ["4", "LJY-0003", "阿依古丽·买买提", "13712345678"]
    accessible(console, "import-check")
    console.get_by_role("button", name="确认导入").click()
    assert console.url.endswith(f"{BASE}?done=imported&added=4&updated=0")
    assert "新增 4 名" in console.locator("main").inner_text()
    assert [r[:3] for r in table_rows(console)] == [[number, name, phone] for name, phone, number in [
        ("王芳", "13812345678", "LJY-0001"), ("李强", "13912345678", "LJY-0002"),
        ("阿依古丽·买买提", "13712345678", "LJY-0003"), ("张伟", "13612345678", "LJY-0004")]]
    accessible(console, "roster")

    # the station sets 王芳's PIN: shown once, handed to her; the kiosk learns the hash at its next sync
    console.get_by_role("link", name="王芳").click()
    console.get_by_role("button", name="设置密码").click()
    pin = console.locator(".once").inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin)
    accessible(console, "pin")
    console.get_by_role("link", name="已交给志愿者，返回").click()
    assert pin not in console.content()
    stored = server.store.read(lambda conn: conn.execute(
        "SELECT pin_hash FROM volunteers WHERE number = 'LJY-0001'").fetchone()[0])
    assert stored.startswith("scrypt$131072$8$1$") and pin not in stored
    client.cycle()
    assert Passbook(store, now=NOW).sign_in("13812345678", pin)["name"] == "王芳"

    # an .xlsx from another program, other header words: 王芳's new phone, one new volunteer
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "名字", "联系电话", "备注"])
    sheet.append(["LJY-0001", "王芳", 13800001111, "换了手机"])
    sheet.append(["LJY-0005", "赵敏", 13500001111, None])
    book.save(tmp_path / "新名册.xlsx")
    upload(console, tmp_path / "新名册.xlsx")
    assert "新增 1 名，更新 1 名" in console.get_by_role("status").inner_text()
    console.get_by_role("button", name="确认导入").click()
    assert "新增 1 名，更新 1 名" in console.locator("main").inner_text()
    client.cycle()
    assert Passbook(store, now=NOW).sign_in("13800001111", pin)["name"] == "王芳"  # her PIN stayed
    assert store.db["volunteers"].count == 5
    audit = server.store.read(lambda conn: conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'volunteer.import' AND staff_id = 'office-1'").fetchone()[0])
    assert audit == 4 + 2


def put_wang_fang(server) -> None:
    server.office.put_volunteer(server.clerk, CENTER, {"id": "v1", "number": "LJY-0001", "name": "王芳",
                                                       "phone": "13812345678", "pin_hash": PIN_HASH})


def test_service_recorded_in_the_console_reaches_the_passbook_and_a_reversal_needs_a_reason(
        console, running_server, kiosks):
    server = running_server
    (store, client), _ = kiosks
    put_wang_fang(server)
    sign_in(console)
    console.goto(f"{BASE}/new")  # a phone already on the roster is refused at its field
    console.get_by_label("志愿者编号").fill("LJY-0002")
    console.get_by_label("姓名").fill("李强")
    console.get_by_label("手机号").fill("138 1234 5678")
    console.get_by_role("button", name="保存").click()
    assert console.locator("#phone-error").inner_text() == "已登记给志愿者“王芳”（编号 LJY-0001）"
    accessible(console, "new")
    console.get_by_label("手机号").fill("13912345678")
    console.get_by_role("button", name="保存").click()
    assert "已登记新志愿者" in console.get_by_role("status").inner_text()
    console.get_by_role("link", name="修改资料").click()
    console.get_by_label("姓名").fill("李强强")
    console.get_by_role("button", name="保存").click()
    assert console.get_by_role("heading", level=1).inner_text().startswith("李强强")

    console.goto(f"{BASE}/v1")
    assert "每服务 1 小时得 10 分" in console.locator("#rate-hint").inner_text()  # the center document's rate
    console.get_by_label("服务项目").fill("敬老院陪伴")
    console.get_by_role("button", name="记录").click()  # no hours: said at the field, nothing stored
    assert "请填写服务时长" in console.locator("#hours-error").inner_text()
    assert console.get_by_label("服务时长（小时）").get_attribute("aria-invalid") == "true"
    assert server_count(server, "SELECT count(*) FROM ledger") == 0
    console.get_by_label("服务时长（小时）").fill("2.5")
    console.get_by_role("button", name="记录").click()
    assert "已记录服务和积分" in console.get_by_role("status").inner_text()
    assert console.locator("#balance").inner_text() == "25"
    assert table_rows(console)[0][:5] == ["2026-11-27", "敬老院陪伴", "2.5", "25", ""]
    accessible(console, "volunteer")

    client.cycle()  # the kiosk's passbook shows the points the office recorded
    book = Passbook(store, now=NOW)
    volunteer = book.sign_in("13812345678", PIN)
    assert book.summary(volunteer["id"])["balance"] == 25
    assert [(e.activity, e.hours, e.points) for e in book.history(volunteer["id"])[0]] == [("敬老院陪伴", 2.5, 25)]

    # 冲正: refused at the field without a reason; with one, a new entry undoes the old, which stays
    console.get_by_role("link", name="冲正").click()
    console.get_by_role("button", name="确认冲正").click()
    assert console.locator("#reason-error").inner_text() == "请写明冲正的原因"
    assert console.get_by_label("冲正原因（必填）").get_attribute("aria-invalid") == "true"
    accessible(console, "reverse")
    assert server_count(server, "SELECT count(*) FROM ledger") == 1
    console.get_by_label("冲正原因（必填）").fill("重复录入")
    console.get_by_role("button", name="确认冲正").click()
    assert "已冲正" in console.get_by_role("status").inner_text()
    assert console.locator("#balance").inner_text() == "0"
    assert [r[:7] for r in table_rows(console)] == [
        ["2026-11-27", "冲正：敬老院陪伴", "-2.5", "-25", "重复录入", "冲正记录", "刘敏"],
        ["2026-11-27", "敬老院陪伴", "2.5", "25", "", "已冲正", "刘敏"]]
    assert console.get_by_role("link", name="冲正").count() == 0  # neither can be reversed again
    with console.expect_download() as download:  # her own ledger, as the page lists it
        console.get_by_role("link", name="CSV（.csv）").click()
    lines = Path(download.value.path()).read_bytes().decode("utf-8").splitlines()
    assert lines[0] == "\ufeff序号,日期,志愿者编号,姓名,服务项目,时长（小时）,积分,说明,冲正,记录人"
    assert lines[1:] == ["1,2026-11-27,LJY-0001,王芳,冲正：敬老院陪伴,-2.5,-25,重复录入,冲正记录,刘敏",
                         "2,2026-11-27,LJY-0001,王芳,敬老院陪伴,2.5,25,,已冲正,刘敏"]
    client.cycle()
    assert book.summary(volunteer["id"])["balance"] == 0
    entries = server.store.read(lambda conn: conn.execute(
        "SELECT points, reason, reverses_uid IS NOT NULL FROM ledger ORDER BY rowid").fetchall())
    assert entries == [(25, None, 0), (-25, "重复录入", 1)]


def test_the_center_ledger_exported_as_xlsx_reads_back_equal_to_the_table(console, running_server, tmp_path):
    server = running_server
    put_wang_fang(server)
    server.office.put_volunteer(server.clerk, CENTER, {"id": "v2", "number": "LJY-0002", "name": "李强",
                                                       "phone": "13912345678"})
    entries = [("v1", "2026-11-20T09:00:00", "敬老院陪伴", 3, 30), ("v2", "2026-11-21T14:00:00", "社区环境清洁", 1.5, 15),
               ("v1", "2026-11-22T09:30:00", "=1+2", 2, 20), ("v2", "2026-11-25T10:00:00", "共享自习室值守", 4, 40)]
    uids = [server.office.add_ledger(server.clerk, CENTER, {"volunteer_id": v, "at": at, "activity": a,
                                                            "hours": h, "points": p}) for v, at, a, h, p in entries]
    server.office.reverse_ledger(server.clerk, CENTER, uids[1], "时长记错")
    sign_in(console)
    console.goto(f"{BASE}/ledger")
    headers = console.locator("table.list thead th").all_inner_texts()
    assert headers[-1] == "操作"
    shown = [row[:-1] for row in table_rows(console)]  # without the actions
    assert len(shown) == 5 and shown[0][3] == "冲正：社区环境清洁" and shown[-1][3] == "敬老院陪伴"
    accessible(console, "ledger")

    with console.expect_download() as download:
        console.get_by_role("link", name="Excel（.xlsx）").click()
    path = tmp_path / "积分台账.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["序号", *headers[:-1]]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]
    assert [row[1:] for row in rows[1:]] == shown
    formula = load_workbook(path).worksheets[0]["E4"]  # "=1+2" stays text, never a formula
    assert (formula.value, formula.data_type) == ("=1+2", "s")

    # filtered by activity and a volunteer's number: the page and its export alike
    console.get_by_label("服务项目").fill("敬老院陪伴")
    console.get_by_label("志愿者编号").fill("LJY-0001")
    console.get_by_role("button", name="筛选").click()
    assert [row[3] for row in table_rows(console)] == ["敬老院陪伴"]
    with console.expect_download() as download:
        console.get_by_role("link", name="CSV（.csv）").click()
    text = Path(download.value.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff序号,日期,") and text.count("\n") == 2 and "敬老院陪伴" in text
    console.get_by_label("志愿者编号").fill("LJY-9999")
    console.get_by_role("button", name="筛选").click()
    assert console.locator("#volunteer-error").inner_text() == "本中心没有这个编号的志愿者"

    # the sub-district administrator sees phones masked, on the page and in the export
    console.get_by_role("button", name="退出登录").click()
    sign_in(console, ADMIN, f"{BASE}?q=5678")
    assert [r[:3] for r in table_rows(console)] == [["LJY-0001", "王芳", "138****5678"],
                                                     ["LJY-0002", "李强", "139****5678"]]
    with console.expect_download() as download:
        console.get_by_role("link", name="CSV（.csv）").click()
    text = Path(download.value.path()).read_bytes().decode("utf-8")
    assert "138****5678" in text and "13812345678" not in text


def test_an_exchange_requested_at_the_kiosk_is_handed_over_or_released_at_the_station(
        console, running_server, kiosks):
    server = running_server
    (store, client), _ = kiosks
    put_wang_fang(server)
    server.office.add_ledger(server.clerk, CENTER, {"volunteer_id": "v1", "activity": "敬老院陪伴", "points": 100})
    sign_in(console)
    console.goto(BASE)
    console.get_by_role("link", name="兑换物品").click()
    console.get_by_label("物品名称").fill("大米 5 斤")
    console.get_by_label("所需积分").fill("0")
    console.get_by_label("库存（件）").fill("2")
    console.get_by_role("button", name="添加").click()
    assert console.locator("#points-error").inner_text() == "所需积分是 1–100000 的整数"
    console.get_by_label("所需积分").fill("50")
    console.get_by_role("button", name="添加").click()
    assert table_rows(console) == [["大米 5 斤", "50", "2", "0", "2", "修改"]]
    accessible(console, "catalogue")

    client.cycle()  # on the kiosk, 王芳 asks for rice twice: 100 points held
    [item] = store.db["catalogue"].rows
    book = Passbook(store, now=NOW)
    first, second = (book.request_redemption("v1", item["id"]) for _ in range(2))
    client.cycle()
    console.get_by_role("link", name="兑换申请").click()
    rows = console.locator("table.list tbody tr")
    assert rows.count() == 2 and table_rows(console)[0][1:5] == ["LJY-0001", "王芳", "大米 5 斤", "50"]
    accessible(console, "holds")
    rows.first.get_by_role("button", name="发放").click()
    assert "已记录发放" in console.get_by_role("status").inner_text()
    console.locator("table.list tbody tr").first.get_by_role("button", name="释放").click()
    assert "已释放" in console.get_by_role("status").inner_text()
    assert console.get_by_text("没有等待发放的兑换申请").is_visible()
    console.get_by_role("link", name="兑换物品").click()
    assert table_rows(console) == [["大米 5 斤", "50", "1", "0", "1", "修改"]]

    client.cycle()  # the kiosk learns both: one hand-over in the ledger, the stock, the points back
    assert sorted(store.db["holds"].get(h["id"])["status"] for h in (first, second)) == ["handed_over", "released"]
    assert book.summary("v1")["balance"] == 50 and store.db["catalogue"].get(item["id"])["stock"] == 1
    console.goto(f"{BASE}/v1")
    assert console.locator("#balance").inner_text() == "50"
    assert table_rows(console)[0][1:4] == ["积分兑换：大米 5 斤", "0", "-50"]

    third = book.request_redemption("v1", item["id"])  # asked again, then withdrawn before collecting it
    client.cycle()
    book.withdraw_redemption("v1", third["id"])
    client.cycle()
    console.goto(f"{BASE}/holds")
    assert console.get_by_text("没有等待发放的兑换申请").is_visible()
    console.get_by_role("link", name="已撤回").click()
    assert [row[1:5] for row in table_rows(console)] == [["LJY-0001", "王芳", "大米 5 斤", "50"]]
    assert console.get_by_role("button", name="发放").count() == 0  # nothing to hand out
    accessible(console, "holds-withdrawn")
    console.get_by_role("link", name="已发放").click()
    assert [row[1:5] for row in table_rows(console)] == [["LJY-0001", "王芳", "大米 5 斤", "50"]]


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_roster_files_are_read_as_offices_save_them():
    header = "序号,姓名,手机号,志愿者编号"
    for data in ((header + "\r\n1,王芳,13812345678,LJY-0001\r\n").encode("gbk"),  # Excel on Chinese Windows
                 ("\ufeff" + header + "\n1,王芳,13812345678,LJY-0001\n").encode("utf-8"),
                 (header.replace(",", "\t") + "\n1\t王芳\t13812345678\tLJY-0001\n").encode("utf-16")):
        roster = roster_import.read_roster("名册.csv", data)
        mapping = roster_import.guess_mapping(roster.header)
        assert roster_import.lines(roster, mapping) == [
            {"row": 2, "number": "LJY-0001", "name": "王芳", "phone": "13812345678"}]
    # numbers as Excel keeps them, blank rows kept out of the count but not out of the row numbers
    roster = roster_import.read_roster("名册.xlsx", xlsx([[None], ["志愿者姓名", "联系电话", "编号"], [],
                                                         ["李强", 13912345678, 7.0]]))
    assert roster.rows == ((4, ("李强", "13912345678", "7")),)
    assert roster_import.guess_mapping(roster.header) == {"number": 2, "name": 0, "phone": 1}
    assert roster_import.mapping_problems({"number": 2, "name": 0, "phone": 0}, roster.header) == {
        "phone": "与“姓名”选了同一列"}
    refused = {
        "old.xls": b"\xd0\xcf\x11\xe0" + b"\0" * 100,
        "big.csv": b"a" * (roster_import.MAX_BYTES + 1),
        "many.csv": ("姓名\n" + "王芳\n" * 5001).encode(),
        "header.csv": "姓名,手机号\n".encode(),
        "photo.png": b"\x89PNG....",
        "broken.xlsx": b"PK\x03\x04 not really a workbook",
    }
    for name, data in refused.items():
        with pytest.raises(RosterFileError):
            roster_import.read_roster(name, data)
