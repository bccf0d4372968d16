"""Drive the real kiosk app in a real Kivy window, as a visitor would.

The app runs in the shared offscreen window; the test owns the main loop:
``advance`` moves a fake clock forward and runs frames, so idle timeouts are
tested without waiting. Touches are real MotionEvents dispatched through the
window, reaching only what a finger at that spot would reach.
"""
from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from kivy.app import App
from kivy.base import EventLoop, ExceptionManager
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.app import KioskApp
from kiosk.center import load_center
from kiosk.config import KioskConfig
from kiosk.paths import CENTER_FILE
from kiosk.store import Store
from kiosk.ui.theme import theme

FRAME = 1 / 60


class FakeTime:
    """Stands in for Clock.time(); only ``advance`` moves it."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


_FAKE: FakeTime | None = None


def fake_clock() -> FakeTime:
    """Install one fake clock for the whole test session. It is never taken
    away again: time must only move forwards for Kivy's scheduled events."""
    global _FAKE
    if _FAKE is None:
        _FAKE = FakeTime(Clock.time())
        Clock.time = _FAKE
        Clock._max_fps = 0  # never sleep: frames run as fast as the test asks
    return _FAKE


def _unbind_earlier_apps() -> None:
    """An earlier app still listening to the window (its on_stop did not get to
    unbind) would take this app's first touch as the one that wakes it: unbind
    it, and say so (the test that left it has a bug to find)."""
    for event in ("on_touch_down", "on_touch_move", "on_key_down"):
        for observer in Window.get_property_observers(event):
            owner = getattr(observer, "proxy", None)
            if isinstance(owner, KioskApp):
                print(f"harness: an earlier app still had {observer.method_name} on {event}", file=sys.stderr)
                Window.unbind(**{event: getattr(owner, observer.method_name)})


def _cancel_leftovers() -> None:
    """Cancel what an earlier test's app left on Kivy's clock (an old screen's
    delayed callback, a sync report that came in as it stopped): it would run
    against this test's app. Kivy's own cache purge is kept."""
    for event in Clock.get_events():
        callback = event.get_callback()
        if getattr(callback, "__qualname__", "") != "Cache._purge_by_timeout":
            event.cancel()


