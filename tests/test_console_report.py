"""年度台账 in a real browser against the real server: known ledger entries,
wishes, bookings and counseling requests go in; the workbook is downloaded
from the page and read back with openpyxl, and its figures are what went in.
The counseling room's requests are counted, never named: no name, phone or
note of one appears anywhere in the workbook."""
import re

from openpyxl import load_workbook

from tests import pushes
from tests.console import ADMIN, describe, serious_violations, sign_in
from tests.pushes import Pusher, cancel, change_of
from tests.sync_server import DUTY, SERVER_NOW

CENTER = "liujiaying"
SECRETS = ("赵秘密", "13700001111", "家里的事很难讲", "钱隐私", "13700002222", "不想让邻居知道")


def _volunteers(server):
    """v1 王芳 (set_up_center: 1000 points today, 0 hours; served last year too) and v2 李强 (new this year)."""
    pushes.set_up_center(server)
    office, clerk = server.office, server.clerk
    office.put_volunteer(clerk, CENTER, {"id": "v2", "number": "LJY-0002", "name": "李强", "phone": "13812340002"})

    def add(volunteer, activity, hours, points, at, center=CENTER, actor=clerk, **more):
        return office.add_ledger(actor, center, {"volunteer_id": volunteer, "activity": activity, "hours": hours,
                                                 "points": points, "at": at, **more})
    add("v1", "敬老院陪伴", 2, 20, "2026-03-05T09:00:00")
    add("v1", "共享自习室值守", 3, 30, "2026-05-01T14:00:00")
    add("v2", "敬老院陪伴", 1.5, 15, "2026-05-02T09:00:00")
    wrong = add("v2", "共享自习室值守", 1, 10, "2026-06-01T09:00:00")
    # 冲正 as the office writes it: it counts against 共享自习室值守, not as an activity of its own
    add("v2", "冲正：共享自习室值守", -1, -10, "2026-06-02T09:00:00", reverses_uid=wrong, reason="录错了人")
    add("v1", "敬老院陪伴", 4, 40, "2025-12-20T09:00:00")  # last year's
    office.put_volunteer(server.admin, "xigu", {"id": "x1", "number": "XG-1", "name": "周别处", "phone": "13812349999"})
    add("x1", "敬老院陪伴", 8, 80, "2026-04-01T09:00:00", "xigu", server.admin)  # another center's
    # an exchange handed over at the kiosk: one point for a pen
    assert Pusher(server).send("redemption.handover", pushes.GOOD["redemption.handover"](server, DUTY)) \
        == ("applied", None)


def _wishes(server):
    pusher, office, clerk = Pusher(server), server.office, server.clerk
    made = [pushes.wish(category="生活帮扶", created_at="2026-03-10T10:00:00"), pushes.wish(category="生活帮扶"),
            pushes.wish(category="学习教育"), pushes.wish(category="其他", created_at="2025-06-01T10:00:00")]
    for w in made:
        assert pusher.send("wish.create", {"wish": w}) == ("applied", None)
    first, second, third, _last_year = (w["id"] for w in made)
    office.set_wish_status(clerk, first, "approved")
    office.set_wish_status(clerk, first, "claimed", claimant="敦煌路小学党支部", claimant_kind="member_unit")
    office.set_wish_status(clerk, first, "fulfilled", fulfilled_note="已送到")
    office.set_wish_status(clerk, second, "approved")
    office.set_wish_status(clerk, third, "declined", reason="已转社区办理")


def _bookings(server):
    pusher, office, clerk = Pusher(server), server.office, server.clerk
    evening = {"day": "2026-11-27", "session": "evening", "starts_at": "2026-11-27T19:00:00"}
    study = [pushes.booked(server, **evening) for _ in range(3)]
    assert pusher.send("checkin.create", change_of(study[0], "checked_in")) == ("applied", None)
    assert pusher.send("booking.cancel", cancel(study[1])) == ("applied", None)
    books = pushes.study_booking(kind="books", day="2026-11-28", session="pb1", starts_at="2026-11-28T10:00:00",
                                 seat=None, child_name="小明", child_age=5)
    assert pusher.send("booking.create", {"booking": books}) == ("applied", None)
    asked = []
    for name, phone, topic, note in (("赵秘密", "13700001111", "婚姻家庭", "家里的事很难讲"),
                                     ("钱隐私", "13700002222", "心理咨询", "不想让邻居知道"),
                                     ("孙三", "13700003333", "心理咨询", "")):
        request = {"id": pushes.fresh("c-"), "kind": "counseling", "ticket": "246802", "name": name, "phone": phone,
                   "topic": topic, "note": note, "status": "booked", "created_at": SERVER_NOW}
        assert pusher.send("booking.create", {"booking": request}) == ("applied", None)
        asked.append(request["id"])
    office.follow_up_counseling(clerk, asked[0], "done")
    office.set_booking_status(clerk, asked[2], "cancelled")


def _sheets(path) -> dict[str, list[tuple]]:
    """Each sheet's rows after the heading, without 序号."""
    book = load_workbook(path, read_only=True)
    sheets = {ws.title: [row[1:] for row in ws.iter_rows(min_row=2, values_only=True)] for ws in book.worksheets}
    book.close()
    return sheets


def _by_label(rows) -> dict:
    return {row[0]: list(row[1:]) for row in rows}


