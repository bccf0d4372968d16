"""志愿者 in the office console, in a real browser against the real server
process, with a real kiosk store and SyncClient: the roster imported from
.csv and .xlsx (bad rows named, nothing imported until the file is clean), a
PIN set in the console that signs in at the kiosk, service recorded that the
kiosk's passbook shows, the ledger exported and read back, reversals with a
reason, the catalogue and the hand-over of an exchange request."""
import re
from pathlib import Path

from openpyxl import Workbook, load_workbook

from kiosk.passbook import Passbook
from tests.console import SHOTS, describe, serious_violations, sign_in
from tests.pushes import PIN, PIN_HASH
from tests.sync_server import NOW

CENTER = "liujiaying"
BASE = f"/console/{CENTER}/volunteers"


def accessible(page, name: str) -> None:
    """axe-core finds nothing serious; the page's screenshot when asked for ($LIULINHUI_CONSOLE_SHOTS)."""
    problems = serious_violations(page)
    assert problems == [], f"{page.url}\n{describe(problems)}"
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
    assert stored.startswith("pbkdf2_sha256$") and pin not in stored
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
