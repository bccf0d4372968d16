"""Idle watchdog: when a visitor walks away, give the screen back.

Pure state machine over a clock the caller passes in (Kivy's Clock in the
app, plain numbers in tests), so it is tested without waiting.

    ACTIVE --timeout, not on home--> PROMPTING --countdown--> (expire) ACTIVE on home
    ACTIVE --attract_after, on home--> ATTRACT
    any touch --> ACTIVE
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class IdleState(Enum):
    ACTIVE = "active"
    PROMPTING = "prompting"  # 还需要更多时间吗？ with a countdown
    ATTRACT = "attract"  # home screen, nobody around: show the rooms


class IdleEvent(Enum):
    PROMPT = "prompt"  # show the overlay
    COUNTDOWN = "countdown"  # update the seconds left
    EXPIRE = "expire"  # clear every form, go home
    ATTRACT = "attract"  # start the attract loop
    WAKE = "wake"  # a touch ended the prompt or the attract loop


@dataclass
class IdleWatchdog:
    timeout: float
    countdown: float
    attract_after: float
    last_activity: float = 0.0
    state: IdleState = IdleState.ACTIVE
    _prompt_started: float = 0.0

    def activity(self, now: float) -> IdleEvent | None:
        """A touch or key press. Returns WAKE if it ended an overlay."""
        self.last_activity = now
        if self.state is IdleState.ACTIVE:
            return None
        self.state = IdleState.ACTIVE
        return IdleEvent.WAKE

    def seconds_left(self, now: float) -> int:
        """Whole seconds the prompt still waits (what the overlay shows)."""
        if self.state is not IdleState.PROMPTING:
            return 0
        return max(0, math.ceil(self._prompt_started + self.countdown - now))

    def tick(self, now: float, on_home: bool) -> IdleEvent | None:
        idle_for = now - self.last_activity
        if self.state is IdleState.ACTIVE:
            if not on_home and idle_for >= self.timeout:
                self.state = IdleState.PROMPTING
                self._prompt_started = now
                return IdleEvent.PROMPT
            if on_home and idle_for >= self.attract_after:
                self.state = IdleState.ATTRACT
                return IdleEvent.ATTRACT
            return None
        if self.state is IdleState.PROMPTING:
            if now - self._prompt_started >= self.countdown:
                self.state = IdleState.ACTIVE
                # Home's attract timer starts from the moment we went home.
                self.last_activity = now
                return IdleEvent.EXPIRE
            return IdleEvent.COUNTDOWN
        return None
