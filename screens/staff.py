"""Staff mode's screens: the PIN pad, the desk, 同步, 今日预约, 恳谈室,
记录志愿服务 and 兑换发放. Thin: each calls a kiosk service with the on-duty
signer (app.staff.signer); the registry marks them staff-only and the app's
route guard keeps residents out, so no screen here checks for itself."""
from __future__ import annotations

import logging
from datetime import datetime

from kivy.app import App

from kiosk.errors import ServiceError
from kiosk.passbook import ACTIVITIES
from kiosk.rejections import rejected
from kiosk.staff_session import StaffError
from kiosk.ui.steps import StepScreen
from kiosk.ui.widgets import Text
from kiosk.validation import FieldError, FormError, mask_phone
from screens.points import volunteer_field

log = logging.getLogger("kiosk.staff")
STATUS_WORDS = {"booked": "待签到", "checked_in": "已签到", "no_show": "未到", "waiting": "候补"}
HOURS = (0.5, 1, 1.5, 2, 3, 4, 6, 8, 10)
REJECTED_SHOWN = 20


def app():
    return App.get_running_app()


class StaffStep(StepScreen):
    show_ticket_link = False

    @property
    def signer(self):
        return app().staff.signer

    def on_pre_enter(self, *_args) -> None:
        self.start_over()  # today's lists as they are now, not as they were when last left

    def reset(self) -> None:
        if self.spec.staff and app().staff is None:
            self._wipe()  # staff mode ended: nothing of it stays, on screen or behind it
            return
        super().reset()

    def cell(self, text: str) -> Text:
        """Text in a row of buttons, centred on their height (a Para sits at the cell's foot)."""
        label = Text(text=text, halign="left", valign="middle")
        label.bind(size=lambda w, size: setattr(w, "text_size", size))
        return label


class StaffSignInScreen(StaffStep):
    """The staff PIN pad: choose yourself, then the 6-digit PIN (big keys, 长辈模式 too)."""
    asks_before_leaving = False  # a sign-in or a lookup
    visit_state = ("member",)

    def first_step(self) -> None:
        self.checking = None  # an answer for an earlier pick is dropped
        roster = app().staff_desk.roster()
        if not roster:
            self.show("工作人员登录", self.text("本机还没有收到值班人员名单，请先让终端与服务器同步。"),
                      self.choice("返回首页", app().go_home, kind="primary"))
            return
        self.show("请选择您的姓名，或输入工号",
                  self.choices([self.choice(m.name, lambda m=m: self.pick(m)) for m in roster], cols=3),
                  self.field("number", "code", "工号（数字）", "工号", max_length=8),
                  self.choice("用工号登录", self.by_number, kind="secondary"))

    def by_number(self) -> None:
        try:
            member = app().staff_desk.by_number(self.fields["number"].text)
        except StaffError as exc:
            self.fields["number"].error = exc.message
            return
        self.pick(member)

    def pick(self, member) -> None:
        self.checking = None
        self.member = member
        self.fields = {}
        self.show(f"{member.name}，请输入工作人员密码",
                  self.field("pin", "pin", "工作人员密码（6 位数字）", "6 位数字", max_length=6),
                  self.choice("进入工作人员模式", self.confirm, kind="primary"),
                  self.choice("‹ 重新选择", self.first_step, kind="secondary"))
        app().keyboard.attach(self.fields["pin"])  # the PIN pad's big keys, without a tap on the field

    checking = None  # the PinAttempt being checked off the UI thread

    def confirm(self) -> None:
        if self.checking is not None:
            return  # a second tap while the PIN is checked
        pin = self.fields["pin"]
        try:
            self.checking = app().staff_desk.attempt(self.member.staff_id, pin.text)
        except StaffError as exc:
            self.refused(exc)
            return
        pin.error = ""
        self.message = "正在核对密码…"
        attempt = self.checking
        app().in_background(attempt.matches, lambda matched, error: self.checked(attempt, bool(matched), error))

    def checked(self, attempt, matched: bool, error: Exception | None = None) -> None:
        if attempt is not self.checking:
            return  # the page was left, reset or another name picked meanwhile
        self.checking = None
        if error is not None:  # a hash the check could not read: a failure, said and logged
            log.error("staff PIN check failed: %s", type(error).__name__)
        self.message = ""
        try:
            session = app().staff_desk.finish(attempt, matched)
        except ServiceError as exc:  # StaffError or StorageFault: an answer from a thread, not a button's run
            self.refused(exc)
            return
        app().keyboard.close()
        app().enter_staff(session)

    def refused(self, exc: ServiceError) -> None:
        pin = self.fields["pin"]
        pin.clear()
        pin.error = exc.message

    def reset(self) -> None:
        self.checking = None
        super().reset()


