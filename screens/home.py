"""首页: a large tile per service, from the screen registry."""
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder

from kiosk.ui import theme as th
from kiosk.ui.screens import KioskScreen
from kiosk.ui.widgets import Tile
from screens import SCREENS

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class HomeScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        grid = self.ids.tiles
        for spec in SCREENS:
            if spec.tile is None:
                continue
            tile = Tile(screen=spec.name, title=spec.title, badge=spec.tile.badge,
                        subtitle=spec.tile.subtitle, accent=th.ACCENTS[spec.tile.accent])
            tile.bind(on_release=self.open_tile)
            grid.add_widget(tile)

    def said(self) -> list[str]:
        tiles = [words for spec in SCREENS if spec.tile is not None for words in (spec.title, spec.tile.subtitle)]
        return ["您好！请选择您要办理的事项", *tiles]

    @staticmethod
    def open_tile(tile: Tile) -> None:
        App.get_running_app().go(tile.screen)
