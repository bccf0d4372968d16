"""Full-screen overlays driven by the idle watchdog.

IdlePrompt asks 还需要更多时间吗？ with a countdown; AttractLoop shows the
center's rooms on the home screen while nobody is using the kiosk.
"""
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import ColorProperty, ListProperty, NumericProperty, ObjectProperty
from kivy.uix.modalview import ModalView

from kiosk.ui import theme as th

ATTRACT_SLIDE_SECONDS = 6


class Overlay(ModalView):
    bg_color = ColorProperty(th.SCRIM)

    def __init__(self, **kwargs):
        super().__init__(auto_dismiss=False, **kwargs)
        self._anim_duration = 0  # appear at once: no animation for the clock to drive


class IdlePrompt(Overlay):
    seconds_left = NumericProperty(0)

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


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
