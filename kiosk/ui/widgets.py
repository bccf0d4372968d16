"""Shared widgets: text, buttons, tiles, the navigation and status bars.

Their look lives in widgets.kv, loaded with this module. Anything that draws
a background declares ``bg_color`` so the accessibility audit can compute
text contrast against it.
"""
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty, ColorProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty,
    StringProperty)
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.linebreak import wrap
from kiosk.ui import theme as th
from kiosk.ui.screens import screen_of
from kiosk.ui.textures import key_of, textures


class Surface(BoxLayout):
    """A box with a flat (optionally rounded) background."""
    bg_color = ColorProperty([0, 0, 0, 0])
    radius = ListProperty([0])


class BreaksLines:
    """Where the label wraps (a width in text_size), its lines are chosen by
    kiosk.linebreak and handed to Kivy already broken: Kivy's own wrapping
    splits Chinese at whatever character overflows. Measured with the label's
    own font, so every line fits as Kivy measures it and none is re-wrapped.
    A text drawn before in the same look takes its texture from the cache
    (kiosk/ui/textures.py) instead of being drawn again."""

    def texture_update(self, *largs):
        core = self._label
        if not self.text or self.shorten or self.markup:
            super().texture_update(*largs)
            return
        key = key_of(self.text, core)
        drawn = textures.get(key)
        if drawn is not None:  # neither wrapped nor drawn again
            self.texture, core._cached_lines = drawn
            self.texture_size = list(self.texture.size)
            return
        width = self.text_size[0]
        if width is not None:
            room = int(width) - self.padding[0] - self.padding[2]  # as Kivy's layout counts it
            core.text = "\n".join(wrap(self.text, room, lambda line: core.get_extents(line)[0]))
        super().texture_update(*largs)
        textures.keep(key, core)


class Text(BreaksLines, Label):
    """A label whose size follows its role and the elder-mode scale."""
    role = OptionProperty("body", options=list(th.FONT_DP))


class Para(Text):
    """Wrapping paragraph text that takes the height it needs."""


class KButton(BreaksLines, ButtonBehavior, Label):
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
    """返回 / title / 首页, on top of every screen but home. 返回 is one step back
    (its words say ‹ 上一步 inside a flow), 首页 is home; either asks first when
    it would leave a half-filled form (the screen's leave)."""
    title = StringProperty()
    back_words = StringProperty("‹ 返回")

    def back(self) -> None:
        screen_of(self).go_back()

    def home(self) -> None:
        screen_of(self).leave(App.get_running_app().go_home)


class StateText(Text):
    """Text with a coloured dot: the words carry the meaning, the dot repeats it."""
    meaning_color = ColorProperty(th.TEXT_MUTED)


class ElderToggle(ToggleButtonBehavior, Label):
    """The 长辈模式 switch; its text says 开/关 so the state is not colour alone."""
    role = OptionProperty("body", options=list(th.FONT_DP))
    bg_color = ColorProperty(th.PRIMARY_DARK)


class ReadAloud(ButtonBehavior, Label):
    """朗读: reads the screen's prompt and errors aloud; again from the start
    when tapped again. Shown only where a sound can be heard (kiosk/ui/speaker.py)."""
    role = OptionProperty("body", options=list(th.FONT_DP))
    speaker = ObjectProperty(None, allownone=True)
    shown = BooleanProperty(False)  # sound can be heard here
    speaking = BooleanProperty(False)

    def on_speaker(self, _button, speaker) -> None:
        if speaker is not None:
            speaker.bind(available=self.setter("shown"), speaking=self.setter("speaking"))
            self.shown, self.speaking = speaker.available, speaker.speaking


class HoldText(Text):
    """Text that answers a long press only (the hidden staff entry): residents
    who tap it by chance see nothing happen."""
    hold_seconds = NumericProperty(3.0)
    __events__ = ("on_long_press",)
    _held = None

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        touch.grab(self)
        self._held = Clock.schedule_once(lambda _dt: self.dispatch("on_long_press"), self.hold_seconds)
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        if self._held is not None:
            self._held.cancel()  # let go before the time: not a long press
            self._held = None
        return True

    def on_long_press(self) -> None:
        self._held = None


class StaffBanner(Surface):
    """工作人员模式 · 姓名 with 退出, over every screen while staff mode is on."""

    def desk(self) -> None:
        App.get_running_app().go("staff_home")

    def leave(self) -> None:
        App.get_running_app().exit_staff()


class StatusBar(Surface):
    """Center name, date and time, sync state and the elder-mode switch."""
    app = ObjectProperty(None, allownone=True)
    online = BooleanProperty(False)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
