"""Render every screen (and the idle overlays) to PNG files, then stop.

Driven by the app's own loop so it runs headless in the offscreen window.
A screenshot is taken only after the window has flipped a few times with the
new screen: a capture before the first flip can come out black, and a field
focused for the keyboard is scrolled into view a frame later.

The tour keeps its own time: every frame is 1/60 s however long the machine
takes to draw it (or to check the demo volunteer's PIN), so the same views
come out on a loaded machine: no timeout (the passbook's 30 s sign-out, the
idle prompt) fires between a view and its capture.
"""
from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.ui.theme import theme
from kiosk.ui.views import VIEWS
from screens import SCREENS

FLIPS_BEFORE_CAPTURE = 4  # layout, a scroll into view, then a clean frame
FRAME = 1 / 60
OVERLAYS = ("idle_prompt", "attract", "crash_apology", "out_of_order")  # shown over a screen, one shot each


class TourTime:
    """Stands in for Clock.time(): it moves one frame a frame, never with the wall."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, _dt) -> None:
        self.now += FRAME


def names() -> list[str]:
    """Every view the tour renders, in its order."""
    return [spec.name for spec in SCREENS] + list(VIEWS) + list(OVERLAYS)


class ScreenshotTour:
    def __init__(self, app, outdir: Path, elder: bool, only: frozenset[str] | None = None):
        """Before the app runs: its clock is the tour's from the first frame
        (``only``: render just these views, in the tour's order)."""
        self.app = app
        self.outdir = Path(outdir)
        self.elder = elder
        self.written: list[Path] = []
        steps = [(spec.name, self._screen(spec.name)) for spec in SCREENS]
        steps += [(name, self._view(name, show)) for name, show in VIEWS.items()]
        overlays = (self._prompt, self._attract, self._crash_apology, self._out_of_order)
        steps += list(zip(OVERLAYS, overlays))
        self._steps = [step for step in steps if only is None or step[0] in only]
        self._flips = 0
        self._name = ""
        self.time = TourTime(Clock.time())
        Clock.time = self.time
        # an uncapped loop: a capped one waits for the wall clock; the app's
        # power saver leaves an uncapped loop alone
        Clock._max_fps = 0

    def start(self) -> None:
        self.outdir.mkdir(parents=True, exist_ok=True)
        Clock.schedule_interval(self.time.tick, 0)
        Window.bind(on_flip=self._on_flip)
        Clock.schedule_once(lambda _dt: self._next(), 0)

    def _staff_mode(self, name: str) -> None:
        from kiosk.ui.views import as_staff, in_staff_mode
        as_staff(self.app) if in_staff_mode(name) else self.app.exit_staff()

    def _screen(self, name):
        def show():
            self.app._close_overlays()
            self._staff_mode(name)
            theme.elder = self.elder  # before the screen is built: its first step is laid out for it
            self.app.go_home() if name == "home" else self.app.go(name)
        return show

    def _view(self, name, show):
        def run():
            self._staff_mode(name)
            theme.elder = self.elder  # also when --only names views without a screen before them
            show(self.app)
        return run

    def _prompt(self) -> None:
        self.app.exit_staff()
        self.app.go("center_info")
        self.app.watchdog.last_activity = Clock.get_time() - self.app.settings.idle_timeout
        self.app._idle_tick(0)

    def _attract(self) -> None:
        self.app.idle_continue()
        self.app.go_home()
        self.app.watchdog.last_activity = Clock.get_time() - self.app.settings.attract_after
        self.app._idle_tick(0)

    def _crash_apology(self) -> None:
        self.app.idle_continue()
        self.app.crash_guard.apologise()

    def _out_of_order(self) -> None:
        self.app.crash_guard.stop_serving()  # the last view: it stays until a restart

    def _next(self) -> None:
        if not self._steps:
            Window.unbind(on_flip=self._on_flip)
            self.app.stop()
            return
        self._name, show = self._steps.pop(0)
        # each view counts as a touch: the tour outlasts the idle timeout, whose
        # reset would end staff mode and 长辈模式 halfway through
        self.app.watchdog.activity(Clock.get_time())
        try:
            show()
        except Exception:  # that view is missing from DIR and named here; the tour goes on
            print(f"screenshot tour: {self._name} failed", file=sys.stderr)
            traceback.print_exc()
            Clock.schedule_once(lambda _dt: self._next(), 0)
            return
        self._flips = 0
        Window.canvas.ask_update()

    def _on_flip(self, *_args) -> None:
        self._flips += 1
        if self._flips == FLIPS_BEFORE_CAPTURE:
            tmp = Window.screenshot(name=str(self.outdir / f".{self._name}.png"))
            target = self.outdir / f"{self._name}.png"
            os.replace(tmp, target)
            self.written.append(target)
            Clock.schedule_once(lambda _dt: self._next(), 0)
        elif self._flips < FLIPS_BEFORE_CAPTURE:
            Window.canvas.ask_update()
