"""Screen plumbing: the base screen every module extends, and a screen
manager that builds each screen the first time it is shown (a fast start)."""
from collections.abc import Callable
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ColorProperty, ObjectProperty
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from kiosk.ui import theme as th


class KioskScreen(Screen):
    """Base of every screen. ``spec`` is its registry entry (title, tile...)."""
    bg_color = ColorProperty(th.BG)
    spec = ObjectProperty(None, allownone=True)

    def reset(self) -> None:
        """Forget anything a visitor typed or picked; called when they walk away.
        Screens holding input override this."""


class LazyScreenManager(ScreenManager):
    def __init__(self, factory: Callable[[str], Screen], **kwargs):
        # No slide animation: the next screen appears at once, which reads
        # better for first-time users and keeps tap-to-screen fast.
        super().__init__(transition=NoTransition(), **kwargs)
        self._factory = factory

    def show(self, name: str) -> Screen:
        if not self.has_screen(name):
            self.add_widget(self._factory(name))
        self.current = name
        return self.current_screen

    def built_screens(self) -> list[Screen]:
        return list(self.screens)


Builder.load_string("""
<KioskScreen>:
    canvas.before:
        Color:
            rgba: self.bg_color
        Rectangle:
            pos: self.pos
            size: self.size
""", filename=str(Path(__file__)))
