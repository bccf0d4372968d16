"""Staff mode in the real window with real touches: the hidden entry, the
PIN pad and its lock across a restart, 今日预约, 恳谈室, the 2-minute exit and
what is left on screen after it."""
import threading
from datetime import datetime, timedelta

from kiosk.bookings import Bookings, day_label
from kiosk.staff_session import StaffDesk
from kiosk.ui.steps import Choice
from sync.sealing import SERVER_KEY
from tests.harness import KioskDriver
from tests.sync_server import DUTY, DUTY_PIN, DUTY_PIN_HASH, staff_in_a_standalone_kiosk
from tests.test_ui_bookings import tap_choice, type_into

MORNING = datetime(2026, 11, 27, 8, 45)  # a Friday; the 08:30 study session has started, check-in open


def start(tmp_path) -> KioskDriver:
    k = KioskDriver.start(tmp_path)
    k.app.bookings = Bookings(k.store, k.app.center, now=lambda: MORNING)
    return k


def roster_from_the_feed(store) -> None:
    """What a sync brings: the on-duty member with a PIN hash, and the server's key."""
    with store.transaction() as db:
        db["staff_roster"].insert({"id": DUTY, "display_name": "王丽", "pin_hash": DUTY_PIN_HASH, "active": 1})
    store.set_meta(SERVER_KEY, staff_in_a_standalone_kiosk(DUTY).server_key)


def texts_left(k) -> list[str]:
    """Every text on every screen built so far, shown or not (what a later visitor could reach)."""
    return [w.text for screen in k.app.screens.built_screens() for w in k.walk(screen)
            if isinstance(getattr(w, "text", None), str)]


def to_pin_pad(k) -> None:
    k.long_press(k.find_id("brand"), 3.2)
    assert k.app.current == "staff_signin"
    tap_choice(k, "王丽", exact=True)


def type_pin(k, pin: str, keys: bool = True) -> str:
    """The PIN on the keypad's keys; ``keys=False``: put in at once (each keyed
    PIN costs seconds of frames, and the keypad is the same each time)."""
    field = k.screen.fields["pin"]
    if keys:
        type_into(k, field, pin)
        k.frames(3)  # the keypad closes and the page settles
    else:
        field.text = pin
    pad = k.screen
    tap_choice(k, "进入工作人员模式", exact=True)
    k.frames_until(lambda: pad.checking is None)  # the PIN's hash is checked off the UI thread
    return field.error


