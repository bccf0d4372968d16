"""Shared widgets: text, buttons, tiles, the navigation and status bars.

Their look lives in widgets.kv, loaded with this module. Anything that draws
a background declares ``bg_color`` so the accessibility audit can compute
text contrast against it.
"""
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty, ColorProperty, ListProperty, ObjectProperty, OptionProperty, StringProperty)
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.ui import theme as th


class Surface(BoxLayout):
    """A box with a flat (optionally rounded) background."""
    bg_color = ColorProperty([0, 0, 0, 0])
    radius = ListProperty([0])


class Text(Label):
    """A label whose size follows its role and the elder-mode scale."""
    role = OptionProperty("body", options=list(th.FONT_DP))


class Para(Text):
    """Wrapping paragraph text that takes the height it needs."""


class KButton(ButtonBehavior, Label):
    """A large flat button; ``kind`` picks its colours."""
    role = OptionProperty("body", options=list(th.FONT_DP))
    kind = OptionProperty("primary", options=["primary", "secondary", "quiet"])
    bg_color = ColorProperty(th.PRIMARY)


class Pill(Text):
    """A short word on a filled, rounded label: a status badge."""
    bg_color = ColorProperty(th.PRIMARY)


class Badge(Label):
    """One character in a filled circle: a room's emblem."""
    bg_color = ColorProperty(th.PRIMARY)
    role = OptionProperty("heading", options=list(th.FONT_DP))


class Tile(ButtonBehavior, Surface):
    """A home-screen tile that opens ``screen``."""
    screen = StringProperty()
    badge = StringProperty()
    title = StringProperty()
    subtitle = StringProperty()
    accent = ColorProperty(th.PRIMARY)


class NavBar(Surface):
    """返回 / title / 首页, on top of every screen but home."""
    title = StringProperty()

    def back(self) -> None:
        App.get_running_app().back()

    def home(self) -> None:
        App.get_running_app().go_home()


class StateText(Text):
    """Text with a coloured dot: the words carry the meaning, the dot repeats it."""
    meaning_color = ColorProperty(th.TEXT_MUTED)


class ElderToggle(ToggleButtonBehavior, Label):
    """The 长辈模式 switch; its text says 开/关 so the state is not colour alone."""
    role = OptionProperty("body", options=list(th.FONT_DP))
    bg_color = ColorProperty(th.PRIMARY_DARK)


class StatusBar(Surface):
    """Center name, date and time, sync state and the elder-mode switch."""
    app = ObjectProperty(None, allownone=True)
    online = BooleanProperty(False)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
