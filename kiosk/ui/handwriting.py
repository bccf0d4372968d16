"""The 手写 page of the pinyin keyboard: the ink box, and reading it off the UI thread.

The box keeps each stroke in its own coordinates and draws it as the finger
moves. Once a stroke ends and the finger rests (DEBOUNCE of the kiosk's clock),
the reader hands a copy of the ink to one worker thread (kiosk/handwriting.py
there, no Kivy) and gets the characters back through Kivy's Clock; an answer
for ink that has changed since is dropped. A recogniser that cannot load turns
the page off (the keyboard hides its 手写 key); one that fails on some ink
gives no candidates. Neither reaches the resident as an error.
"""
from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.graphics import Color, InstructionGroup, Line
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty

from kiosk.crashes import describe
from kiosk.handwriting import Recogniser, RecogniserUnavailable
from kiosk.ui import theme as th
from kiosk.ui.widgets import Surface

DEBOUNCE = 0.3  # s after a stroke ends: a character's next stroke mostly starts sooner
log = logging.getLogger("kiosk")


@cache
def shared_recogniser() -> Recogniser:
    """One model for the process (about 0.1 s and 56 MiB to load), whichever keyboard reads."""
    return Recogniser()


@cache
def _worker() -> ThreadPoolExecutor:
    # one thread: ink is read one character at a time, and never loaded twice at once
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="handwriting")


class InkBox(Surface):
    """Where a character is written with a finger, dark on light, as thick as a brush pen."""
    inked = BooleanProperty(False)
    pen = NumericProperty(1)  # the line's half-width in px (widgets: handwriting.kv)
    __events__ = ("on_stroke_start", "on_stroke_end")

    def __init__(self, **kwargs):
        self.strokes: list[list[tuple[float, float]]] = []  # box coordinates, origin bottom-left
        self._lines: list[Line] = []
        self._paint = InstructionGroup()  # its own group: the canvas also holds the hint's
        super().__init__(**kwargs)
        self.canvas.after.add(self._paint)
        self._redraw()
        self.bind(pos=self._redraw, size=self._redraw, pen=self._redraw)

    def _local(self, touch) -> tuple[float, float]:
        # a finger sliding out of the box draws along its edge
        return (min(max(touch.x - self.x, 0.0), self.width), min(max(touch.y - self.y, 0.0), self.height))

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos) or self.disabled:
            return super().on_touch_down(touch)
        touch.grab(self)
        touch.ud[self] = len(self.strokes)  # its stroke: a second finger draws its own
        self.strokes.append([self._local(touch)])
        self._lines.append(self._line(self.strokes[-1]))
        self.inked = True
        self.dispatch("on_stroke_start")
        return True

    def on_touch_move(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        index = touch.ud.get(self)
        if index is None or index >= len(self.strokes):  # the ink was cleared under the finger
            return True
        point = self._local(touch)
        if point != self.strokes[index][-1]:
            self.strokes[index].append(point)
            self._lines[index].points += [point[0] + self.x, point[1] + self.y]
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        self.dispatch("on_stroke_end")
        return True

    def on_stroke_start(self):
        pass

    def on_stroke_end(self):
        pass

    def write(self, strokes) -> None:
        """Strokes written at once (the screenshot tour's character), in box coordinates."""
        self.strokes = [list(stroke) for stroke in strokes]
        self._redraw()
        self.inked = bool(self.strokes)

    def clear(self) -> None:
        """重写: clean paper."""
        self.strokes = []
        self._redraw()
        self.inked = False

    def _line(self, stroke) -> Line:
        points = [c for x, y in stroke for c in (x + self.x, y + self.y)]
        if len(points) == 2:
            points *= 2  # a touch that did not move is a dot
        line = Line(points=points, width=self.pen, cap="round", joint="round")
        self._paint.add(line)
        return line

    def _redraw(self, *_args) -> None:
        """The box moved or grew (a layout pass, 长辈模式): draw the strokes where it is now."""
        self._paint.clear()
        self._paint.add(Color(*th.TEXT))
        self._lines = [self._line(stroke) for stroke in self.strokes]


class HandwritingReader(EventDispatcher):
    """Reads what an ink box holds, after each stroke, on the worker thread."""
    usable = BooleanProperty(False)  # the model and onnxruntime are there (and load): the 手写 key shows
    candidates = ListProperty()  # characters, best first

    def __init__(self, recogniser: Recogniser | None = None, **kwargs):
        super().__init__(**kwargs)
        self.recogniser = recogniser if recogniser is not None else shared_recogniser()
        self.in_flight = 0  # jobs handed to the worker and not answered yet (UI thread only)
        self._ink = 0  # moves on whenever the ink changes; an answer for older ink is dropped
        self._due = None
        self._loading = False
        # cheap checks now (no import, no load): whether they load is known once the page is opened
        self.usable = Path(self.recogniser.model).is_file() and importlib.util.find_spec("onnxruntime") is not None
        if not self.usable:
            log.warning("handwriting off: no model at %s, or no onnxruntime", self.recogniser.model)

    def prepare(self) -> None:
        """The 手写 page opens: load the model in the background, once (not for a
        visitor who never writes: it takes 56 MiB); a first reading waits for it
        on the worker."""
        if self.usable and not self._loading:
            self._loading = True
            self._submit(self.recogniser.load, self._loaded)

    def _submit(self, work: Callable, done: Callable) -> None:
        self.in_flight += 1

        def run():
            try:
                result, error = work(), None
            except Exception as exc:  # noqa: BLE001  (logged on the UI thread, never raised there)
                result, error = None, exc
            Clock.schedule_once(lambda _dt: self._finish(done, result, error))
        _worker().submit(run)

    def _finish(self, done, result, error) -> None:
        self.in_flight -= 1
        done(result, error)

    def _loaded(self, _result, error) -> None:
        if error is not None:
            self._off(error)

    def _off(self, error: BaseException) -> None:
        if self.usable:  # once: the recogniser remembers its failure and is not asked again
            log.warning("handwriting off: %s", error if isinstance(error, RecogniserUnavailable) else describe(error))
        self.usable = False

    def read(self, strokes, size: tuple[float, float], keep: Callable[[str], bool] | None = None) -> None:
        """A stroke ended: read the ink once the finger has rested DEBOUNCE."""
        self.forget()
        if not self.usable or not strokes:
            return
        ink, snapshot, size = self._ink, [list(s) for s in strokes], tuple(size)

        def start(_dt):
            self._due = None
            self._submit(lambda: self.recogniser.recognise(snapshot, size, keep=keep),
                         lambda result, error: self._answered(ink, result, error))
        self._due = Clock.schedule_once(start, DEBOUNCE)

    def forget(self) -> None:
        """The ink changes (a stroke begins): nothing read so far is for it.
        The candidates shown stay until the new ones come (no flicker between strokes)."""
        self._ink += 1
        if self._due is not None:
            self._due.cancel()
            self._due = None

    def clear(self) -> None:
        """The ink is gone (重写, a pick, leaving the page): so are its candidates."""
        self.forget()
        self.candidates = []

    def _answered(self, ink: int, result, error) -> None:
        if error is not None:
            if isinstance(error, RecogniserUnavailable):
                self._off(error)
            else:
                log.error("handwriting: reading failed: %s", describe(error))
            result = []
        if ink == self._ink:
            self.candidates = result


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