def test_staff_mode_from_the_long_press_to_its_exit(tmp_path):
    k = start(tmp_path)
    roster_from_the_feed(k.store)
    study = k.app.bookings.book_study(MORNING.date(), "morning", 3, "张伟", "13812345678")
    late = k.app.bookings.book_study(MORNING.date(), "morning", 4, "李娜", "13900001111")
    talk = k.app.bookings.request_counseling("婚姻家庭", None, "赵敏", "13700002222", "想聊聊家里的事", True)
    k.tap(k.find_id("brand"))  # a resident's tap on the name opens nothing
    assert k.app.current == "home"
    to_pin_pad(k)
    assert type_pin(k, "000000") == "工号或密码不正确"
    for _ in range(3):
        assert type_pin(k, "000000", keys=False) == "工号或密码不正确"
    assert "锁定" in type_pin(k, "000000", keys=False)  # the fifth wrong PIN locks this member
    k.stop()

    k = start(tmp_path)  # the kiosk restarted: the lock holds
    to_pin_pad(k)
    assert "锁定" in type_pin(k, DUTY_PIN, keys=False) and k.app.staff is None
    k.app.staff_desk = StaffDesk(k.store, now=lambda: k.app.clock.now() + timedelta(minutes=16))
    type_pin(k, DUTY_PIN)
    assert k.app.current == "staff_home"
    k.find_text("工作人员模式 · 王丽")

    k.tap_text("今日预约")
    k.screen.fields["search"].text = "5678"  # the last four of a phone
    tap_choice(k, "查找", exact=True)
    assert "李娜" not in "".join(k.texts())
    tap_choice(k, "签到", exact=True)
    assert "已签到" in k.screen.message
    tap_choice(k, "显示全部", exact=True)
    tap_choice(k, "未到", exact=True)
    assert "未到" in k.screen.message
    db = k.store.db
    assert (db["bookings"].get(study["id"])["status"], db["bookings"].get(late["id"])["status"]) == \
        ("checked_in", "no_show")
    signed = [row for row in k.store.pending() if row["type"] in ("checkin.create", "booking.no_show")]
    assert len(signed) == 2 and all(r["payload"]["staff_id"] == DUTY and r["payload"]["staff_proof"]
                                    for r in signed)

    k.tap_text("工作台")
    k.tap_text("恳谈室")
    k.find_text("婚姻家庭", exact=False)
    k.tap_text("首页")
    assert k.app.staff is not None
    k.advance(121, step=2)  # two minutes without a touch (home has no idle prompt): staff mode ends
    assert k.app.staff is None and k.app.current == "home" and k.store.acting is None
    assert not k.find_all(lambda w: getattr(w, "text", "").startswith("工作人员模式"))

    k.app.go("staff_counseling")  # the route guard: no staff screen without staff mode
    assert k.app.current == "home"
    left = texts_left(k)
    assert not [t for t in left if "婚姻家庭" in t or "赵敏" in t or talk["ticket"] in t]
    k.stop()


