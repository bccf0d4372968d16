"""Make the bundled Simplified Chinese font the default of every widget."""
from kivy.core.text import DEFAULT_FONT, LabelBase

from kiosk.paths import FONT_BOLD, FONT_REGULAR

FONT_NAME = DEFAULT_FONT  # Label, Button and TextInput all default to this name


def register_fonts() -> None:
    # Registering under DEFAULT_FONT replaces Kivy's Latin-only Roboto for
    # every widget that does not name a font; VKeyboard is set in widgets.kv.
    LabelBase.register(DEFAULT_FONT, fn_regular=str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