class StaffHomeScreen(StaffStep):
    def first_step(self) -> None:
        go = app().go
        self.show("值班工作",
                  self.choices([self.choice(words, lambda n=name: go(n), kind="primary") for words, name in (
                      ("今日预约", "staff_bookings"), ("恳谈室", "staff_counseling"),
                      ("记录志愿服务", "staff_service"), ("兑换发放", "staff_handover"), ("同步", "staff_sync"))],
                      cols=3),
                  self.text("代办：为身边的居民办理（回执注明工作人员代办）", role="heading"),
                  self.choices([self.choice(words, lambda n=name: go(n)) for words, name in (
                      ("预约座位", "study"), ("绘本馆报名", "books"), ("恳谈室预约", "counseling"),
                      ("微心愿", "wish"), ("志愿积分", "points"), ("签到 / 取消预约", "ticket"))], cols=3))


class StaffSyncScreen(StaffStep):
    def on_pre_enter(self, *_args) -> None:
        super().on_pre_enter()
        app().bind(pending=self._refresh, last_sync=self._refresh, sync_state=self._refresh)

    def on_leave(self, *_args) -> None:
        app().unbind(pending=self._refresh, last_sync=self._refresh, sync_state=self._refresh)
        super().on_leave()

    def _refresh(self, *_args) -> None:
        if not self.resuming:  # a sync report must not take away the form staff are typing in
            self.first_step()

    resuming = False

    def first_step(self) -> None:
        self.resuming = False
        a = app()
        settings = a.settings
        refused = rejected(a.store)
        rows = [self.text(f"{r['at'][:16].replace('T', ' ')}　{r['what']}　{r['reference']}\n{r['reason']}",
                          role="small") for r in refused[:REJECTED_SHOWN]]
        self.show("同步",
                  self.text(f"状态：{a.sync_text}", role="heading"),
                  self.text(f"待同步：{a.pending} 条　　上次成功同步：{a.last_sync or '尚未同步'}"),
                  self.text(f"服务器：{settings.server_url or '未配置（本机独立运行）'}　　本机编号：{settings.kiosk_id}"),
                  self.choice("立即同步", self.sync_now, kind="primary"),
                  *self.clock_notice(),
                  self.text(f"服务器未接受的记录（共 {len(refused)} 条）", role="heading"),
                  *(rows or [self.text("没有。")]))

    def clock_notice(self) -> list:
        """While a clock jump pauses the automatic no-show release: what happened, and 恢复."""
        notice = app().clock_watch.notice()
        if notice is None:
            return []
        return [self.text("时钟异常", role="heading"), self.text(notice),
                self.choice("时间已核对，恢复自动释放", self.resume_form, kind="secondary")]

    def resume_form(self) -> None:
        self.fields = {}
        self.resuming = True
        self.show("恢复自动释放",
                  self.text(f"本机现在的时间：{app().now_text}。请先与手机或电视上的时间核对。"),
                  self.field("reason", "text", "原因（必填）", "例如：已与手机时间核对一致", max_length=100),
                  self.choice("确认恢复", self.resume, kind="primary"),
                  self.choice("‹ 返回同步", self.first_step, kind="secondary"))

    def resume(self) -> None:
        app().clock_watch.resume(self.signer.staff_id, self.fields["reason"].text)
        app().keyboard.close()
        self.first_step()
        self.message = "已恢复自动释放未签到的预约"

    def sync_now(self) -> None:
        if not app().sync_now():
            self.message = "本机没有配置服务器，无法同步"