def test_service_points_and_an_assisted_booking_reach_the_server_signed(tmp_path):
    """The real server on its real clock, the window's kiosk syncing when the test says."""
    import sqlite3

    from kiosk.pins import hash_pin
    from sync.client import SyncClient
    from sync.server.apply import Limits
    from tests.sync_server import Server

    server = Server(tmp_path, fake_now=None)
    server.office.put_volunteer(server.clerk, "liujiaying", {"id": "v1", "number": "LJY-0001", "name": "王芳",
                                                             "phone": "13812345678", "pin_hash": hash_pin("246810")})
    server.office.set_limits(server.clerk, "liujiaying", Limits(points_per_entry=20, points_per_staff_day=100,
                                                                hours_per_entry=4))
    server.start()
    k = KioskDriver.start(tmp_path / "kiosk")  # no server configured: it syncs when the test says
    try:
        client = SyncClient(k.store, server.url, server.tokens["lobby-1"], timeout=60)
        client.cycle()  # the roster with the PIN hash, the server's key, the volunteer, the limits
        to_pin_pad(k)
        type_pin(k, DUTY_PIN)
        assert k.app.current == "staff_home"

        k.tap_text("记录志愿服务")
        k.screen.fields["query"].text = "1"  # LJY-0001 by its digits, as the keypad types them
        tap_choice(k, "查找", exact=True)
        tap_choice(k, "助老服务", exact=True)
        rate = k.app.center.points_per_hour
        tap_choice(k, f"3 小时 → {3 * rate} 分\n（超出上限）", exact=True)
        assert "超过每条 20 分的上限" in k.screen.message  # the office's limit, said before anything is stored
        assert k.store.db["ledger"].count == 0
        tap_choice(k, f"2 小时 → {2 * rate} 分", exact=True)
        tap_choice(k, "确认记录", exact=True)
        k.find_text(f"积分余额 {2 * rate} 分", exact=False)

        k.tap_text("工作台")  # 代办: the volunteer's passbook without their PIN
        tap_choice(k, "志愿积分", exact=True)
        k.screen.fields["query"].text = "13800000000"
        tap_choice(k, "打开存折", exact=True)
        assert k.screen.fields["query"].error == "没有找到这位志愿者，请核对手机号或编号"
        k.screen.fields["query"].text = "13812345678"
        tap_choice(k, "打开存折", exact=True)
        k.find_text(f"积分余额 {2 * rate} 分　累计服务 2 小时", exact=False)

        k.tap_text("工作台")  # 代办: a seat for the resident beside the desk
        tap_choice(k, "预约座位", exact=True)
        study = k.screen
        # the last day of the window, every session still ahead: its first session
        tap_choice(k, "更多日期 ›", exact=True)
        b = k.app.bookings
        last_day = day_label(b.open_days()[-1], b.now().date())
        k.tap(next(w for w in k.find_all(lambda w: isinstance(w, Choice), within=study.ids.body)
                   if w.group == last_day))
        tap_choice(k, "5 号", exact=True)
        f = study.fields
        f["name"].text, f["phone"].text = "张伟", "13900001111"  # typed on the keyboards elsewhere
        tap_choice(k, "确认预约", exact=True)
        k.find_text("工作人员代办 · 王丽", exact=False)
        booking = k.store.db.execute("SELECT id FROM bookings").fetchone()[0]

        client.cycle()
        assert k.store.pending_count() == 0 and not k.store.db.execute(
            "SELECT 1 FROM outbox WHERE state = 'rejected'").fetchone()
        with sqlite3.connect(server.db) as db:
            assert db.execute("SELECT staff_id, points FROM ledger WHERE volunteer_id = 'v1'").fetchall() == \
                [(DUTY, 2 * rate)]
            assert db.execute("SELECT staff_id FROM audit WHERE action = 'booking.create' AND target = ?",
                              [booking]).fetchall() == [(DUTY,)]

        k.tap_text("工作台")
        tap_choice(k, "同步", exact=True)
        k.find_text(f"本机编号：{k.app.settings.kiosk_id}", exact=False)
        tap_choice(k, "立即同步", exact=True)
        assert k.screen.message == "本机没有配置服务器，无法同步"
        k.app._show_sync({"state": "unauthorized", "pending": 0, "last_sync": None})  # as the worker reports a 401
        k.frames(2)
        k.find_text("状态：终端未授权，请联系管理员", exact=False)  # the page follows the status bar
        assert k.find_id("sync").text == "终端未授权，请联系管理员"

        k.tap_text("退出")
        assert k.app.staff is None and k.app.current == "home"
        k.tap_text("志愿积分")  # the volunteer's own passbook, after the sync: the entry once
        f = k.screen.fields
        f["phone"].text, f["pin"].text = "13812345678", "246810"
        passbook = k.screen
        tap_choice(k, "登录", exact=True)
        k.frames_until(lambda: passbook.checking is None)  # the PIN is checked off the UI thread
        k.find_text(f"积分余额 {2 * rate} 分", exact=False)
        k.find_text("助老服务", exact=False)
    finally:
        k.stop()
        server.stop()


def reads(server) -> list[str]:
    """The desk reads the server answered, as its audit has them."""
    import sqlite3
    with sqlite3.connect(server.db) as db:
        return [r[0] for r in db.execute("SELECT target FROM audit WHERE action = 'duty.today' ORDER BY rowid")]


