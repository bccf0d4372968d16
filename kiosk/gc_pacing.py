"""Python's full garbage collections, moved out of a resident's taps.

A full collection walks every object the kiosk holds (the screens built so
far, the keyboard, the wish wall): 150–300 ms of the main thread on the
lobby's two cores. CPython starts one whenever enough objects have survived
the younger collections, so it lands inside a tap — the slowest tenth of the
taps in bench/tap_latency.py was these pauses. Here:

- the automatic full collection is made ten times rarer (the young ones, a
  millisecond or so, stay as CPython runs them);
- the kiosk runs the full one itself in a quiet moment (nobody has touched the
  screen for ``quiet`` seconds), once it is due as CPython would count it, and
  freezes what survives (``gc.freeze``): later collections no longer walk the
  screens that live as long as the kiosk;
- frozen objects that became garbage since (a step's widgets, a wish card) are
  only freed when thawed: every ``thaw_every`` quiet collections, and when the
  attract loop starts (nobody is there), everything is thawed, collected, and
  frozen again.

Kivy-free: the app calls ``tick`` from its idle watch with the seconds since
the last touch.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field

DUE = 10  # young-generation collections since the last full one: CPython's own default
SAFETY = 100  # CPython still collects by itself past this, if the kiosk never falls quiet


@dataclass
class CollectionPacer:
    quiet: float = 1.0  # s without a touch: a resident reading, not tapping
    thaw_every: int = 20
    collections: int = 0  # full collections run here (quiet and thawed)
    thaws: int = 0
    _away: bool = False  # thawed since the attract loop started
    _saved: tuple[int, int, int] | None = field(default=None, repr=False)

    def start(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _full = self._saved
            gc.set_threshold(young, middle, SAFETY)

    def stop(self) -> None:
        """CPython's own pacing back, every frozen object thawed."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
            gc.unfreeze()

    @staticmethod
    def due() -> bool:
        return gc.get_count()[2] >= DUE

    def tick(self, untouched: float, nobody_there: bool = False) -> bool:
        """Collect if it is due and the moment is quiet; True when it did."""
        if not nobody_there:
            self._away = False
        if self._saved is None or untouched < self.quiet:
            return False
        if nobody_there and not self._away:  # once each time the attract loop starts
            self._away = True
            self._collect(thaw=True)
            return True
        if not self.due():
            return False
        self._collect(thaw=self.collections % self.thaw_every == self.thaw_every - 1)
        return True

    def _collect(self, thaw: bool) -> None:
        if thaw:
            gc.unfreeze()
            self.thaws += 1
        gc.collect()
        gc.freeze()
        self.collections += 1