class TodayScreen(StaffStep):
    """A list of today's bookings: this kiosk's at once, every kiosk's when the
    server answers. Asked when the list is shown and on 刷新 (each ask is a PIN
    check and an audit entry on the server), never when it is only reset; only
    the latest answer counts, and it is kept on this screen only."""
    which = "bookings"  # or "counseling": what the server sends (topics only for 恳谈室)
    others = None
    source = ""
    _asked = 0  # the number of the latest ask: an earlier answer arriving late is dropped

    def reset(self) -> None:
        self.others, self.source = None, ""
        self._asked += 1
        super().reset()

    def first_step(self) -> None:
        self.fields = {}
        self.render()

    def on_enter(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._asked += 1
        asked = self._asked
        shown = app().ask_duty_today(self.which, lambda answer: self._answered(asked, answer))
        self.others, self.source = shown.bookings, shown.words
        self.render()

    def _answered(self, asked: int, answer) -> None:
        if asked != self._asked or self.manager is None or self.manager.current != self.name:
            return  # a later ask is under way, or staff went elsewhere (asked again on return)
        self.others, self.source = answer.bookings, answer.words
        self.render()


class StaffBookingsScreen(TodayScreen):
    search = ""
    undoing = None
    visit_state = ("search", "undoing")

    def first_step(self) -> None:
        self.search = ""
        super().first_step()

    def render(self, note: str = "") -> None:
        try:
            rows = self.bookings.today(self.search, self.others)
        except FormError as exc:
            self.show_errors(exc)
            return
        widgets, session = [], None
        for b in rows:
            if b["session_label"] != session:
                session = b["session_label"]
                widgets.append(self.text(session, role="heading"))
            who = f"预约号 {b['ticket']}　{b['name']}　{mask_phone(b['phone'])}"
            if b["kind"] == "study":
                who += f"　{b['seat']}号座"  # no space: Kivy wraps at spaces
            elif b["kind"] == "books":
                who += f"　{b['child_name']}（{b['child_age']} 岁）"
            items = [self.cell(f"{who}　{STATUS_WORDS.get(b['status'], b['status'])}")]
            if b["status"] == "booked":
                items += [self.choice("签到", lambda b=b: self.check_in(b), kind="primary"),
                          self.choice("未到", lambda b=b: self.no_show(b), kind="secondary")]
            elif b["status"] == "no_show":
                items += [self.choice("撤销未到", lambda b=b: self.undo_form(b), kind="secondary")]
            widgets.append(self.choices(items, cols=3))
        search_field = self.field("search", "code", "查找：预约号或手机号后四位", "6 位预约号或 4 位数字", max_length=6)
        search_field.text = self.search
        self.show("今日预约",
                  search_field,
                  self.choices([self.choice("查找", self.find, kind="primary"),
                                self.choice("显示全部", self.show_all), self.choice("刷新", self.refresh),
                                self.choice("解除爽约暂停", self.lift_form, kind="secondary")], cols=4),
                  self.text(self.source, role="small"),
                  *(widgets or [self.text("今天没有找到预约。")]))
        self.message = note

    def find(self) -> None:
        self.search = self.fields["search"].text
        self.render()

    def show_all(self) -> None:
        self.search = ""
        self.render()

    def _move(self, move, booking: dict, words: str) -> None:
        move(booking, self.signer)
        app().refresh_pending()
        self.render(f"预约号 {booking['ticket']} {words}")

    def check_in(self, booking: dict) -> None:
        self._move(self.bookings.staff_check_in, booking, "已签到")

    def no_show(self, booking: dict) -> None:
        self._move(self.bookings.mark_no_show, booking, "已标记为未到")

    def reason_field(self, example: str):
        return self.field("reason", "text", "原因（必填，会记入办公室的操作记录）", example, max_length=100)

    def undo_form(self, booking: dict) -> None:
        self.fields = {}
        self.undoing = booking
        self.show("撤销未到",
                  self.text(f"预约号 {booking['ticket']}　{booking['name']}　{mask_phone(booking['phone'])}"
                            f"　{booking['session_label']}"),
                  self.reason_field("例如：本机时钟不准，误判为未到"),
                  self.choice("确认撤销", self.undo, kind="primary"),
                  self.choice("‹ 返回今日预约", self.render, kind="secondary"))

    def undo(self) -> None:
        reason = self.fields["reason"].text
        self._move(lambda booking, signer: self.bookings.undo_no_show(booking, reason, signer),
                   self.undoing, "已撤销未到，恢复为待签到")
        app().keyboard.close()

    def lift_form(self) -> None:
        self.fields = {}
        self.show("解除爽约暂停",
                  self.field("phone", "phone", "居民的手机号", "11 位手机号", max_length=11),
                  self.reason_field("例如：家中有事，已电话说明"),
                  self.choice("确认解除", self.lift, kind="primary"),
                  self.choice("‹ 返回今日预约", self.render, kind="secondary"))

    def lift(self) -> None:
        f = self.fields
        self.bookings.lift_block(f["phone"].text, f["reason"].text, self.signer)
        app().keyboard.close()
        app().refresh_pending()
        self.show("已解除", self.text(f"{mask_phone(f['phone'].text)} 可以重新自助预约了。"),
                  self.choice("‹ 返回今日预约", self.render, kind="primary"))


class StaffCounselingScreen(TodayScreen):
    """Topics and notes are shown here only: never on a resident's screen."""
    which = "counseling"

    def render(self) -> None:
        rows = []
        for b in self.bookings.counseling_today(self.others):
            when = f"{datetime.fromisoformat(b['starts_at']):%H:%M}" if b["starts_at"] else "请尽快联系"
            note = f"\n备注：{b['note']}" if b["note"] else ""
            rows.append(self.text(f"{when}　{b['name']}　{mask_phone(b['phone'])}　预约号 {b['ticket']}\n"
                                  f"类别：{b['topic'] or '已交给办公室，联网后可见'}{note}"))
        self.show("今天的恳谈室预约",
                  self.text(self.source, role="small"),
                  *(rows or [self.text("今天没有恳谈室预约。")]),
                  self.choice("刷新", self.refresh),
                  self.text("咨询内容属于个人隐私，请勿对外展示或拍照。", role="small"))


class StaffServiceScreen(StaffStep):
    volunteer = None
    activity = None
    visit_state = ("volunteer", "activity")

    def first_step(self) -> None:
        self.fields = {}
        self.volunteer = None
        self.show("记录志愿服务：找到志愿者",
                  volunteer_field(self),
                  self.choice("查找", self.find, kind="primary"))

    def find(self) -> None:
        self.volunteer = self.passbook.find_volunteer(self.fields["query"].text)
        app().keyboard.close()
        self.pick_activity()

    @property
    def passbook(self):
        return app().passbook

    def who(self) -> str:
        v = self.volunteer
        return f"{v['name']}（{v['number']}）"

    def pick_activity(self) -> None:
        self.show(f"{self.who()}：服务项目",
                  self.choices([self.choice(a, lambda a=a: self.pick_hours(a)) for a in ACTIVITIES], cols=3),
                  self.choice("‹ 换一位志愿者", self.first_step, kind="secondary"))

    def pick_hours(self, activity: str) -> None:
        self.activity = activity
        rate = app().center.points_per_hour
        limits = self.passbook.limits()
        self.show(f"{self.who()}：{activity}，服务时长",
                  self.text(f"每小时 {rate} 分；每条最多 {limits.hours_per_entry:g} 小时、{limits.points_per_entry} 分"
                            f"（社区办公室设定）"),
                  # a value outside the limits says so, and tapping it says why
                  self.choices([self.choice(f"{h:g} 小时 → {round(h * rate)} 分" + (
                      "" if h <= limits.hours_per_entry and round(h * rate) <= limits.points_per_entry
                      else "\n（超出上限）"), lambda h=h: self.confirm(h)) for h in HOURS], cols=3),
                  self.choice("‹ 重选服务项目", self.pick_activity, kind="secondary"))

    def confirm(self, hours: float) -> None:
        try:
            _hours, points = self.passbook.points_for(str(hours), app().center.points_per_hour)
        except FieldError as exc:
            self.message = exc.message  # why this value is outside the office's limits
            return
        self.show("请确认",
                  self.text(f"{self.who()}　{self.activity}　{hours:g} 小时　+{points} 分", role="heading"),
                  self.choice("确认记录", lambda: self.record(hours), kind="primary"),
                  self.choice("‹ 重选时长", lambda: self.pick_hours(self.activity), kind="secondary"))

    def record(self, hours: float) -> None:
        done = self.passbook.record_service(self.volunteer["id"], self.activity, str(hours),
                                            app().center.points_per_hour, self.signer)
        app().refresh_pending()
        balance = self.passbook.summary(self.volunteer["id"])["balance"]
        self.show("已记录",
                  self.text(f"{self.who()}　{self.activity}　{done['hours']:g} 小时　+{done['points']} 分\n"
                            f"积分余额 {balance} 分", role="heading"),
                  self.text(app().staff.assisted.replace("代办", "记录"), role="small"),
                  self.choice("再记录一条", self.first_step, kind="primary"))


class StaffHandoverScreen(StaffStep):
    def first_step(self) -> None:
        holds = app().passbook.open_holds()
        rows = [self.choice(f"{h['name']}（{h['number']}）　{h['item']}　{h['points']} 分　申请于 {h['created_at'][:10]}",
                            lambda h=h: self.ask(h)) for h in holds]
        self.show("兑换发放：选择要发放的申请", *(rows or [self.text("没有等待发放的兑换申请。")]))

    def ask(self, hold: dict) -> None:
        self.show("确认发放",
                  self.text(f"确认已把“{hold['item']}”交给 {hold['name']}（{hold['number']}）？"
                            f"冻结的 {hold['points']} 分将被扣除。", role="heading"),
                  self.choice("确认已发放", lambda: self.hand_over(hold), kind="primary"),
                  self.choice("‹ 返回", self.first_step, kind="secondary"))

    def hand_over(self, hold: dict) -> None:
        app().passbook.hand_over(hold["id"], self.signer)
        app().refresh_pending()
        self.show("已发放", self.text(f"“{hold['item']}”已发放给 {hold['name']}。"),
                  self.choice("‹ 返回兑换发放", self.first_step, kind="primary"))
