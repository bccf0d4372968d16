"""心愿墙: approved wishes as large cards with a status word, filters, paging,
the center's running totals, and a lookup by wish code + last four digits."""
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import ObjectProperty

from kiosk.ui.steps import StepScreen
from kiosk.ui.theme import theme
from kiosk.ui.widgets import Surface
from kiosk.wishes import CATEGORIES

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

STATUS_FILTERS = (("全部", None), ("待认领", "approved"), ("已认领", "claimed"), ("已实现", "fulfilled"))


class WishCard(Surface):
    card = ObjectProperty(None, allownone=True)


class WishWallScreen(StepScreen):
    show_ticket_link = False
    asks_before_leaving = False  # a sign-in or a lookup

    @property
    def wishes(self):
        return App.get_running_app().wishes

    def first_step(self) -> None:
        self.category, self.status, self.page = None, None, 0
        self.show_wall()

    def show_wall(self) -> None:
        collected, claimed = self.wishes.totals()
        cards, pages = self.wishes.wall(self.category, self.status, self.page)
        self.page = min(self.page, pages - 1)

        def wall():
            cats = [self.choice(("● " if c == self.category else "") + (c or "全部类别"),
                                lambda c=c: self.filter(category=c)) for c in (None, *CATEGORIES)]
            stats = [self.choice(("● " if s == self.status else "") + word, lambda s=s: self.filter(status=s))
                     for word, s in STATUS_FILTERS]
            yield self.choices(cats, cols=4 if theme.elder else 7)
            yield self.choices(stats, cols=4)
            yield self.choices([WishCard(card=c) for c in cards] or [self.text("这里还没有心愿。")], cols=3)
            yield self.choices([
                self.choice("‹ 上一页", lambda: self.turn(-1), kind="secondary", disabled=self.page == 0),
                self.text(f"第 {self.page + 1} / {pages} 页", halign="center"),
                self.choice("下一页 ›", lambda: self.turn(1), kind="secondary",
                            disabled=self.page >= pages - 1)], cols=3)
            yield self.choice("查询我的心愿进度", self.lookup_step, kind="secondary")
        self.show(f"已收集微心愿 {collected} 条，已认领 {claimed} 条",
                  *self.kept("wall", (self.category, self.status, self.page, pages, cards), wall))

    def filter(self, category=..., status=...) -> None:
        if category is not ...:
            self.category = category
        if status is not ...:
            self.status = status
        self.page = 0
        self.show_wall()

    def turn(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.show_wall()

    def lookup_step(self) -> None:
        self.fields = {}
        self.show("查询我的心愿进度",
                  self.field("code", "code", "心愿编号（回执上 W 后面的 6 位数字）", "6 位数字",
                             max_length=6),
                  self.field("last4", "code", "手机号后四位", "4 位数字", max_length=4),
                  self.choice("查询", self.lookup, kind="primary"), back=self.show_wall)

    def lookup(self) -> None:
        found = self.wishes.lookup(self.fields["code"].text, self.fields["last4"].text)
        App.get_running_app().keyboard.close()
        lines = [f"心愿编号：{found['code']}", f"状态：{found['status']}", f"心愿：{found['text']}"]
        if found["reason"]:
            lines.append(f"原因：{found['reason']}")
        if found["note"]:
            lines.append(f"说明：{found['note']}")
        self.show("查询结果", self.text("\n".join(lines)), back=self.show_wall)