def with_demo_data(demo_database: Path, data_dir: Path) -> Path:
    """A copy of the demo database (conftest's demo_database) as the kiosk's own, before the app starts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_database, data_dir / "kiosk.db")
    return data_dir


class KioskDriver:
    # True: an error in a frame goes to Kivy's ExceptionManager first, as in App.run,
    # so the kiosk's crash handler meets it; by default it fails the test at once
    as_mainloop = False

    def __init__(self, app: KioskApp, store: Store, fake: FakeTime):
        self.app = app
        self.store = store
        self.fake = fake

    @classmethod
    def start(cls, data_dir: Path, collector=None, **settings) -> "KioskDriver":
        EventLoop.ensure_window()
        fake = fake_clock()
        _cancel_leftovers()
        _unbind_earlier_apps()
        # Kivy's "now" (Clock.get_time(), the last tick) could lag the fake clock after
        # an earlier test; the app's idle watch starts from it, so an app could start
        # as if idle for minutes and take its first touch to end an attract loop
        Clock.tick()
        config = KioskConfig(data_dir=data_dir, **settings)
        store = Store(config.db_path)
        # no collection pacer unless asked (``collector``): its freeze is made for one kiosk
        # process, not for a test process holding every earlier test's objects
        app = KioskApp(settings=config, center=load_center(CENTER_FILE), store=store, collector=collector)
        app._run_prepare()  # build, add to the window, dispatch on_start
        driver = cls(app, store, fake)
        driver.frames(3)
        return driver

    def stop(self) -> None:
        # what the app still does off the UI thread (a PIN check, reading handwriting)
        # answers this app, not the next
        keyboard = self.app._keyboard
        self.frames_until(lambda: not any(t.name == "background" and t.is_alive() for t in threading.enumerate())
                          and (keyboard is None or not keyboard.pinyin.reader.in_flight))
        self.frames(2, draw=False)
        self.app.dispatch("on_stop")
        for child in list(Window.children):
            Window.remove_widget(child)
        App._running_app = None
        theme.elder = False
        self.store.close()
        self.frames(1)

    # -- time -----------------------------------------------------------------
    def _in_loop(self, step) -> None:
        """Run one step of the loop (a frame, a touch dispatched)."""
        if not self.as_mainloop:
            step()
            return
        try:  # EventLoopBase.mainloop's own handling
            step()
        except BaseException as inst:
            if ExceptionManager.handle_exception(inst) == ExceptionManager.RAISE:
                raise

    @staticmethod
    def _idle_undrawn() -> None:
        """EventLoop.idle without drawing: clock, input, kv rules and layout run
        as in a real frame; only the software rasteriser's work is left out."""
        Clock.tick()
        EventLoop.dispatch_input()
        Builder.sync()
        Clock.tick_draw()
        Builder.sync()

    def _frame(self, draw: bool = True) -> None:
        self._in_loop(EventLoop.idle if draw else self._idle_undrawn)

    def frames(self, n: int = 2, draw: bool = True) -> None:
        """Run ``n`` frames; only the last is drawn (``draw``): drawing the
        1920x1080 window in software is most of a UI test's cost, and the frames
        in between change nothing a visitor could see before the next one."""
        for i in range(n):
            self.fake.now += FRAME
            self._frame(draw and i == n - 1)

    def advance(self, seconds: float, step: float = 0.5) -> None:
        """Let ``seconds`` pass on the kiosk's clock, running frames as it goes
        (drawn at the end)."""
        end = self.fake.now + seconds
        while self.fake.now < end - 1e-9:
            self.fake.now = min(end, self.fake.now + step)
            self._frame(draw=self.fake.now >= end - 1e-9)

    def frames_until(self, done: Callable[[], bool], seconds: float = 120.0) -> None:
        """Run frames until ``done()`` (a worker thread's answer has reached the
        screen); the bound is generous and reached only when something is broken."""
        deadline = time.monotonic() + seconds
        while not done():
            assert time.monotonic() < deadline, "the answer never reached the screen"
            self.frames(1)
            time.sleep(0.01)

    # -- finding widgets -----------------------------------------------------
    def walk(self, within: Widget | None = None) -> Iterator[Widget]:
        """Every widget a visitor can see now (current screen, bars, overlays),
        or only those inside ``within``."""
        stack = [within] if within is not None else list(Window.children)
        while stack:
            widget = stack.pop()
            yield widget
            stack.extend(widget.children)

    def find_all(self, pred: Callable[[Widget], bool], within: Widget | None = None) -> list[Widget]:
        return [w for w in self.walk(within) if pred(w)]

    def find_text(self, text: str, exact: bool = True, within: Widget | None = None) -> Widget:
        found = self.find_all(lambda w: isinstance(w, Label) and (
            w.text == text if exact else text in w.text), within)
        assert found, f"no widget shows {text!r}; visible texts: {self.texts()}"
        return found[0]

    def find_id(self, name: str) -> Widget:
        for widget in self.walk():
            target = widget.ids.get(name) if hasattr(widget, "ids") else None
            if target is not None and target.get_root_window() is not None:
                return target
        raise AssertionError(f"no visible widget with id {name!r}")

    def texts(self) -> list[str]:
        return [w.text for w in self.walk() if isinstance(w, Label) and w.text]

    @property
    def screen(self):
        return self.app.screens.current_screen

    def open_entry_preview(self):
        """The page with one field of each kind (until service screens have them)."""
        from kiosk.ui.textentry import open_entry_preview
        screen = open_entry_preview(self.app)
        self.frames(2)
        return screen

    # -- touching ------------------------------------------------------------
    def tap(self, widget: Widget, swipe: bool = True) -> None:
        """Tap the widget's centre; ``swipe=False``: as it is on screen now, with
        no swipe to bring it into view (it must be fully in view already)."""
        self._settle(widget)  # lay out what changed since the last frame before aiming
        if swipe:
            self._scroll_into_view(widget)
        else:
            assert self.in_view(widget), f"{getattr(widget, 'text', widget)!r} is not fully in view"
        x, y = widget.to_window(*widget.center)
        assert 0 <= x < Window.width and 0 <= y < Window.height, f"{widget} is off screen"
        board = self.app._keyboard.board if self.app._keyboard is not None else None
        if board is not None and widget not in list(self.walk(board)):
            bx, by = board.to_window(board.x, board.y)
            assert not (bx <= x <= bx + board.width and by <= y <= by + board.height), \
                f"{getattr(widget, 'text', widget)!r} is under the keyboard"
        reached = []  # the touch came down the widget tree as far as the widget
        uid = widget.fbind("on_touch_down", lambda *_a: reached.append(True))
        before = [type(c).__name__ for c in Window.children], self.app.watchdog.state
        self.tap_at(x, y)
        widget.unbind_uid("on_touch_down", uid)
        if not reached:
            # not an error by itself (a touch that only wakes the kiosk), but when a test fails
            # after it, this says what stood in the way
            print(f"harness: the tap on {getattr(widget, 'text', widget)!r} at ({x:.0f}, {y:.0f}) never "
                  f"reached it; before it the window held {before[0]}, idle {before[1]}; now screen "
                  f"{self.app.current}", file=sys.stderr)

    def _settle(self, widget: Widget) -> None:
        """Run frames until the widget stays where it is from one frame to the
        next: a screen just switched to, or text just re-wrapped, may still be
        laying out, and a finger aimed at the old place lands beside it."""
        def place():
            return (*widget.to_window(*widget.pos), *widget.size)
        last = place()
        for _ in range(20):  # one frame when nothing moves, as before
            self.frames(1, draw=False)
            if place() == last:
                return
            last = place()

    def in_view(self, widget: Widget) -> bool:
        """Whether the whole widget shows: inside its scrolling page's view and the
        window, and not under the keyboard (unless it is a key)."""
        from kivy.uix.scrollview import ScrollView
        _x, y = widget.to_window(widget.x, widget.y)
        low, high = 0, Window.height
        node = widget.parent
        while node is not None and node is not Window and not isinstance(node, ScrollView):
            node = node.parent
        if isinstance(node, ScrollView):
            _sx, sy = node.to_window(node.x, node.y)
            low, high = max(low, sy), min(high, sy + node.height)
        board = self.app._keyboard.board if self.app._keyboard is not None else None
        if board is not None and widget not in list(self.walk(board)):
            low = max(low, board.to_window(board.x, board.y)[1] + board.height)
        return low - 1 <= y and y + widget.height <= high + 1

    def _scroll_into_view(self, widget: Widget) -> None:
        """Swipe a scrolling page until the widget shows, as a visitor would."""
        from kivy.uix.scrollview import ScrollView
        node = widget.parent
        while node is not None and node is not Window and not isinstance(node, ScrollView):
            node = node.parent
        if not isinstance(node, ScrollView):
            return
        _x, y = widget.to_window(widget.x, widget.y)
        _sx, sy = node.to_window(node.x, node.y)
        if y < sy or y + widget.height > sy + node.height:
            node.scroll_to(widget, animate=False)
            self.frames(2, draw=False)

    def tap_at(self, x: float, y: float) -> None:
        """A quick tap at window coordinates. The press and the release are
        handed to the widgets at once, where the test aimed: a clock tick in
        between (a sync report arriving, a label re-wrapped) may move the
        layout, and the finger would land beside the button."""
        touch = UnitTestTouch(x, y)
        for step in (touch.touch_down, touch.touch_up):
            self._in_loop(step)
            self._in_loop(EventLoop.dispatch_input)
        self._until_released(touch)
        self.frames(3)

    def _until_released(self, touch) -> None:
        """Run frames until Kivy is done with ``touch``. A ScrollView sends a quick
        tap's touch-up to its children once more 0.2 s later (on the kiosk's
        clock): a test must not end with that pending, or it would reach widgets
        while the next test's app runs."""
        def pending() -> bool:
            return any(isinstance(cb := event.get_callback(), partial) and cb.args[:1] == (touch,)
                       for event in Clock.get_events())
        for _ in range(60):  # 1 s of frames: far more than any release waits
            if not pending():
                return
            self.frames(1, draw=False)
        raise AssertionError("a touch was never released to the widgets under it")

    def long_press(self, widget: Widget, seconds: float) -> None:
        """Hold a finger on the widget for ``seconds`` of the kiosk's clock."""
        self.frames(1, draw=False)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        self._in_loop(touch.touch_down)
        self.advance(seconds, step=0.25)
        self._in_loop(touch.touch_up)
        self._until_released(touch)
        self.frames(3)

    def draw(self, widget: Widget, strokes) -> None:
        """Write on ``widget`` with a finger: each stroke a touch that comes down
        at its first point, moves through the others and lifts at the last
        (points in the widget's own coordinates, origin bottom-left), a frame
        between moves as a real finger gives them."""
        self.frames(1, draw=False)
        for stroke in strokes:
            x, y = widget.to_window(widget.x + stroke[0][0], widget.y + stroke[0][1])
            touch = UnitTestTouch(x, y)
            self._in_loop(touch.touch_down)
            self.frames(1, draw=False)
            for px, py in stroke[1:]:
                self._in_loop(partial(touch.touch_move, *widget.to_window(widget.x + px, widget.y + py)))
                self.frames(1, draw=False)
            self._in_loop(touch.touch_up)
            self._until_released(touch)
            self.frames(1, draw=False)

    def tap_text(self, text: str) -> None:
        self.tap(self.find_text(text))

    def grey_pixels(self) -> memoryview:
        """What the window shows now, as a top-down grey image (rows x cols)."""
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
        self.frames(2)
        w, h = Window.size
        data = glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE)
        green = data[1::3]  # the green channel is a fine grey for black on white
        rows = [green[r * w:(r + 1) * w] for r in range(h - 1, -1, -1)]  # GL rows are bottom-up
        return memoryview(b"".join(rows)).cast("B", (h, w))

    def screenshot(self, path: Path) -> Path:
        self.frames(2)
        written = Path(Window.screenshot(name=str(path)))
        return written
