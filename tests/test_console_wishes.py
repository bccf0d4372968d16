"""微心愿台账 in a real browser against the real server process: a kiosk's
wish reviewed and claimed in the console reaches that kiosk's wall; a wish
is text, never markup; filters, refusals and the history; the export equals
the database; another center's wishes stay closed."""
import json
import re

from openpyxl import load_workbook

from kiosk.lifecycle import WISH_WORDS
from kiosk.validation import validate_note
from kiosk.wishes import Wishes
from tests import pushes
from tests.console import ADMIN, assert_accessible, new_page, sign_in
from tests.pushes import Pusher

LIST = "/console/liujiaying/wishes"


def wish_of(server, wish_id) -> dict:
    return server.store.db["wishes"].get(wish_id)


def record_a_claim(page) -> None:
    """李四党员 (党员, 13900001111) claims the wish on the page."""
    page.get_by_label("认领人").fill("李四党员")
    page.get_by_label("党员", exact=True).check()
    page.get_by_label("联系方式").fill("13900001111")
    page.get_by_role("button", name="记录认领").click()
    assert "已记录认领" in page.get_by_role("status").inner_text()


def open_wish(page, code):
    page.goto(LIST)
    page.get_by_role("link", name=code, exact=True).click()


def test_a_kiosk_wish_approved_and_claimed_in_the_console_shows_on_that_kiosks_wall(console, running_server,
                                                                                 kiosks):
    (kiosk, client), _ = kiosks
    wish = Wishes(kiosk).submit("张秀英", "13812345678", "环境设施", "楼道灯坏了，晚上看不见", consent=True)
    client.cycle()
    sign_in(console)
    console.get_by_role("link", name="微心愿台账").click()
    row = console.get_by_role("row").filter(has_text=wish["code"])
    assert "待审核" in row.inner_text() and "lobby-1" in row.inner_text()
    assert "13812345678" in row.inner_text()  # the center's own clerk sees the full phone
    assert_accessible(console)
    row.get_by_role("link", name=wish["code"]).click()
    assert console.get_by_role("heading", name=re.compile(wish["code"])).is_visible()
    assert_accessible(console)
    console.get_by_role("button", name="上墙").click()
    assert "已上墙" in console.get_by_role("status").inner_text()
    record_a_claim(console)
    card = console.get_by_role("region", name="心愿卡").inner_text()
    assert "李四党员（党员）" in card and "13900001111" in card
    history = console.get_by_role("region", name="办理记录").inner_text()
    assert re.search(r"居民\s+提交心愿卡\s+在终端 lobby-1 提交", history)
    assert re.search(r"刘敏\s+上墙", history) and re.search(r"刘敏\s+记录认领\s+李四党员（党员）", history)
    assert_accessible(console)

    client.cycle()
    [shown], _ = Wishes(kiosk).wall()
    assert (shown.code, shown.status, shown.claimant, shown.who) == (wish["code"], "已认领", "李四党员", "张**")
    # the contact is the office's: not in the feed any kiosk pulls, not in the audit
    db = running_server.store.db
    assert wish_of(running_server, wish["id"])["claimant_contact"] == "13900001111"
    assert not [r for r in db["changes"].rows if "13900001111" in r["data"]]
    assert not [r for r in db["audit"].rows if "13900001111" in (r["after"] or "")]


def test_a_private_wish_is_the_offices_only_and_never_on_any_kiosks_wall(console, running_server, kiosks):
    (mine, client), (other, other_client) = kiosks
    wish = Wishes(mine).submit("张秀英", "13812345678", "助老助残", "希望楼梯安装扶手", consent=False)
    client.cycle()
    sign_in(console)
    console.goto(LIST)
    row = console.get_by_role("row").filter(has_text=wish["code"])
    assert "不上墙" in row.inner_text() and "希望楼梯安装扶手" in row.inner_text()
    row.get_by_role("link", name=wish["code"]).click()
    assert "不上墙：居民没有同意展示" in console.get_by_role("region", name="心愿卡").inner_text()
    assert console.get_by_role("button", name="上墙", exact=True).count() == 0
    console.get_by_role("button", name="通过审核（不上墙）").click()
    assert "心愿不在心愿墙上" in console.get_by_role("status").inner_text()
    record_a_claim(console)
    assert_accessible(console)

    client.cycle()
    other_client.cycle()
    for kiosk in (mine, other):
        assert Wishes(kiosk).wall() == ([], 1)
    # its own kiosk follows its progress; the other kiosk never holds its words
    assert Wishes(mine).lookup(wish["code"], "5678")["status"] == "已认领"
    assert other.db["wishes"].count == 0
    feed = [r["data"] for r in running_server.store.db["changes"].rows if wish["id"] in r["data"]]
    assert feed and not [d for d in feed if "扶手" in d or "张" in d]


