"""恳谈室预约: topic, a published slot or 请尽快联系我, contact, consent, receipt.

What a visitor asks about is sensitive: the topic is stored and sent to the
center, but never shown again on this (public) screen, the receipt included.
"""
from kiosk.bookings import Slot, day_label
from kiosk.receipt import receipt_for
from kiosk.ui.steps import StepScreen

CONSENT = "以上信息只用于安排这次恳谈，内容保密，不会显示在屏幕上"


class CounselingScreen(StepScreen):
    pausable = True

    def first_step(self) -> None:
        self.topic = None
        self.consent = False
        topics = self.bookings.center.counseling_topics
        self.show("第 1 步：您想谈哪方面的事？",
                  self.choices([self.choice(t, lambda t=t: self.pick_topic(t)) for t in topics], cols=3),
                  self.text("选择的内容只有工作人员能看到。", role="small"))

    def pick_topic(self, topic: str) -> None:
        self.topic = topic
        today = self.bookings.now().date()
        options = [self.choice(f"{day_label(s.day, today)}　{s.label}", lambda s=s: self.pick_slot(s))
                   for s in self.bookings.counseling_slots()]
        options.append(self.choice("请尽快联系我（由工作人员安排时间）", lambda: self.pick_slot(None)))
        self.show("第 2 步：选择时间", self.choices(options),
                  back=self.first_step)

    def pick_slot(self, slot: Slot | None) -> None:
        self.slot = slot
        self.fields = {}
        self.show("第 3 步：留下联系方式",
                  self.field("name", "name", "姓名", "请输入姓名"),
                  self.field("phone", "phone", "手机号", "11 位手机号", max_length=11),
                  self.field("note", "text", "想说的话（可不填，最多 100 字）", "", max_length=100),
                  self.consent_choice(CONSENT),
                  self.choice("提交预约", self.confirm, kind="primary"),
                  back=lambda: self.pick_topic(self.topic))

    def confirm(self) -> None:
        f = self.fields
        booking = self.bookings.request_counseling(self.topic, self.slot, f["name"].text,
                                                   f["phone"].text, f["note"].text, self.consent)
        self.show_receipt(receipt_for(booking, self.bookings))
