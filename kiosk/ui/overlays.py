"""Full-screen overlays driven by the idle watchdog and the crash handler.

IdlePrompt asks 还需要更多时间吗？ with a countdown; LeavePrompt asks 放弃填写？
before a half-filled form is left; AttractLoop shows the
center's rooms on the home screen while nobody is using the kiosk;
CrashNotice apologises on the home screen after an unexpected error, and
OutOfOrder (请联系工作人员) replaces the kiosk when errors repeat.
"""
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import ColorProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.ui import theme as th

ATTRACT_SLIDE_SECONDS = 6
CRASH_NOTICE_SECONDS = 15


class Overlay(ModalView):
    bg_color = ColorProperty(th.SCRIM)

    def __init__(self, **kwargs):
        super().__init__(auto_dismiss=False, **kwargs)
        self._anim_duration = 0  # appear at once: no animation for the clock to drive


class IdlePrompt(Overlay):
    seconds_left = NumericProperty(0)
    leaving = StringProperty("回到首页，已填写的内容会被清除")  # a screen's policy may say more (the passbook)

    def keep_going(self) -> None:
        App.get_running_app().idle_continue()


class AttractLoop(Overlay):
    """Cycles through the rooms; any touch ends it (handled by the app)."""
    rooms = ListProperty()
    index = NumericProperty(0)
    room = ObjectProperty(None, allownone=True)
    bg_color = ColorProperty(th.PRIMARY_DARK)
    _event = None

    def on_open(self) -> None:
        self.index = 0
        self._show()
        self._event = Clock.schedule_interval(self.next_slide, ATTRACT_SLIDE_SECONDS)

    def on_dismiss(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def next_slide(self, *_args) -> None:
        self.index = (self.index + 1) % max(1, len(self.rooms))
        self._show()

    def _show(self) -> None:
        self.room = self.rooms[self.index] if self.rooms else None


class LeavePrompt(Overlay):
    """放弃填写？ before a half-filled form is left (首页, 返回 at a flow's first
    step): 继续填写 stays, 放弃 leaves and the form is forgotten."""
    __events__ = ("on_leave",)

    def stay(self) -> None:
        self.dismiss()

    def leave(self) -> None:
        self.dismiss()
        self.dispatch("on_leave")

    def on_leave(self) -> None:
        pass


class CrashNotice(Overlay):
    """抱歉 after an unexpected error, over the home screen; 知道了 or a few
    seconds end it, so the next visitor does not find it."""
    _event = None

    def on_open(self) -> None:
        self._event = Clock.schedule_once(lambda _dt: self.dismiss(), CRASH_NOTICE_SECONDS)

    def on_dismiss(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None


class OutOfOrder(Overlay):
    """请联系工作人员: errors came too often, the kiosk stops serving (until
    staff restart it) rather than apologise in a loop. It stays the top
    overlay: an attract loop or prompt opened later goes under it."""

    def on_open(self) -> None:
        Window.bind(children=self._stay_on_top)

    def _stay_on_top(self, _window, children) -> None:
        if children and children[0] is not self and self in children:
            Clock.schedule_once(self._raise)

    def _raise(self, _dt) -> None:
        if self.parent is Window and Window.children[0] is not self:
            Window.remove_widget(self)
            Window.add_widget(self)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