def test_a_wish_with_markup_is_shown_as_text(console, running_server):
    text = "<script>alert(1)</script><b>x</b>"
    wish = pushes.wish(text=text)
    assert Pusher(running_server).send("wish.create", {"wish": wish}) == ("applied", None)
    dialogs = []
    console.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(console)
    console.goto(LIST)
    assert console.get_by_role("cell", name=text).is_visible()
    assert console.locator("main b").count() == 0
    console.get_by_role("link", name=wish["code"]).click()
    assert console.get_by_text(text, exact=True).is_visible()
    assert console.locator("main b, main script").count() == 0
    assert dialogs == []


def test_filters_refusals_withdrawal_and_the_history(console, running_server):
    send, other_kiosk = Pusher(running_server).send, Pusher(running_server, "lobby-2").send
    lamp = pushes.wish(text="楼道灯坏了", category="环境设施")
    phone = pushes.wish(text="想学用智能手机挂号", category="学习教育", created_at="2026-11-20T09:30:00")
    walk = pushes.wish(text="希望有人陪老人散步", category="助老助残", name="王秀兰")
    for w in (lamp, phone):
        assert send("wish.create", {"wish": w}) == ("applied", None)
    assert other_kiosk("wish.create", {"wish": walk}) == ("applied", None)
    running_server.office.set_wish_status(running_server.clerk, walk["id"], "approved")
    sign_in(console)
    console.goto(LIST)

    def listed():
        return sorted(console.locator("table.wishes tbody tr td:nth-child(2)").all_inner_texts())

    def filter_by(**fields):
        console.goto(LIST)
        for label, value in fields.items():
            field = console.get_by_label(label, exact=True)
            field.select_option(label=value) if field.evaluate("e => e.tagName") == "SELECT" else field.fill(value)
        console.get_by_role("button", name="筛选").click()
        return listed()

    assert listed() == sorted(w["code"] for w in (lamp, phone, walk))
    assert filter_by(状态="待认领") == [walk["code"]]
    assert filter_by(类别="学习教育") == [phone["code"]]
    assert filter_by(提交日期从="2026-11-19", 到="2026-11-21") == [phone["code"]]
    assert filter_by(提交终端="lobby-2") == [walk["code"]]
    assert filter_by(搜索="王秀兰") == [walk["code"]]
    assert filter_by(状态="待审核", 搜索="手机") == [phone["code"]]
    filter_by(提交日期从="2026-11-27", 到="2026-11-01")
    assert console.get_by_text("截止日期不能早于开始日期").is_visible()
    assert console.get_by_label("到", exact=True).get_attribute("aria-invalid") == "true"
    assert_accessible(console)

    # 不通过 needs a reason: said at the field, nothing changed
    open_wish(console, phone["code"])
    console.get_by_role("button", name="不通过").click()
    assert console.get_by_text("请写明不通过的原因").is_visible()
    assert console.get_by_label("不通过的原因").get_attribute("aria-describedby") == "reason-error"
    assert wish_of(running_server, phone["id"])["status"] == "submitted"
    assert_accessible(console)
    console.get_by_label("不通过的原因").fill("不属于微心愿的范围，已转社区医生联系")
    console.get_by_role("button", name="不通过").click()
    assert "未通过" in console.get_by_role("heading", level=1).inner_text()
    assert console.get_by_text("这个心愿未通过审核，办理结束。").is_visible()
    assert wish_of(running_server, phone["id"])["reason"] == validate_note("不属于微心愿的范围，已转社区医生联系")

    # two clerks on one wish: the second claim is refused with the reason; a stale 上墙 withdraws nothing
    open_wish(console, lamp["code"])
    stale = new_page(console.context.browser, running_server)
    sign_in(stale)
    open_wish(stale, lamp["code"])
    console.get_by_role("button", name="上墙").click()
    stale.get_by_role("button", name="上墙").click()
    assert "这个心愿的状态已经变了" in stale.get_by_role("alert").inner_text()
    stale.get_by_label("认领人").fill("赵六党员")
    stale.get_by_label("党员", exact=True).check()
    stale.get_by_label("联系方式").fill("赵六 13911112222")
    console.get_by_label("认领人").fill("中蓝菲特健身中心")
    console.get_by_label("成员单位").check()
    console.get_by_label("联系方式").fill("前台 0931-1234567")
    console.get_by_role("button", name="记录认领").click()
    stale.get_by_role("button", name="记录认领").click()
    assert stale.get_by_role("alert").inner_text() == "没有办成「记录认领」：这个心愿已被别人先认领"
    assert_accessible(stale)
    stale.context.close()
    assert wish_of(running_server, lamp["id"])["claimant"] == "中蓝菲特健身中心"

    console.reload()
    console.get_by_role("button", name="撤回认领").click()
    assert "已撤回认领" in console.get_by_role("status").inner_text()
    assert "待认领" in console.get_by_role("heading", level=1).inner_text()
    row = wish_of(running_server, lamp["id"])
    assert (row["status"], row["claimant"], row["claimant_contact"]) == ("approved", None, None)
    history = console.get_by_role("region", name="办理记录").locator("tbody tr").all_inner_texts()
    assert [re.split(r"\t", h)[1:3] for h in history] == [
        ["居民", "提交心愿卡"], ["刘敏", "上墙"], ["刘敏", "记录认领"], ["刘敏", "撤回认领"]]
    assert "原认领人：中蓝菲特健身中心" in history[-1] and "成员单位" in history[2]


