"""服务中心介绍: the center, its rooms, what each offers and when (from center.toml)."""
from datetime import date
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty

from kiosk.center import Room
from kiosk.ui import theme as th
from kiosk.ui.screens import KioskScreen
from kiosk.ui.widgets import Surface

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class RoomCard(Surface):
    room = ObjectProperty(None, allownone=True)
    today = ObjectProperty(None, allownone=True)  # a WeeklyEvent happening today
    has_today = BooleanProperty(False)

    def on_room(self, _card, room: Room) -> None:
        weekday = date.today().isoweekday()
        self.today = next((e for e in room.weekly if e.weekday == weekday), None)
        self.has_today = self.today is not None


class CenterInfoScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        center = App.get_running_app().center
        for room in center.rooms:
            self.ids.rooms.add_widget(RoomCard(room=room, bg_color=th.SURFACE))

    def reset(self) -> None:
        self.ids.scroll.scroll_y = 1
