"""绘本馆报名: a session (date, time, theme, places, ages), the child's age by
buttons, the child and the guardian, receipt."""
from kivy.properties import StringProperty

from kiosk.bookings import Slot, day_label
from kiosk.receipt import receipt_for
from kiosk.ui.steps import StepScreen

AGE_COLUMNS = 5
PRIVACY = "孩子和家长的信息只用于这次报名和签到，不会显示在公共屏幕上。"


class BooksScreen(StepScreen):
    pausable = True
    visit_state = ("slot", "age")
    ticket_link = StringProperty("签到 / 取消报名")

    def first_step(self) -> None:
        today = self.bookings.now().date()
        sessions = self.bookings.book_sessions()

        def options():
            for s in sessions:
                places = f"余 {s.left} 个名额" if s.left else f"已满，可排队候补（{s.details['waiting']} 人在等）"
                yield self.choice(f"{day_label(s.day, today)}　{s.label}\n{s.details['ages']}　{places}",
                                  lambda s=s: self.pick(s))
            if not sessions:
                yield self.text("最近没有可报名的绘本活动。")
        self.show("第 1 步：选择一场绘本活动",
                  *self.kept("sessions", (today, [(s, s.details) for s in sessions]),  # details: the waitlist
                             lambda: [self.choices(options())]))

    def _session_line(self) -> str:
        slot = self.slot
        return (f"{day_label(slot.day, self.bookings.now().date())}　{slot.label}"
                + ("（已满，将排队候补）" if not slot.left else ""))

    def pick(self, slot: Slot) -> None:
        self.slot = slot
        center = self.bookings.center
        ages = [self.choice(f"{age} 岁", lambda age=age: self.pick_age(age))
                for age in range(center.book_min_age, center.book_max_age + 1)]
        self.show("第 2 步：孩子几岁？", self.choices(ages, cols=AGE_COLUMNS),
                  back=self.first_step, summary=self._session_line())

    def pick_age(self, age: int) -> None:
        self.age = age
        self.fields = {}
        full = not self.slot.left
        self.show("第 3 步：填写孩子和家长的信息",
                  self.field("child_name", "text", "孩子的姓名或小名", "孩子的名字"),
                  self.field("name", "name", "家长姓名", "请输入姓名"),
                  self.field("phone", "phone", "家长手机号", "11 位手机号", max_length=11),
                  self.text(PRIVACY, role="small"),
                  self.choice("排队候补" if full else "确认报名", self.confirm, kind="primary"),
                  back=lambda: self.pick(self.slot), summary=f"{self._session_line()}　孩子 {age} 岁")

    def confirm(self) -> None:
        f = self.fields
        booking = self.bookings.book_picture(self.slot.day, self.slot.session, f["child_name"].text,
                                             self.age, f["name"].text, f["phone"].text)
        self.show_receipt(receipt_for(booking, self.bookings))
