"""微心愿: write a wish card (category, name, phone, the wish, consent), receipt."""
from kivy.app import App

from kiosk.receipt import wish_receipt
from kiosk.ui.steps import StepScreen
from kiosk.wishes import CATEGORIES, WISH_MAX, Wishes

CONSENT = "心愿可以展示在心愿墙上（只显示姓氏，如“张**”）"


class WishScreen(StepScreen):
    show_ticket_link = False

    @property
    def wishes(self) -> Wishes:
        return App.get_running_app().wishes

    def first_step(self) -> None:
        self.show("第 1 步：选择心愿的类别",
                  self.choices([self.choice(c, lambda c=c: self.pick(c)) for c in CATEGORIES], cols=3))

    def pick(self, category: str) -> None:
        self.category = category
        self.fields = {}
        self.show(f"第 2 步：写下您的心愿（{category}）",
                  self.field("text", "text", f"您的心愿（最多 {WISH_MAX} 字）",
                             "例如：希望有人帮忙修楼道的灯", max_length=WISH_MAX),
                  self.field("name", "name", "姓名", "请输入姓名"),
                  self.field("phone", "phone", "手机号（方便工作人员联系您）", "11 位手机号", max_length=11),
                  self.consent_choice(CONSENT),
                  self.choice("提交心愿", self.confirm, kind="primary"),
                  self.choice("‹ 上一步", self.first_step, kind="secondary"))

    def confirm(self) -> None:
        f = self.fields
        wish = self.wishes.submit(f["name"].text, f["phone"].text, self.category, f["text"].text, self.consent)
        self.show_receipt(wish_receipt(wish))
