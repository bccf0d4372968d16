"""签到 / 取消预约 by ticket code (typed, or typed by a QR scanner)."""
from kivy.app import App

from kiosk.bookings import BookingError
from kiosk.ui.steps import StepScreen


class TicketScreen(StepScreen):
    show_ticket_link = False
    visit_state = ("result",)
    asks_before_leaving = False  # a sign-in or a lookup

    def first_step(self) -> None:
        self.fields = {}
        self.show("输入预约号",
                  self.field("ticket", "code", "预约号（回执上的 6 位数字，或扫描回执上的二维码）",
                             "6 位数字", max_length=6),
                  self.choice("签到", self.check_in, kind="primary"),
                  self.field("last4", "code", "取消预约时，还需要手机号后四位", "4 位数字", max_length=4),
                  self.choice("取消预约", self.cancel, kind="secondary"))

    def _done(self, words: str) -> None:
        App.get_running_app().refresh_pending()
        self.show(words, self.text(self.result), self.choice("完成", self.first_step, kind="primary"))

    def check_in(self) -> None:
        try:
            booking = self.bookings.check_in(self.fields["ticket"].text)
        except BookingError as exc:
            self.fields["ticket"].error = exc.message
            return
        self.result = f"预约号 {booking['ticket']} 已签到，欢迎！"
        self._done("签到成功")

    def cancel(self) -> None:
        booking = self.bookings.cancel(self.fields["ticket"].text, self.fields["last4"].text)
        self.result = f"预约号 {booking['ticket']} 已取消。"
        self._done("已取消预约")
