"""A screen that walks a visitor through a few steps (pick a day, a session,
a seat, fill in, receipt). Subclasses say what each step shows and which step
is before it (``show(..., back=)``); this base draws the frame, shows errors at
their fields, goes one step back on 返回 (keeping what was typed for when the
visitor comes forward again), asks 放弃填写？ before a half-filled form is left,
tells the keyboard the form's order (下一项, then the submit button) and goes
back to the first step on reset.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.gridlayout import GridLayout

from kiosk.errors import ServiceError
from kiosk.receipt import Receipt
from kiosk.ui.qr import QRCode  # noqa: F401  (used in steps.kv)
from kiosk.ui.screens import KioskScreen
from kiosk.ui.textentry import TextEntry, show_in_view
from kiosk.ui.theme import theme
from kiosk.ui.widgets import KButton, Para, Surface, Text
from kiosk.validation import FieldError, FormError

# What a step's action may meet and show as a refusal: every service's errors
# (ServiceError, the store's StorageFault included) and the form's own.
REFUSALS = (ServiceError, FormError, FieldError)
MAX_OPTIONS_SAID = 12  # 朗读 lists a step's options up to this many


class ChoiceGrid(GridLayout):
    pass


class Choice(KButton):
    """A full-width option button whose height follows its (wrapped) text."""
    # what the option belongs to when its text alone does not say (a session's day,
    # shown as the heading above it)
    group = StringProperty()


class ReceiptCard(Surface):
    receipt = ObjectProperty(None, allownone=True)


class TickBox(ButtonBehavior, Surface):
    """A tick box drawn, not typed (an empty square, or a filled one with a
    check mark), its words beside it and its error at the box, gone once it
    is ticked."""
    checked = BooleanProperty(False)
    text = StringProperty()  # its words, beside the box
    error = StringProperty()

    def on_release(self) -> None:
        self.checked = not self.checked

    def on_checked(self, *_args) -> None:
        self.error = ""


class StepScreen(KioskScreen):
    step_title = StringProperty()
    # what the visitor chose so far, under the step's title, outside the scrolling
    # form so it is never sliced; put away while the keyboard is open (``typing``),
    # which leaves the form little room (in 长辈模式 hardly a field's height)
    summary = StringProperty()
    ticket_link = StringProperty("签到 / 取消预约")
    message = StringProperty()  # a refusal from the booking engine, in Chinese
    show_ticket_link = BooleanProperty(True)
    # the step before this one (返回 runs it), None at a flow's first step
    back_step = ObjectProperty(None, allownone=True)
    fields: dict[str, TextEntry]
    boxes: dict[str, TickBox]
    pausable = False  # a booking screen: closed while the office has paused bookings
    _showing_pause = False
    _prompt = None  # the LeavePrompt while it asks
    # a screen whose fields only look something up or sign in (a phone and PIN, a
    # ticket): leaving it throws nothing away worth asking about
    asks_before_leaving = True

    # whether 朗读 may read the summary: not where it names something private (a counseling topic)
    summary_said = True
    _receipt: Receipt | None = None  # the receipt shown, for 朗读

    def said(self) -> list[str]:
        words = [self.step_title]
        if self.summary_said:
            words.append(self.summary)
        options = [w.text for w in self.ids.body.walk(restrict=True) if isinstance(w, Choice)]
        if len(options) <= MAX_OPTIONS_SAID:  # a seat map is looked at, not listened to
            words += options
        receipt = self._receipt
        if receipt is not None:
            words += [f"{receipt.code_words} {receipt.ticket}", *receipt.lines, receipt.rule]
        words.append(self.message)
        at = {**self.fields, **self.boxes}
        words += [w.error for w in self._in_order() if w in at.values() and w.error]
        return [w for w in words if w]

    @property
    def bookings(self):
        return App.get_running_app().bookings

    def on_kv_post(self, _base) -> None:
        self.reset()

    _left = False  # left since its first step was built: built again on entering

    def on_leave(self, *_args) -> None:
        # Whatever was typed here is personal: it goes now, with the page, and
        # does not wait on a screen nobody is looking at. Coming back starts again
        # from the first step, built when the visitor comes: with the free places
        # of then, and the tap that left is not made to build it (a wall of
        # wishes took 60 ms of it).
        self._left = True
        self.reset()  # what each screen holds is forgotten; the page stays empty meanwhile

    # what a visit chose here (a session, a seat, a topic, a volunteer): forgotten with the page
    visit_state: tuple[str, ...] = ()

    def _wipe(self) -> None:
        if self._prompt is not None:
            self._prompt.dismiss()
            self._prompt = None
        self.fields = {}
        self.boxes = {}
        self.ahead = {}  # what was typed at a step 返回 left, for when the visitor comes forward again
        self.step_title = self.summary = self.message = ""  # a title can hold a name (the passbook's)
        self._receipt = None
        self.back_step = None
        for box in (self.ids.body, self.ids.actions):
            box.clear_widgets()
        for name in self.visit_state:
            prop = self.property(name, quiet=True)
            setattr(self, name, prop.defaultvalue if prop is not None else getattr(type(self), name, None))

    def reset(self) -> None:
        self._wipe()
        if not self._left:
            self.first_step()

    def start_over(self) -> None:
        """The first step built afresh, now."""
        self._left = False
        self.reset()

    def on_pre_enter(self, *_args) -> None:
        if self._left:
            self.start_over()
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
    def show(self, title: str, *widgets, actions=(), back=None, summary: str = "") -> None:
        """A step: its widgets in the page, which scrolls, and its ``actions`` (the
        buttons that end or leave the step) side by side under it, always on screen;
        ``back`` is the step before it (the navigation bar's ‹ 上一步), None at the
        first step (‹ 返回 leaves the screen); ``summary``: what the visitor chose so
        far, above the page."""
        self.step_title = title
        self.summary = summary
        self.message = ""
        self._receipt = None
        self.back_step = back
        for box, children in ((self.ids.body, widgets), (self.ids.actions, actions)):
            box.clear_widgets()
            for widget in children:
                box.add_widget(widget)
        self.ids.scroll.scroll_y = 1

    # -- going back and leaving ----------------------------------------------------
    def go_back(self) -> None:
        if self.back_step is None:
            super().go_back()  # the first step: leaving the screen asks first
            return
        kept = self._typed()
        self.run(self.back_step)
        self.ahead.update(kept)

    def leave(self, then) -> None:
        if not self.half_filled():
            then()
            return
        from kiosk.ui.overlays import LeavePrompt
        self._prompt = LeavePrompt()
        self._prompt.bind(on_leave=lambda _p: then(), on_dismiss=self._asked)
        self._prompt.open()

    def _asked(self, prompt) -> None:
        if self._prompt is prompt:
            self._prompt = None

    def half_filled(self) -> bool:
        """Whether leaving would throw away something the visitor typed or ticked."""
        return self.asks_before_leaving and (any(self._typed().values()) or any(self.ahead.values()))

    def _typed(self) -> dict:
        """What this step's form holds (a PIN is never kept, and fields of an
        earlier step, still in ``fields``, are not on the form)."""
        shown = set(self._in_order())
        typed = {name: f.text for name, f in self.fields.items() if f in shown and f.kind != "pin"}
        typed.update({name: box.checked for name, box in self.boxes.items() if box in shown})
        return typed

    # -- the form's order, for the keyboard ------------------------------------------
    def _in_order(self) -> list:
        """The step's widgets top to bottom (Kivy keeps children last first)."""
        order, stack = [], [self.ids.body]
        while stack:
            widget = stack.pop()
            order.append(widget)
            stack.extend(widget.children)  # reversed twice: the first child is popped first
        return order

    def next_field(self, field):
        entries = [w for w in self._in_order() if isinstance(w, TextEntry)]
        after = entries[entries.index(field) + 1:] if field in entries else []
        return after[0] if after else None

    def submit_button(self):
        """The step's primary button below its last field, else among its actions
        (always on screen): what the form is for."""
        order = self._in_order()
        entries = [i for i, w in enumerate(order) if isinstance(w, TextEntry)]
        start = entries[-1] if entries else 0
        below = order[start:] + list(reversed(self.ids.actions.children))
        return next((w for w in below if isinstance(w, Choice) and w.kind == "primary"), None)

    def following(self, field):
        return self.next_field(field) or self.submit_button()

    def done_typing(self, field) -> None:
        button = self.submit_button()
        if button is not None:  # once the keyboard has gone and the page is laid out again
            Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt: show_in_view(button)), 0)

    def kept(self, page: str, shows, build) -> list:
        """The widgets ``build()`` makes for ``page`` from ``shows``, the data the
        page shows: kept and shown again while that data is the same (a list of
        sessions, a seat map, a page of the wish wall), built anew once it changed.
        Only for pages of options: a page with fields is personal and never kept."""
        key = (shows, theme.elder)
        if self._kept is None:
            self._kept = {}
        held = self._kept.get(page)
        if held is None or held[0] != key:
            held = self._kept[page] = (key, list(build()))
        return held[1]

    _kept = None  # page -> (what it showed, its widgets)

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

    def field(self, name: str, kind: str, label: str, hint: str = "", max_length: int = 20,
              lines: int = 1) -> TextEntry:
        """A field; what was typed in it before 返回 comes back with it."""
        entry = TextEntry(kind=kind, label=label, hint=hint, max_length=max_length, lines=lines,
                          text=self.ahead.pop(name, "") if kind != "pin" else "")
        self.fields[name] = entry
        return entry

    def side_by_side(self, *widgets) -> GridLayout:
        """Short fields in one row (a name beside a phone): the form fits the
        screen in 长辈模式 too, its submit button in view."""
        return self.choices(widgets, cols=len(widgets))

    def text(self, text: str, role: str = "body", **kwargs) -> Para:
        return Para(text=text, role=role, **kwargs)

    def heading(self, text: str) -> Text:
        return Text(text=text, role="heading", size_hint=(None, None))

    def consent_choice(self, words: str, name: str = "consent", agree: str = "我同意：") -> TickBox:
        """A tick box whose state is ``self.consent``; its refusal is shown at it."""
        box = TickBox(text=agree + words, checked=bool(self.ahead.pop(name, False)))
        self.boxes[name] = box
        self.consent = box.checked
        box.bind(checked=lambda _b, checked: setattr(self, "consent", checked))
        return box

    def show_errors(self, exc: Exception) -> None:
        """Messages at their fields and tick boxes (FormError, FieldError), or at
        the top of the step; the first of them is scrolled into view."""
        if isinstance(exc, FieldError):
            exc = FormError({exc.field: exc.message})
        at = {**self.fields, **self.boxes}
        if isinstance(exc, FormError):
            for name, message in exc.errors.items():
                if name in at:
                    at[name].error = message
                else:
                    self.message = message
        else:
            self.message = getattr(exc, "message", str(exc))
        marked = [w for w in self._in_order() if w in at.values() and w.error]
        if theme.elder:  # in 长辈模式 an error is read out as it appears
            App.get_running_app().speaker.say([self.message, *(w.error for w in marked)])
        if marked and not self.message:
            App.get_running_app().keyboard.close()
            Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt: show_in_view(marked[0])), 0)

    def show_receipt(self, receipt: Receipt) -> None:
        app = App.get_running_app()
        app.keyboard.close()
        self.fields, self.boxes, self.ahead = {}, {}, {}  # sent: nothing of it is left to lose
        app.refresh_pending()
        if app.staff is not None:  # made for the resident by the staff member (代办)
            receipt = replace(receipt, lines=(*receipt.lines, app.staff.assisted))
        done = self.choice("完成，返回首页", App.get_running_app().go_home, kind="primary")
        self.show(receipt.title, ReceiptCard(receipt=receipt), done)
        self._receipt = receipt

    def open_ticket(self) -> None:
        self.leave(lambda: App.get_running_app().go("ticket"))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