def test_the_export_equals_the_database_and_other_centers_stay_closed(console, running_server):
    server = running_server
    pushes.set_up_center(server)  # a second center, xigu, with its kiosk
    formula, plain = pushes.wish(text="=1+1 想要一副象棋"), pushes.wish(text="想参加书画交流", name="赵敏")
    for w in (formula, plain):
        assert Pusher(server).send("wish.create", {"wish": w}) == ("applied", None)
    theirs = pushes.wish(text="西固的心愿")
    assert Pusher(server, "xigu-1").send("wish.create", {"wish": theirs}) == ("applied", None)
    server.office.set_wish_status(server.clerk, plain["id"], "approved")
    server.office.set_wish_status(server.clerk, plain["id"], "claimed", claimant="李党员",
                                  claimant_kind="party_member", claimant_contact="13900002222")
    sign_in(console)
    console.goto(LIST)
    with console.expect_download() as download:
        console.get_by_role("link", name="Excel（.xlsx）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as file:  # openpyxl goes by the name's extension otherwise
        sheet = load_workbook(file).active
    got = [[c.value for c in row] for row in sheet.iter_rows()]
    kinds = {"party_member": "党员", "member_unit": "成员单位"}
    rows = server.store.db.execute(
        "SELECT data, status, claimant, claimant_kind, claimant_contact, reason, fulfilled_note FROM wishes "
        "WHERE center_id = 'liujiaying' ORDER BY json_extract(data, '$.created_at') DESC, id DESC").fetchall()
    expected = [[n, card["created_at"][:10], card["code"], card["category"], card["text"],
                 "展示" if card["consent"] else "不上墙", card["name"],
                 card["phone"], WISH_WORDS[status], claimant, kinds.get(kind), contact, note or reason]
                for n, (card, status, claimant, kind, contact, reason, note)
                in enumerate(((json.loads(r[0]), *r[1:]) for r in rows), 1)]
    assert got[0] == ["序号", "日期", "心愿编号", "类别", "心愿内容", "心愿墙", "姓名", "手机号", "状态", "认领人",
                      "认领类型", "联系方式", "备注"]
    assert got[1:] == expected and len(expected) == 2
    [formula_cell] = [c for row in sheet.iter_rows() for c in row if c.value == formula["text"]]
    assert formula_cell.data_type == "s"

    # the same list for the administrator: phones masked, no contact column
    admin = new_page(console.context.browser, server)
    sign_in(admin, ADMIN)
    admin.goto(LIST)
    with admin.expect_download() as download:
        admin.get_by_role("link", name="CSV（.csv）").click()
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert "联系方式" not in lines[0] and "13900002222" not in "".join(lines)
    assert "139****5678" in lines[1] and "13912345678" not in "".join(lines)
    admin.get_by_role("link", name=plain["code"]).click()
    assert "13900002222" not in admin.content() and "139****5678" in admin.content()
    admin.context.close()

    # another center's wish, list and export: refused
    for path in (f"/console/xigu/wishes/{theirs['id']}", "/console/xigu/wishes", "/console/xigu/wishes.xlsx",
                 "/console/xigu/wishes.csv"):
        assert console.goto(path).status == 403, path
        assert console.get_by_role("heading", name="没有这个中心的权限").is_visible()
    assert console.goto(f"/console/liujiaying/wishes/{theirs['id']}").status == 404
    assert "西固的心愿" not in console.content()
