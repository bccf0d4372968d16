"""自习室预约: a session of an open day (times, free seats), seat map, name and phone, receipt."""
from kiosk.bookings import Slot, day_label
from kiosk.receipt import receipt_for
from kiosk.ui.steps import StepScreen

SEAT_COLUMNS = 6
FIRST_DAYS = 3  # days shown at once: nearly every booking is for one of them
PRIVACY = "您的姓名和手机号只用于这次预约和签到，不会显示在公共屏幕上。"


class StudyScreen(StepScreen):
    pausable = True
    visit_state = ("slot", "seat", "every_day")
    every_day = False  # the whole booking window asked for (更多日期), kept for 上一步

    def first_step(self, every_day: bool = False) -> None:
        """The next open days with their sessions under them: a session (and its
        day) in one tap; the later days of the window behind 更多日期."""
        self.every_day = every_day
        today = self.bookings.now().date()
        days = self.bookings.open_days()
        shown = [(day, self.bookings.study_sessions(day)) for day in (days if every_day else days[:FIRST_DAYS])]
        more = not every_day and len(days) > FIRST_DAYS

        def rows():
            for day, sessions in shown:
                words = day_label(day, today)
                yield self.text(words, role="heading")
                yield self.choices(
                    [self.choice(f"{s.label}\n余 {s.left} 座" if s.left else f"{s.label}\n已约满",
                                 lambda s=s: self.pick_session(s), disabled=not s.left, group=words)
                     for s in sessions], cols=len(self.bookings.center.study_sessions)) \
                    if sessions else self.text("这一天的场次都已结束。")
            if more:
                yield self.choice("更多日期 ›", lambda: self.first_step(every_day=True), kind="secondary")
        self.show("第 1 步：选择日期和场次", *self.kept("sessions", (today, shown, more), rows))

    def chosen(self, slot: Slot) -> str:
        return f"{day_label(slot.day, self.bookings.now().date())}　{slot.label}"

    def pick_session(self, slot: Slot) -> None:
        self.slot = slot
        seats = self.bookings.seat_map(slot.day, slot.session)

        def seat_map():
            yield self.choices([self.choice(f"{n} 号　已约" if taken else f"{n} 号",
                                            lambda n=n: self.pick_seat(n), disabled=taken)
                                for n, taken in seats.items()], cols=SEAT_COLUMNS)
        self.show("第 2 步：选择座位", *self.kept("seats", (slot, seats), seat_map),
                  back=lambda: self.first_step(self.every_day), summary=self.chosen(slot))

    def pick_seat(self, seat: int) -> None:
        self.seat = seat
        self.fields = {}
        self.show("第 3 步：填写信息并确认",
                  self.text(f"{self.chosen(self.slot)}　{seat} 号座位", role="heading"),
                  self.field("name", "name", "姓名", "请输入姓名"),
                  self.field("phone", "phone", "手机号", "11 位手机号", max_length=11),
                  self.text(PRIVACY, role="small"),
                  self.choice("确认预约", self.confirm, kind="primary"),
                  back=lambda: self.pick_session(self.slot))

    def confirm(self) -> None:
        booking = self.bookings.book_study(self.slot.day, self.slot.session, self.seat,
                                           self.fields["name"].text, self.fields["phone"].text)
        self.show_receipt(receipt_for(booking, self.bookings))
