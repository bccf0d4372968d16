"""民情恳谈室, 自习室 and 妈妈绘本馆 in the office console, in a real browser
against the real server process, with real kiosk stores syncing through it:
what the office decides reaches the kiosks, what kiosks take shows in the
console, and a counseling topic is for the center's own staff only."""
import csv
import io
import json
import re
from datetime import datetime, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from kiosk.bookings import Bookings
from kiosk.center import PUBLISHED_KEY, effective_center
from sync.server.reads.bookings import center_document
from tests.console import ADMIN, assert_accessible, new_page, sign_in
from tests.sync_server import CENTER, DAY, NOW

ROOMS = "/console/liujiaying"
SATURDAY = DAY + timedelta(days=1)  # 2026-11-28: the picture-book story hour, a counseling slot


def kiosk_center(store):
    """The center as the kiosk's screens see it after its pulls."""
    return effective_center(CENTER, store.get_meta(PUBLISHED_KEY))


def audit_actions(server) -> list[tuple]:
    return [tuple(r) for r in server.store.db.execute("SELECT staff_id, action, target, after FROM audit "
                                                      "WHERE action NOT IN ('staff.add') ORDER BY seq")]


def test_a_pause_and_a_closed_day_set_in_the_console_reach_the_kiosk(console, running_server, kiosks):
    (store, client), _ = kiosks
    client.cycle()
    sign_in(console)
    console.get_by_role("link", name="自习室").click()
    expect(console.get_by_role("heading", name=re.compile("11月27日 周五的预约（今天）"))).to_be_visible()
    assert_accessible(console)

    # a pause without its words is refused at the field, and nothing reaches the kiosks
    console.get_by_role("button", name="暂停全部预约").click()
    expect(console.get_by_text("请写上暂停的说明，居民会在终端上看到")).to_be_visible()
    assert_accessible(console)
    message = "今天下午停电检修 明天上午恢复"
    console.get_by_label(re.compile("^暂停说明")).fill(message)
    console.get_by_label(re.compile("^暂停说明")).press("Tab")
    console.keyboard.press("Enter")  # by keyboard alone: the button is next
    expect(console.get_by_role("status").filter(has_text="已暂停预约")).to_be_visible()
    expect(console.get_by_text("全部预约已暂停：" + message)).to_be_visible()
    assert client.cycle() >= {"bookings.pause"}
    assert Bookings(store, kiosk_center(store), now=NOW).paused() == message

    # a closed day with a reason; a day in the past is refused
    console.get_by_label("闭馆日期").fill("2026-11-20")
    console.get_by_label("原因").fill("设备检修")
    console.get_by_role("button", name="设为闭馆日").click()
    expect(console.get_by_text("只能设置今天或以后的闭馆日")).to_be_visible()
    console.get_by_label("闭馆日期").fill(SATURDAY.isoformat())
    console.get_by_role("button", name="设为闭馆日").click()
    expect(console.get_by_role("status").filter(has_text="已设为闭馆日")).to_be_visible()
    expect(console.get_by_role("row", name=re.compile("2026-11-28 周六 设备检修"))).to_be_visible()
    assert client.cycle() >= {"center"}
    bookings = Bookings(store, kiosk_center(store), now=NOW)
    assert SATURDAY not in bookings.open_days() and DAY in bookings.open_days()
    assert all(slot.day != SATURDAY for slot in bookings.book_sessions() + bookings.counseling_slots())
    console.get_by_role("link", name="妈妈绘本馆").click()  # the center's closures: the same on both pages
    expect(console.get_by_role("row", name=re.compile("2026-11-28 周六 设备检修"))).to_be_visible()
    assert_accessible(console)

    console.get_by_role("button", name="恢复预约").click()
    console.get_by_role("button", name="取消闭馆 2026-11-28").click()
    expect(console.get_by_text("目前没有设定闭馆日。")).to_be_visible()
    client.cycle()
    bookings = Bookings(store, kiosk_center(store), now=NOW)
    assert bookings.paused() is None and SATURDAY in bookings.open_days()
    done = [(who, action, json.loads(after)) for who, action, _t, after in audit_actions(running_server)]
    assert done == [("office-1", "bookings.pause", {"message": message}),
                    ("office-1", "center.publish", {"closed_day": "2026-11-28", "reason": "设备检修"}),
                    ("office-1", "bookings.pause", {"message": None}),
                    ("office-1", "center.publish", {"reopened_day": "2026-11-28"})]


