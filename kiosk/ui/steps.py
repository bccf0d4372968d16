"""A screen that walks a visitor through a few steps (pick a day, a session,
a seat, fill in, receipt). Subclasses say what each step shows; this base
draws the frame, shows errors, and goes back to the first step on reset.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from kiosk.errors import ServiceError
from kiosk.receipt import Receipt
from kiosk.ui.qr import QRCode  # noqa: F401  (used in steps.kv)
from kiosk.ui.screens import KioskScreen
from kiosk.ui.textentry import TextEntry
from kiosk.ui.widgets import KButton, Para, Surface, Text
from kiosk.validation import FieldError, FormError

# What a step's action may meet and show as a refusal: every service's errors
# (ServiceError, the store's StorageFault included) and the form's own.
REFUSALS = (ServiceError, FormError, FieldError)


class ChoiceGrid(GridLayout):
    pass


class Choice(KButton):
    """A full-width option button whose height follows its (wrapped) text."""


class ReceiptCard(Surface):
    receipt = ObjectProperty(None, allownone=True)


class StepScreen(KioskScreen):
    step_title = StringProperty()
    message = StringProperty()  # a refusal from the booking engine, in Chinese
    show_ticket_link = BooleanProperty(True)
    fields: dict[str, TextEntry]
    pausable = False  # a booking screen: closed while the office has paused bookings
    _showing_pause = False

    @property
    def bookings(self):
        return App.get_running_app().bookings

    def on_kv_post(self, _base) -> None:
        self.reset()

    def on_leave(self, *_args) -> None:
        # Whatever was typed here is personal: it does not wait on a screen
        # nobody is looking at. Coming back starts again from the first step.
        self.reset()

    def reset(self) -> None:
        self.fields = {}
        self.first_step()

    def on_pre_enter(self, *_args) -> None:
        # The office can pause bookings at any moment (a closure at short notice, pulled
        # by sync): say so before the visitor starts, not after the last step.
        if self.pausable and (message := self.bookings.paused()):
            self.show("暂停预约", self.text(message),
                      self.choice("返回首页", App.get_running_app().go_home, kind="primary"))
            self._showing_pause = True
        elif self._showing_pause:
            self._showing_pause = False
            self.reset()

    def first_step(self) -> None:
        raise NotImplementedError

    # -- building a step -------------------------------------------------------
    def show(self, title: str, *widgets, actions=()) -> None:
        """A step: its widgets in the page, which scrolls, and its ``actions`` (the
        buttons that end or leave the step) side by side under it, always on screen."""
        self.step_title = title
        self.message = ""
        for box, children in ((self.ids.body, widgets), (self.ids.actions, actions)):
            box.clear_widgets()
            for widget in children:
                box.add_widget(widget)
        self.ids.scroll.scroll_y = 1

    def choice(self, text: str, action, kind: str = "quiet", **kwargs) -> Choice:
        button = Choice(text=text, kind=kind, **kwargs)
        button.bind(on_release=lambda _b: self.run(action))
        return button

    def run(self, action) -> None:
        """Every button of a step runs here, so no screen needs a try of its own
        for a refusal: it is shown at the step and whatever the visitor typed
        stays, to try again. Anything else is a fault: the crash handler's
        (kiosk/ui/crash.py)."""
        try:
            action()
        except REFUSALS as exc:
            self.show_errors(exc)

    def choices(self, items, cols: int = 1) -> GridLayout:
        grid = ChoiceGrid(cols=cols)
        for item in items:
            grid.add_widget(item)
        return grid

    def field(self, name: str, kind: str, label: str, hint: str = "", max_length: int = 20) -> TextEntry:
        entry = TextEntry(kind=kind, label=label, hint=hint, max_length=max_length)
        self.fields[name] = entry
        return entry

    def text(self, text: str, role: str = "body", **kwargs) -> Para:
        return Para(text=text, role=role, **kwargs)

    def heading(self, text: str) -> Text:
        return Text(text=text, role="heading", size_hint=(None, None))

    def consent_choice(self, words: str) -> Choice:
        """A tick box in words: 点此同意 / 已同意 (the box only repeats it)."""
        self.consent = False
        box = self.choice("", lambda: self._toggle(box, words))
        self._paint(box, words)
        return box

    def _toggle(self, box: Choice, words: str) -> None:
        self.consent = not self.consent
        self._paint(box, words)

    def _paint(self, box: Choice, words: str) -> None:
        box.text = ("■ 已同意：" if self.consent else "□ 点此同意：") + words

    def show_errors(self, exc: Exception) -> None:
        """Messages at their fields (FormError, FieldError), or at the top of the step."""
        if isinstance(exc, FieldError):
            exc = FormError({exc.field: exc.message})
        if isinstance(exc, FormError):
            for name, message in exc.errors.items():
                if name in self.fields:
                    self.fields[name].error = message
                else:
                    self.message = message
        else:
            self.message = getattr(exc, "message", str(exc))

    def show_receipt(self, receipt: Receipt) -> None:
        app = App.get_running_app()
        app.keyboard.close()
        app.refresh_pending()
        if app.staff is not None:  # made for the resident by the staff member (代办)
            receipt = replace(receipt, lines=(*receipt.lines, app.staff.assisted))
        done = self.choice("完成，返回首页", App.get_running_app().go_home, kind="primary")
        self.show(receipt.title, ReceiptCard(receipt=receipt), done)

    def open_ticket(self) -> None:
        App.get_running_app().go("ticket")


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
