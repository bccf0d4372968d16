"""绘本馆报名: sessions (date, time, theme, places, ages), child and guardian, receipt."""
from kiosk.bookings import Slot, day_label
from kiosk.receipt import receipt_for
from kiosk.ui.steps import StepScreen
from screens.study import PRIVACY


class BooksScreen(StepScreen):
    pausable = True

    def first_step(self) -> None:
        today = self.bookings.now().date()
        options = []
        for s in self.bookings.book_sessions():
            places = f"余 {s.left} 个名额" if s.left else f"已满，可排队候补（{s.details['waiting']} 人在等）"
            options.append(self.choice(f"{day_label(s.day, today)}　{s.label}\n"
                                       f"{s.details['ages']}　{places}", lambda s=s: self.pick(s)))
        if not options:
            options = [self.text("最近没有可报名的绘本活动。")]
        self.show("选择一场绘本活动", self.choices(options))

    def pick(self, slot: Slot) -> None:
        self.slot = slot
        self.fields = {}
        full = not slot.left
        self.show("填写孩子和家长的信息",
                  self.text(f"{day_label(slot.day, self.bookings.now().date())}　{slot.label}"
                            + ("　（已满，将排队候补）" if full else ""), role="heading"),
                  self.field("child_name", "text", "孩子的姓名或小名", "孩子的名字"),
                  self.field("child_age", "code", "孩子的年龄（2–10 岁）", "例如 5", max_length=2),
                  self.field("name", "name", "家长姓名", "请输入姓名"),
                  self.field("phone", "phone", "家长手机号", "11 位手机号", max_length=11),
                  self.text(PRIVACY, role="small"),
                  self.choice("排队候补" if full else "确认报名", self.confirm, kind="primary"),
                  back=self.first_step)

    def confirm(self) -> None:
        f = self.fields
        booking = self.bookings.book_picture(self.slot.day, self.slot.session, f["child_name"].text,
                                             f["child_age"].text, f["name"].text, f["phone"].text)
        self.show_receipt(receipt_for(booking, self.bookings))