def test_the_days_bookings_show_check_ins_and_the_waitlist_in_order(console, running_server, kiosks):
    (one, client_one), (two, client_two) = kiosks
    document = running_server.store.read(center_document, "liujiaying")
    document["picture_books"]["sessions"][1]["places"] = 2  # Saturday's story hour: two places
    running_server.office.publish_center(running_server.clerk, "liujiaying", document)
    client_one.cycle()
    client_two.cycle()
    desk = Bookings(one, kiosk_center(one), now=NOW)
    seat = desk.book_study(DAY, "morning", 3, "张三", "13812345678")
    desk.book_study(DAY, "afternoon", 5, "李四", "13812345679")
    for child, phone in (("小明", "13900000001"), ("小亮", "13900000002"), ("小红", "13900000003")):
        desk.book_picture(SATURDAY, "pb1", child, 5, "刘芳", phone)
    client_one.cycle()
    client_two.cycle()
    other = Bookings(two, kiosk_center(two), now=NOW)
    assert other.book_picture(SATURDAY, "pb1", "小刚", 6, "陈静", "13900000004")["status"] == "waiting"
    client_two.cycle()
    # 张三 checks in at the kiosk when check-in opens (a quarter of an hour before 08:30)
    Bookings(one, kiosk_center(one), now=lambda: datetime(2026, 11, 27, 8, 20)).check_in(seat["ticket"])
    client_one.cycle()

    sign_in(console)
    console.get_by_role("link", name="自习室").click()
    expect(console.get_by_role("row", name=re.compile("上午 08:30–12:00 3 号 张三 13812345678 已签到"))).to_be_visible()
    expect(console.get_by_role("row", name=re.compile("下午 14:00–18:00 5 号 李四 13812345679 已预约"))).to_be_visible()
    expect(console.get_by_role("row", name="上午 08:30–12:00 24 1 1 0 0")).to_be_visible()
    console.get_by_label("状态").select_option(label="已签到")
    console.get_by_role("button", name="查看").click()
    expect(console.get_by_role("row", name=re.compile("张三"))).to_have_count(1)
    expect(console.get_by_role("row", name=re.compile("李四"))).to_have_count(0)

    console.get_by_role("link", name="妈妈绘本馆").click()
    console.get_by_label("日期", exact=True).fill(SATURDAY.isoformat())
    console.get_by_role("button", name="查看").click()
    waiting = console.get_by_role("table").filter(has_text="顺序")
    assert waiting.get_by_role("row").all_inner_texts()[1:] == [
        "1\t10:00–11:00 绘本故事会\t小红（5 岁）\t刘芳\t13900000003\t2026-11-27 07:00",
        "2\t10:00–11:00 绘本故事会\t小刚（6 岁）\t陈静\t13900000004\t2026-11-27 07:00"]
    assert_accessible(console)

    # the office cancels a family's place: the first family waiting gets it, on every kiosk
    console.get_by_role("link", name="办理 刘芳 的预约").first.click()
    expect(console.get_by_text("小明（5 岁）")).to_be_visible()
    assert_accessible(console)
    console.get_by_role("button", name="取消这个报名").click()
    expect(console.get_by_role("status").filter(has_text="预约已取消")).to_be_visible()
    assert waiting.get_by_role("row").all_inner_texts()[1:] == [
        "1\t10:00–11:00 绘本故事会\t小刚（6 岁）\t陈静\t13900000004\t2026-11-27 07:00"]
    expect(console.get_by_role("row", name=re.compile("小红（5 岁） 刘芳 13900000003 已预约"))).to_be_visible()
    client_one.cycle()
    statuses = dict(one.db.execute("SELECT child_name, status FROM bookings WHERE kind = 'books'").fetchall())
    assert statuses == {"小明": "cancelled", "小亮": "booked", "小红": "booked"}
    assert ("office-1", "booking.cancelled") in [(w, a) for w, a, _t, _a in audit_actions(running_server)]

    export = console.request.get(f"{ROOMS}/books.xlsx?day={SATURDAY.isoformat()}")
    sheet = load_workbook(io.BytesIO(export.body())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["序号", "日期", "场次", "孩子", "姓名", "手机号", "状态"]
    assert rows[1:] == [[1, "2026-11-28", "10:00–11:00 绘本故事会", "小明（5 岁）", "刘芳", "13900000001", "已取消"],
                        [2, "2026-11-28", "10:00–11:00 绘本故事会", "小亮（5 岁）", "刘芳", "13900000002", "已预约"],
                        [3, "2026-11-28", "10:00–11:00 绘本故事会", "小红（5 岁）", "刘芳", "13900000003", "已预约"],
                        [4, "2026-11-28", "10:00–11:00 绘本故事会", "小刚（6 岁）", "陈静", "13900000004", "候补中"]]


def test_a_counseling_topic_is_for_the_centers_staff_not_the_administrator(console, browser, running_server,
                                                                            kiosks):
    (store, client), _ = kiosks
    client.cycle()
    desk = Bookings(store, kiosk_center(store), now=NOW)
    saturday_slot = next(s for s in desk.counseling_slots() if s.day == SATURDAY)
    desk.request_counseling("民情诉求", saturday_slot, "王五", "13912345678", "想聊聊家里的事", True)
    desk.request_counseling("心理咨询", None, "赵六", "13912345679", "", True)
    client.cycle()

    sign_in(console)
    console.get_by_role("link", name="民情恳谈室").click()
    expect(console.get_by_role("row", name=re.compile("王五 13912345678 民情诉求 11月28日 周六 10:00 待处理"))).to_be_visible()
    expect(console.get_by_role("row", name=re.compile("赵六 13912345679 心理咨询 请尽快联系 待处理"))).to_be_visible()
    assert_accessible(console)
    console.get_by_role("link", name="办理 王五 的预约").click()
    expect(console.get_by_text("想聊聊家里的事")).to_be_visible()
    assert_accessible(console)
    # a confirmed slot needs its day; then the time agreed and a note, kept and audited
    console.get_by_label("约定日期（确认时段时填写）").fill("")
    console.get_by_role("button", name="保存").click()
    expect(console.get_by_text("确认时段时请选择日期")).to_be_visible()
    console.get_by_label("约定日期（确认时段时填写）").fill(SATURDAY.isoformat())
    console.get_by_label(re.compile("^办理说明")).fill("已电话确认 周六上午来")
    console.get_by_role("button", name="保存").click()
    expect(console.get_by_role("status").filter(has_text="已保存办理情况")).to_be_visible()
    expect(console.get_by_role("row", name=re.compile("刘敏 已确认时段：11月28日 周六 10:00"))).to_be_visible()
    console.get_by_role("link", name="返回恳谈预约列表").click()
    console.get_by_label("进展").select_option(label="已确认时段")
    console.get_by_role("button", name="筛选").click()
    expect(console.get_by_role("row", name=re.compile("王五.*已确认时段 约 11月28日 周六 10:00"))).to_be_visible()
    expect(console.get_by_role("row", name=re.compile("赵六"))).to_have_count(0)
    clerk_csv = console.request.get(f"{ROOMS}/counseling.csv").text()
    assert "类别" in clerk_csv and "民情诉求" in clerk_csv and "已电话确认 周六上午来" in clerk_csv
    [_who, _action, _target, after] = audit_actions(running_server)[-1]
    assert "已电话确认" not in after  # the audit is read by roles that may not see the note

    # 已办结 closes the request as attended (the resident may ask again): the kiosk learns it
    console.get_by_role("link", name="办理 王五 的预约").click()
    console.get_by_label("已办结").check()
    console.get_by_role("button", name="保存").click()
    facts = console.locator("dl.facts").inner_text()
    assert "预约状态\n已签到" in facts and "进展\n已办结" in facts
    client.cycle()
    assert store.db.execute("SELECT status FROM bookings WHERE name = '王五'").fetchone()[0] == "checked_in"

    # the counselors' slots: a Sunday afternoon added reaches the kiosk; a slot residents hold stays
    console.get_by_role("link", name="返回恳谈预约列表").click()
    console.get_by_label("每周").select_option(label="周日")
    console.get_by_label("开始").fill("14:00")
    console.get_by_label("结束").fill("13:00")
    console.get_by_label("坐诊").fill("公益心理咨询师")
    console.get_by_role("button", name="增加").click()
    expect(console.get_by_text("结束时间要晚于开始时间")).to_be_visible()
    console.get_by_label("结束").fill("15:00")
    console.get_by_role("button", name="增加").click()
    expect(console.get_by_role("row", name=re.compile("周日 14:00–15:00 公益心理咨询师"))).to_be_visible()
    client.cycle()
    assert [s.weekday for s in kiosk_center(store).counseling_slots] == [2, 4, 6, 7]
    desk = Bookings(store, kiosk_center(store), now=NOW)
    desk.request_counseling("医疗康复", next(s for s in desk.counseling_slots() if s.session == "c1"), "孙七",
                            "13912345670", "", True)
    client.cycle()
    console.reload()
    console.get_by_role("button", name="删除 周二 09:30–10:30").click()  # c1 (Thursday) comes after it
    expect(console.get_by_text(re.compile("还有居民预约了这个时段或排在它后面的时段"))).to_be_visible()
    console.get_by_role("button", name="删除 周日 14:00–15:00").click()
    expect(console.get_by_role("status").filter(has_text="已删除坐诊时段")).to_be_visible()
    client.cycle()
    assert [s.weekday for s in kiosk_center(store).counseling_slots] == [2, 4, 6]

    # the sub-district administrator: the requests, but no topic, note or staff note, here or exported
    admin = new_page(browser, running_server)
    try:
        sign_in(admin, ADMIN)
        admin.goto(f"{ROOMS}/counseling")
        text = admin.get_by_role("table").first.inner_text()  # the requests (the slots' table names counselors)
        assert "王五" in text and "139****5678" in text and "13912345678" not in text
        assert not any(secret in text for secret in ("民情诉求", "心理咨询", "医疗康复", "想聊聊家里的事"))
        expect(admin.get_by_role("columnheader", name="想谈的事")).to_have_count(0)
        assert_accessible(admin)
        admin.get_by_role("link", name="详情 王五 的预约").click()
        text = admin.locator("main").inner_text()
        assert "民情诉求" not in text and "想聊聊家里的事" not in text and "已电话确认" not in text
        expect(admin.get_by_role("button", name="保存")).to_have_count(0)
        csrf = admin.locator("input[name=csrf]").first.get_attribute("value")
        refused = admin.request.post(admin.url, form={"csrf": csrf, "state": "call_back", "note": "x"})
        assert refused.status == 403
        exported = admin.request.get(f"{ROOMS}/counseling.csv").text()
        header = next(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
        assert header == ["序号", "申请时间", "姓名", "手机号", "希望的时段", "预约状态", "进展", "约定时间"]
        book = load_workbook(io.BytesIO(admin.request.get(f"{ROOMS}/counseling.xlsx").body()))
        cells = [str(c.value) for row in book.active.iter_rows() for c in row]
        for secret in ("婚姻家庭", "心理咨询", "医疗康复", "想聊聊家里的事", "已电话确认", "13912345678", "类别"):
            assert secret not in exported and secret not in cells
    finally:
        admin.context.close()
