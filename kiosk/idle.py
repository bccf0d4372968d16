"""Idle watchdog: when a visitor walks away, give the screen back.

Pure state machine over a clock the caller passes in (Kivy's Clock in the
app, plain numbers in tests), so it is tested without waiting.

    ACTIVE --timeout, not on home--> PROMPTING --countdown--> (expire) ACTIVE on home
    ACTIVE --attract_after, on home--> ATTRACT
    any touch --> ACTIVE

A screen with something personal on it (the passbook) prompts sooner, with its
own countdown: nobody is signed out without a visible warning and 继续.

Each screen declares its IdlePolicy in the registry (screens/__init__.py);
the app passes the current screen's to ``tick``, so no screen keeps a timer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class IdleState(Enum):
    ACTIVE = "active"
    PROMPTING = "prompting"  # 还需要更多时间吗？ with a countdown
    ATTRACT = "attract"  # home screen, nobody around: show the rooms


@dataclass(frozen=True)
class IdlePolicy:
    """How a screen treats a visitor who stops touching it."""
    # s without a touch before 还需要更多时间吗？, and how long it counts down;
    # None: the kiosk's idle.timeout and idle.countdown
    prompt_after: float | None = None
    countdown: float | None = None
    # what happens when nobody answers, as the prompt says it (None: the kiosk's words)
    leaving: str | None = None


DEFAULT_POLICY = IdlePolicy()


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
    _countdown: float = 0.0  # the open prompt's, from the policy it opened under

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
        return max(0, math.ceil(self._prompt_started + self._countdown - now))

    def tick(self, now: float, on_home: bool, policy: IdlePolicy = DEFAULT_POLICY) -> IdleEvent | None:
        idle_for = now - self.last_activity
        if self.state is IdleState.ACTIVE:
            timeout = self.timeout if policy.prompt_after is None else policy.prompt_after
            if not on_home and idle_for >= timeout:
                self.state = IdleState.PROMPTING
                self._prompt_started = now
                self._countdown = self.countdown if policy.countdown is None else policy.countdown
                return IdleEvent.PROMPT
            if on_home and idle_for >= self.attract_after:
                self.state = IdleState.ATTRACT
                return IdleEvent.ATTRACT
            return None
        if self.state is IdleState.PROMPTING:
            if now - self._prompt_started >= self._countdown:
                self.state = IdleState.ACTIVE
                # Home's attract timer starts from the moment we went home.
                self.last_activity = now
                return IdleEvent.EXPIRE
            return IdleEvent.COUNTDOWN
        return None
