"""恳谈室预约: topic, a published slot or 请尽快联系我, contact, consent, receipt.

What a visitor asks about is sensitive: the topic is stored and sent to the
center, but never shown again on this (public) screen once the request is
made, the receipt included. While the visitor fills in the form it repeats
what they chose, so they can check it.
"""
from kiosk.bookings import Slot, day_label
from kiosk.receipt import receipt_for
from kiosk.ui.steps import StepScreen

CONSENT = "以上信息只用于安排这次恳谈，内容保密，不会显示在屏幕上"
ASAP = "请尽快联系我（由值班工作人员安排时间）"


class CounselingScreen(StepScreen):
    summary_said = False  # it names the chosen topic: never read out in the lobby
    pausable = True
    visit_state = ("topic", "slot", "consent")

    def first_step(self) -> None:
        self.topic = None
        self.consent = False
        center = self.bookings.center
        options = []
        for topic in center.counseling_topics:
            words = center.topic_words(topic)
            options.append(self.choice(f"{words.label}\n{words.hint}" if words.hint else words.label,
                                       lambda t=topic: self.pick_topic(t)))
        self.show("第 1 步：您想谈哪方面的事？", self.choices(options, cols=2),
                  self.text("选择的内容只有工作人员能看到。", role="small"))

    def _slot_line(self, slot: Slot | None) -> str:
        if slot is None:
            return ASAP
        return f"{day_label(slot.day, self.bookings.now().date())}　{slot.label}"

    def pick_topic(self, topic: str) -> None:
        self.topic = topic
        options = [self.choice(self._slot_line(s), lambda s=s: self.pick_slot(s))
                   for s in self.bookings.counseling_slots(topic)]
        options.append(self.choice(ASAP, lambda: self.pick_slot(None)))
        self.show("第 2 步：选择时间和接待的人", self.choices(options),
                  back=self.first_step, summary=self.bookings.center.topic_words(topic).label)

    def pick_slot(self, slot: Slot | None) -> None:
        self.slot = slot
        self.fields = {}
        self.show("第 3 步：留下联系方式",
                  self.side_by_side(self.field("name", "name", "姓名", "请输入姓名"),
                                    self.field("phone", "phone", "手机号", "11 位手机号", max_length=11)),
                  self.field("note", "text", "想说的话（可不填，最多 100 字）", "", max_length=100),
                  self.consent_choice(CONSENT),
                  self.choice("提交预约", self.confirm, kind="primary"),
                  back=lambda: self.pick_topic(self.topic),
                  summary=f"{self.bookings.center.topic_words(self.topic).label}　·　{self._slot_line(slot)}")

    def confirm(self) -> None:
        f = self.fields
        booking = self.bookings.request_counseling(self.topic, self.slot, f["name"].text,
                                                   f["phone"].text, f["note"].text, self.consent)
        self.show_receipt(receipt_for(booking, self.bookings))