def test_todays_list_holds_the_other_kiosks_bookings_and_staff_check_one_in(tmp_path):
    """A resident who booked at the other kiosk stands at this one's desk: 今日预约
    asks the server (the staff member's PIN, in the background) and lists them too."""
    import dataclasses
    import sqlite3

    from kiosk.store import Store
    from sync.client import SyncClient
    from tests.sync_server import CENTER, DAY, NOW, Server

    server = Server(tmp_path)  # the server's clock: the same morning
    server.start()
    there = Store(tmp_path / "lobby-2.db")
    at_there = Bookings(there, CENTER, now=NOW)
    seat = at_there.book_study(DAY, "morning", 7, "李娜", "13900001111")
    at_there.request_counseling("婚姻家庭", None, "赵敏", "13700002222", "想聊聊家里的事", True)
    SyncClient(there, server.url, server.tokens["lobby-2"], timeout=60).cycle()
    k = start(tmp_path / "kiosk")
    try:
        client = SyncClient(k.store, server.url, server.tokens["lobby-1"], timeout=60)
        client.cycle()  # the roster, the server's key, the places the other kiosk holds
        k.app.settings = dataclasses.replace(k.app.settings, server_url=server.url,
                                             server_token=server.tokens["lobby-1"])
        to_pin_pad(k)
        type_pin(k, DUTY_PIN, keys=False)
        asked = threading.Event()  # the server's answer waits until the page was seen asking
        in_background = k.app.in_background
        k.app.in_background = lambda work, done: in_background(lambda: asked.wait(60) and work(), done)
        k.tap_text("今日预约")
        k.find_text("正在向服务器查询其他终端的预约…", exact=False)
        asked.set()
        k.frames_until(lambda: "含本中心所有终端的预约" in "".join(k.texts()))
        assert reads(server) == ["bookings"]  # one visit, one read (a PIN check and an audit row)
        k.find_text(f"预约号 {seat['ticket']}　李娜　139****1111　7号座　待签到", exact=False)
        tap_choice(k, "签到", exact=True)
        assert "已签到" in k.screen.message
        k.find_text("7号座　已签到", exact=False)
        client.cycle()
        with sqlite3.connect(server.db) as db:
            assert db.execute("SELECT status FROM bookings WHERE id = ?", [seat["id"]]).fetchone()[0] == \
                "checked_in"

        k.tap_text("工作台")
        k.tap_text("恳谈室")
        k.frames_until(lambda: "含本中心所有终端的预约" in "".join(k.texts()))
        k.find_text("类别：婚姻家庭", exact=False)
        assert reads(server) == ["bookings", "counseling"]

        with sqlite3.connect(server.db) as db:  # the office deactivated the account meanwhile
            db.execute("UPDATE staff SET active = 0 WHERE id = 'duty-1'")
        tap_choice(k, "刷新", exact=True)
        k.frames_until(lambda: "服务器没有确认您的值班身份" in "".join(k.texts()))
        assert "婚姻家庭" not in "".join(k.texts())  # only this kiosk's own now: none
        tap_choice(k, "刷新", exact=True)  # not asked again in this staff mode
        k.find_text("服务器没有确认您的值班身份", exact=False)
        k.frames(5)
        assert reads(server) == ["bookings", "counseling"]
        k.tap_text("退出")
        left = texts_left(k)
        assert not [t for t in left if "李娜" in t or "婚姻家庭" in t or seat["ticket"] in t]
        assert all(getattr(s, "others", None) is None for s in k.app.screens.built_screens())
    finally:
        k.stop()
        there.close()
        server.stop()


def test_the_idle_reset_on_an_assisted_form_ends_staff_mode_and_clears_it(tmp_path):
    """Staff stepped away mid-代办: the form's idle prompt runs out (before the
    2-minute staff exit), the form is cleared, and the kiosk is the residents' again."""
    k = start(tmp_path)
    roster_from_the_feed(k.store)
    to_pin_pad(k)
    type_pin(k, DUTY_PIN, keys=False)
    tap_choice(k, "绘本馆报名", exact=True)
    assert k.app.current == "books" and k.app.staff is not None
    k.screen.pick(k.app.bookings.book_sessions()[0])
    k.screen.pick_age(5)
    k.screen.fields["name"].text = "陈静"  # typed on the keyboard elsewhere
    k.advance(61, step=2)
    k.find_text("还需要更多时间吗？", exact=False)  # the prompt, as for any resident
    assert k.app.staff is not None
    k.advance(31, step=2)
    assert k.app.staff is None and k.app.current == "home" and k.store.acting is None
    assert not k.find_all(lambda w: getattr(w, "text", "").startswith("工作人员模式"))
    left = texts_left(k)
    assert not [t for t in left if "陈静" in t]
    k.stop()
