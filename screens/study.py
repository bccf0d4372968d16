"""自习室预约: day, session (times, free seats), seat map, name and phone, receipt."""
from datetime import date

from kiosk.bookings import Slot, day_label
from kiosk.receipt import receipt_for
from kiosk.ui.steps import StepScreen

SEAT_COLUMNS = 6
PRIVACY = "您的姓名和手机号只用于这次预约和签到，不会显示在公共屏幕上。"


class StudyScreen(StepScreen):
    pausable = True

    def first_step(self) -> None:
        today = self.bookings.now().date()
        self.show("第 1 步：选择日期",
                  self.choices([self.choice(day_label(d, today), lambda d=d: self.pick_day(d))
                                for d in self.bookings.open_days()], cols=2))

    def pick_day(self, day: date) -> None:
        self.day = day
        sessions = self.bookings.study_sessions(day)
        options = [self.choice(f"{s.label}　余 {s.left} 座" if s.left else f"{s.label}　已约满",
                               lambda s=s: self.pick_session(s), disabled=not s.left)
                   for s in sessions]
        if not options:
            options = [self.text("这一天的场次都已结束，请选择其他日期。")]
        self.show("第 2 步：选择场次", self.choices(options),
                  back=self.first_step)

    def pick_session(self, slot: Slot) -> None:
        self.slot = slot
        seats = self.bookings.seat_map(slot.day, slot.session)
        buttons = [self.choice(f"{n} 号　已约" if taken else f"{n} 号",
                               lambda n=n: self.pick_seat(n), disabled=taken)
                   for n, taken in seats.items()]
        self.show(f"第 3 步：选择座位（{slot.details['name']}）", self.choices(buttons, cols=SEAT_COLUMNS),
                  back=lambda: self.pick_day(self.day))

    def pick_seat(self, seat: int) -> None:
        self.seat = seat
        self.fields = {}
        self.show("第 4 步：填写信息并确认",
                  self.text(f"{day_label(self.slot.day, self.bookings.now().date())}　{self.slot.label}　"
                            f"{seat} 号座位", role="heading"),
                  self.field("name", "name", "姓名", "请输入姓名"),
                  self.field("phone", "phone", "手机号", "11 位手机号", max_length=11),
                  self.text(PRIVACY, role="small"),
                  self.choice("确认预约", self.confirm, kind="primary"),
                  back=lambda: self.pick_session(self.slot))

    def confirm(self) -> None:
        booking = self.bookings.book_study(self.slot.day, self.slot.session, self.seat,
                                           self.fields["name"].text, self.fields["phone"].text)
        self.show_receipt(receipt_for(booking, self.bookings))
