"""微心愿: write a wish card (category, the wish, whether it goes on the wall,
name, phone), receipt. The wall is the resident's choice: a private wish is
a wish all the same, for the office only."""
from kivy.app import App

from kiosk.receipt import wish_receipt
from kiosk.ui.steps import StepScreen
from kiosk.wishes import CATEGORIES, WISH_MAX, Wishes

# not ticked, the wish is private: for the office only, never on the wall
ON_THE_WALL = "同意在心愿墙上展示（只显示姓氏，如“张**”）。不勾选也能提交，只给工作人员看。"


class WishScreen(StepScreen):
    show_ticket_link = False
    visit_state = ("category",)

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
                             "例如：希望有人帮忙修楼道的灯", max_length=WISH_MAX, lines=2),
                  self.consent_choice(ON_THE_WALL, agree=""),
                  self.side_by_side(self.field("name", "name", "姓名", "请输入姓名"),
                                    self.field("phone", "phone", "手机号（方便工作人员联系您）", "11 位手机号",
                                               max_length=11)),
                  self.choice("提交心愿", self.confirm, kind="primary"),
                  back=self.first_step)

    def confirm(self) -> None:
        f = self.fields
        wish = self.wishes.submit(f["name"].text, f["phone"].text, self.category, f["text"].text, self.consent)
        self.show_receipt(wish_receipt(wish))
