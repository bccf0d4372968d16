"""Screen plumbing: the base screen every module extends, and a screen
manager that builds each screen the first time it is shown (a fast start)."""
from collections.abc import Callable
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, ObjectProperty
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from kiosk.ui import theme as th


class KioskScreen(Screen):
    """Base of every screen. ``spec`` is its registry entry (title, tile...)."""
    bg_color = ColorProperty(th.BG)
    spec = ObjectProperty(None, allownone=True)
    typing = BooleanProperty(False)  # the on-screen keyboard is open for one of its fields

    def said(self) -> list[str]:
        """What 朗读 reads here: the screen's prompt, then any error at a field.
        Never what a visitor typed, nor anything sensitive (a counseling topic)."""
        return [self.spec.title] if self.spec is not None else []

    def reset(self) -> None:
        """Forget anything a visitor typed or picked; called when they walk away.
        Screens holding input override this."""

    # -- a form, as the keyboard dock asks about it (kiosk/ui/steps.py answers) ------
    def next_field(self, field):
        """The field a visitor fills after ``field`` (下一项), or None."""
        return None

    def following(self, field):
        """What should show below ``field`` while it is typed in: the next field
        or the form's submit button; None for nothing in particular."""
        return None

    def done_typing(self, field) -> None:
        """The keyboard closed after the last field (完成)."""

    # -- leaving (the navigation bar's 返回 and 首页) ------------------------------------
    def go_back(self) -> None:
        """返回: one step back where the screen has steps; else the screen before."""
        self.leave(App.get_running_app().back)

    def leave(self, then: Callable[[], None]) -> None:
        """Leave the screen by ``then``; a screen with a half-filled form asks first."""
        then()


def screen_of(widget) -> KioskScreen:
    """The screen a widget is on (a bare KioskScreen, which has no form, when none)."""
    node = widget
    while node is not None and not isinstance(node, KioskScreen):
        node = node.parent
    return node if node is not None else KioskScreen()


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