def test_the_year_end_workbook_holds_what_was_put_in(console, running_server, tmp_path):
    server = running_server
    _volunteers(server)
    _wishes(server)
    _bookings(server)

    sign_in(console)
    console.get_by_role("link", name="年度台账").click()
    assert console.get_by_role("heading", level=1).inner_text().startswith("年度台账")
    assert serious_violations(console) == [], describe(serious_violations(console))
    console.screenshot(path="/tmp/report-page.png", full_page=True)
    facts = console.locator("dl.report-facts")
    assert re.search(r"登记在册的志愿者（人）\s*2\b", facts.inner_text())
    assert not any(s in console.content() for s in SECRETS)

    with console.expect_download() as download:
        console.get_by_role("link", name=re.compile("年度台账（.xlsx")).click()
    assert "年度台账-2026年" in download.value.suggested_filename
    download.value.save_as(tmp_path / "report.xlsx")
    sheets = _sheets(tmp_path / "report.xlsx")
    assert list(sheets) == ["概况", "志愿者服务（按人）", "志愿服务（按活动）", "微心愿（按类别）", "微心愿（按月）",
                            "民情恳谈（按类别）", "民情恳谈（按月）", "自习室（按月）", "妈妈绘本馆（按月）"]

    summary = _by_label(sheets["概况"])
    assert {k: v[0] for k, v in summary.items()} == {
        "登记在册的志愿者（人）": 2, "本年参加服务的志愿者（人）": 2, "其中本年首次参加服务（人）": 1,
        "志愿服务（次）": 4, "服务时长（小时）": 6.5, "发放志愿积分": 1065, "积分兑换（次）": 1, "兑换积分": 1,
        "微心愿收集（个）": 3, "微心愿通过审核（个）": 2, "微心愿已认领（个）": 1, "微心愿已实现（个）": 1,
        "民情恳谈申请（次）": 3, "民情恳谈已接待办结（次）": 1, "自习室预约（人次）": 3, "自习室签到（人次）": 1,
        "妈妈绘本馆报名（人次）": 1, "妈妈绘本馆签到（人次）": 0}
    # 编号, 姓名, 服务次数, 时长, 积分, 兑换次数, 兑换积分; v2's reversed entry counts for nothing
    assert sheets["志愿者服务（按人）"] == [("LJY-0001", "王芳", 3, 5, 1050, 1, 1), ("LJY-0002", "李强", 1, 1.5, 15, 0, 0)]
    assert _by_label(sheets["志愿服务（按活动）"]) == {"敬老院陪伴": [3, 2, 3.5, 1035], "共享自习室值守": [1, 1, 3, 30]}

    wishes = _by_label(sheets["微心愿（按类别）"])  # 收集, 通过审核, 已认领, 已实现, 未通过, 待审核
    assert wishes["生活帮扶"] == [2, 2, 1, 1, 0, 0] and wishes["学习教育"] == [1, 0, 0, 0, 1, 0]
    assert wishes["其他"] == [0] * 6 and wishes["合计"] == [3, 2, 1, 1, 1, 0]  # last year's is not here
    months = _by_label(sheets["微心愿（按月）"])
    assert months["3月"] == [1, 1, 1, 1, 0, 0] and months["11月"] == [2, 1, 0, 0, 1, 0] and len(months) == 13

    topics = _by_label(sheets["民情恳谈（按类别）"])  # 申请, 已接待办结, 未到, 已取消, 处理中
    assert topics["婚姻家庭"] == [1, 1, 0, 0, 0] and topics["心理咨询"] == [2, 0, 0, 1, 1]
    assert topics["合计"] == [3, 1, 0, 1, 1] and _by_label(sheets["民情恳谈（按月）"])["11月"] == [3, 1, 0, 1, 1]
    for title in ("民情恳谈（按类别）", "民情恳谈（按月）"):
        assert set(len(row) for row in sheets[title]) == {6}  # a label and five counts: nothing else
    cells = [str(v) for rows in sheets.values() for row in rows for v in row]
    assert not [c for c in cells if any(s in c for s in SECRETS)]

    assert _by_label(sheets["自习室（按月）"])["11月"] == [3, 1, 0, 1, 1]  # 预约, 签到, 未到, 取消, 待签到
    assert _by_label(sheets["妈妈绘本馆（按月）"])["11月"] == [1, 0, 0, 0, 1, 0]

    # an entry made after the page was first read is in the sums (carried forward, not kept stale)
    server.office.add_ledger(server.clerk, CENTER, {"volunteer_id": "v2", "activity": "敬老院陪伴", "hours": 2,
                                                    "points": 20, "at": "2026-07-01T09:00:00"})
    console.reload()
    facts = console.locator("dl.report-facts").inner_text()
    assert re.search(r"服务时长（小时）\s*8.5\b", facts) and re.search(r"发放志愿积分\s*1085\b", facts)

    # last year, chosen on the page: only last year's figures
    console.get_by_label("年份", exact=True).select_option("2025")
    console.get_by_role("button", name="查看").click()
    assert "year=2025" in console.url
    assert re.search(r"发放志愿积分\s*40\b", console.locator("dl.report-facts").inner_text())
    assert re.search(r"微心愿收集（个）\s*1\b", console.locator("dl.report-facts").inner_text())
    assert console.goto(f"/console/{CENTER}/report?year=1999").status == 404

    # the administrator: the counts by month, but no topic, not even counted (few visits can name a person)
    console.goto(f"/console/{CENTER}/report")
    console.get_by_role("button", name="退出登录").click()
    sign_in(console, ADMIN, f"/console/{CENTER}/report")
    assert "按咨询类别" not in console.locator("main").inner_text()
    with console.expect_download() as download:
        console.get_by_role("link", name=re.compile("年度台账（.xlsx")).click()
    download.value.save_as(tmp_path / "admin.xlsx")
    sheets = load_workbook(tmp_path / "admin.xlsx", read_only=True).sheetnames
    assert "民情恳谈（按月）" in sheets and "民情恳谈（按类别）" not in sheets
