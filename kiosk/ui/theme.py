"""Sizes and colours of the kiosk, and the 长辈模式 (elder mode) switch.

Every text size and touch target in the .kv files is bound to ``theme``, so
flipping ``theme.elder`` rescales the whole kiosk at once.
"""
from kivy.event import EventDispatcher
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty
from kivy.utils import get_color_from_hex as hex_

ELDER_SCALE = 1.34

# Base text sizes in dp, per role. The audit reads roles: 'heading' and
# 'title'/'display' are headings, everything else is body text.
FONT_DP = {"small": 20, "body": 24, "heading": 34, "title": 42, "display": 60}
HEADING_ROLES = ("heading", "title", "display")

# Colours (all text/background pairs below are >= 4.5:1, checked by the audit).
BG = hex_("#F6F1EA")  # warm paper
SURFACE = hex_("#FFFFFF")
TEXT = hex_("#1F1A17")
TEXT_MUTED = hex_("#554B44")
PRIMARY = hex_("#A8201A")  # 党群 red
PRIMARY_DARK = hex_("#7A1712")
ON_PRIMARY = hex_("#FFFFFF")
SECONDARY = hex_("#3F3632")
OK = hex_("#1E6B34")
WARN = hex_("#8A4B00")
DISABLED_BG = hex_("#E4DDD4")
SCRIM = (0, 0, 0, 0.6)
ACCENTS = {
    "red": hex_("#A8201A"),
    "orange": hex_("#8F4700"),
    "green": hex_("#2E6B30"),
    "teal": hex_("#00665A"),
    "blue": hex_("#1F5A9E"),
    "purple": hex_("#66398F"),
    "brown": hex_("#5D4037"),
    "slate": hex_("#37474F"),
}


class Theme(EventDispatcher):
    elder = BooleanProperty(False)
    scale = NumericProperty(1.0)
    target = NumericProperty(dp(76))  # minimum touch target side
    # a key of the on-screen keyboards and a text field's box: in 长辈模式 a little
    # lower than a target (still far above 60 dp), with larger letters, so that more
    # than one field of a form shows above the keyboard
    key = NumericProperty(dp(76))
    pad = NumericProperty(dp(24))
    gap = NumericProperty(dp(16))
    radius = NumericProperty(dp(14))

    def on_elder(self, _instance, elder: bool) -> None:
        self.scale = ELDER_SCALE if elder else 1.0
        self.target = dp(100 if elder else 76)
        self.key = dp(80 if elder else 76)
        self.pad = dp(24) * self.scale
        self.gap = dp(16) * self.scale

    def font(self, role: str, scale: float) -> float:
        """Font size in px for a text role; ``scale`` is passed so kv binds to it."""
        return dp(FONT_DP[role]) * scale


theme = Theme()
