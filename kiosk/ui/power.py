"""Lower the frame rate while nobody is touching the kiosk.

Kivy's loop wakes up maxfps times a second even when nothing changes. The
kiosk stands idle most of the day, so after a few seconds without a touch it
polls at a few frames a second; the next touch restores full speed (the
first touch is seen at most 1/idle_fps s late).
"""
from __future__ import annotations


class PowerSaver:
    def __init__(self, clock, idle_fps: float = 8.0, after: float = 5.0):
        # Kivy 2.3 reads the cap from Clock._max_fps on every frame; it is
        # the only run-time knob (Config's maxfps is read once at start-up).
        self.clock = clock
        self.active_fps = clock._max_fps
        self.idle_fps = idle_fps
        self.after = after

    @property
    def enabled(self) -> bool:
        # An uncapped loop (maxfps 0, as in tests driving frames by hand) is
        # left alone: capping it would make those frames sleep.
        return self.active_fps > 0

    def update(self, idle_for: float) -> None:
        if not self.enabled:
            return
        wanted = self.idle_fps if idle_for >= self.after else self.active_fps
        if self.clock._max_fps != wanted:
            self.clock._max_fps = wanted

    def wake(self) -> None:
        self.update(0.0)
