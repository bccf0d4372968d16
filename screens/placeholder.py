"""A clearly marked 即将开放 page for a service whose screens are not built yet."""
from pathlib import Path

from kivy.lang import Builder

from kiosk.ui.screens import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class PlaceholderScreen(KioskScreen):
    pass
