"""志愿积分: sign in (phone + PIN, checked off the UI thread by the service's
attempt / check / finish; in staff mode, 代办, the volunteer's phone
or number alone), the passbook (balance, hours, history
newest first), the exchange catalogue and a redemption request, asked for
first, and withdrawn while it waits. 积分兑换 and 退出登录 sit under the page,
never scrolled away. After 30 s without a touch the app's idle prompt counts
down 20 s with 继续 (its policy in the registry), then signs out and goes
home; leaving the screen signs out too."""
from kivy.app import App

from kiosk.passbook import PassbookError
from kiosk.ui.steps import StepScreen


def collect_at(center) -> str:
    """Where and when an exchanged item is handed out, from the center's document."""
    station = next((room for room in center.rooms if room.id == "volunteers"), None)
    return f"请在开放时间（{center.hours}）到{station.name if station else '志愿者服务站'}领取，由值班工作人员发放"


def volunteer_field(screen):
    """How staff find a volunteer (记录志愿服务, 代办): a phone or the number's digits."""
    return screen.field("query", "code", "志愿者的手机号或编号（编号只输数字，如 LJY-0001 输 1）", "手机号或编号",
                        max_length=11)


class PointsScreen(StepScreen):
    show_ticket_link = False
    asks_before_leaving = False  # a sign-in or a lookup
    volunteer = None
    visit_state = ("volunteer", "checking")  # signed out on leaving, as 退出登录 does

    @property
    def passbook(self):
        return App.get_running_app().passbook

    def first_step(self) -> None:
        self.sign_out()
        self.fields = {}
        if App.get_running_app().staff is not None:
            self.find_form()
            return
        self.show("登录爱心储蓄存折",
                  self.field("phone", "phone", "手机号", "11 位手机号", max_length=11),
                  self.field("pin", "pin", "密码（在志愿者服务站设置的 6 位数字）", "6 位数字", max_length=6),
                  self.choice("登录", self.sign_in, kind="primary"),
                  self.text("忘记密码或还没有密码，请到志愿者服务站办理。", role="small"))

    checking = None  # the SignInAttempt whose PIN is being checked off the UI thread

    def sign_in(self) -> None:
        if self.checking is not None:
            return  # a second tap while the PIN is checked
        attempt = self.checking = self.passbook.attempt(self.fields["phone"].text, self.fields["pin"].text)
        self.message = "正在核对密码…"
        App.get_running_app().in_background(lambda: self.passbook.check(attempt),
                                            lambda check, error: self.checked(attempt, check, error))

    def checked(self, attempt, check, error) -> None:
        if attempt is not self.checking:
            return  # the page was left or reset meanwhile
        self.checking = None
        try:
            if error is not None:  # the check itself broke (no memory for the KDF): nothing is counted
                raise PassbookError("check", "暂时无法核对密码，请稍后再试") from error
            self.volunteer = self.passbook.finish(attempt, check)
        except PassbookError as exc:
            self.fields["pin"].clear()
            self.message = exc.message
            return
        App.get_running_app().keyboard.close()
        self.show_book(0)

    def find_form(self) -> None:
        """代办: the on-duty staff member opens the passbook of the volunteer beside
        them (who may not remember a PIN); what they do then is signed as theirs."""
        self.show("代办：查看志愿者的存折", volunteer_field(self),
                  self.choice("打开存折", self.find, kind="primary"))

    def find(self) -> None:
        self.volunteer = self.passbook.open_for_staff(self.fields["query"].text,
                                                      App.get_running_app().store.acting)
        App.get_running_app().keyboard.close()
        self.show_book(0)

    def show_book(self, page: int) -> None:
        s = self.passbook.summary(self.volunteer["id"])
        entries, pages = self.passbook.history(self.volunteer["id"], page)
        rows = [self.text(f"{e.at[:10]}　{e.activity}　{e.hours:g} 小时　"
                          f"{'+' if e.points >= 0 else '-'}{abs(e.points)} 分") for e in entries]
        pager = self.choices([
            self.choice("‹ 较新", lambda: self.show_book(page - 1), kind="secondary", disabled=page == 0),
            self.text(f"第 {page + 1} / {pages} 页", halign="center"),
            self.choice("较早 ›", lambda: self.show_book(page + 1), kind="secondary",
                        disabled=page >= pages - 1)], cols=3)
        held = f"（另有 {s['held']} 分等待兑换）" if s["held"] else ""
        waiting = self.passbook.pending(self.volunteer["id"])
        pending = [self.text("等待领取的兑换（不需要了可以撤回，积分退回存折）", role="heading")] if waiting else []
        pending += [self.choice(f"撤回：“{h['item']}”　{h['points']} 分　{h['created_at'][5:10]} 申请",
                                lambda h=h: self.ask_withdraw(h)) for h in waiting]
        self.show(f"{s['name']}　志愿者编号 {s['number']}",
                  self.text(f"积分余额 {s['balance']} 分{held}　累计服务 {s['hours']:g} 小时", role="title"),
                  *pending, *rows, pager,
                  actions=[self.choice("积分兑换", self.show_catalogue, kind="primary"),
                           self.choice("退出登录", self.first_step, kind="secondary")])

    def show_catalogue(self) -> None:
        balance = self.passbook.summary(self.volunteer["id"])["balance"]
        items = [self.choice(f"{i['item']}　{i['points']} 分　库存 {i['stock']}", lambda i=i: self.ask_redeem(i),
                             disabled=i["stock"] <= 0 or i["points"] > balance)
                 for i in self.passbook.catalogue()]
        self.show(f"积分兑换（余额 {balance} 分）", self.choices(items, cols=2),
                  self.text("点物品后会先请您确认。兑换申请会先冻结积分，到志愿者服务站领取物品后才扣除。", role="small"),
                  actions=[self.choice("‹ 返回存折", lambda: self.show_book(0), kind="secondary")])

    def ask_redeem(self, item: dict) -> None:
        """Nothing is sent before the volunteer has seen what it costs and what comes next."""
        balance = self.passbook.summary(self.volunteer["id"])["balance"]
        self.show("确认兑换",
                  self.text(f"兑换“{item['item']}”，需要 {item['points']} 分。", role="title"),
                  self.text(f"现在可用 {balance} 分，申请后剩 {balance - item['points']} 分。"),
                  self.text(f"提交后这 {item['points']} 分先冻结。{collect_at(App.get_running_app().center)}，"
                            "发放时才扣除积分。领取前不需要了，可以在存折页撤回。"),
                  actions=[self.choice("确认兑换", lambda: self.redeem(item), kind="primary"),
                           self.choice("取消", self.show_catalogue, kind="secondary")])

    def redeem(self, item: dict) -> None:
        self.passbook.request_redemption(self.volunteer["id"], item["id"])
        app = App.get_running_app()
        app.refresh_pending()
        assisted = [self.text(app.staff.assisted, role="small")] if app.staff else []
        self.show("已提交兑换申请", self.text(f"“{item['item']}”已为您预留，{item['points']} 分已冻结。"
                                         f"{collect_at(app.center)}。"), *assisted,
                  actions=[self.choice("‹ 返回存折", lambda: self.show_book(0), kind="primary")])

    def ask_withdraw(self, hold: dict) -> None:
        self.show("撤回兑换申请？",
                  self.text(f"撤回“{hold['item']}”的兑换申请后，冻结的 {hold['points']} 分退回您的存折，"
                            "物品不再为您预留。", role="title"),
                  actions=[self.choice("确认撤回", lambda: self.withdraw(hold), kind="primary"),
                           self.choice("不撤回", lambda: self.show_book(0), kind="secondary")])

    def withdraw(self, hold: dict) -> None:
        self.passbook.withdraw_redemption(self.volunteer["id"], hold["id"])
        app = App.get_running_app()
        app.refresh_pending()
        balance = self.passbook.summary(self.volunteer["id"])["balance"]
        assisted = [self.text(app.staff.assisted, role="small")] if app.staff else []
        self.show("已撤回兑换申请", self.text(f"“{hold['item']}”的兑换申请已撤回，{hold['points']} 分已退回，"
                                         f"积分余额 {balance} 分。"), *assisted,
                  actions=[self.choice("‹ 返回存折", lambda: self.show_book(0), kind="primary")])

    def sign_out(self) -> None:
        self.volunteer = None
        self.checking = None
