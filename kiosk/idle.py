"""Idle watchdog: when a visitor walks away, give the screen back.

Pure state machine over a clock the caller passes in (Kivy's Clock in the
app, plain numbers in tests), so it is tested without waiting.

    ACTIVE --timeout, not on home--> PROMPTING --countdown--> (expire) ACTIVE on home
    ACTIVE --attract_after, on home--> ATTRACT
    ACTIVE --a screen's sign_out_after--> SIGN_OUT once (the screen forgets its visitor)
    any touch --> ACTIVE

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
    # s without a touch before the screen quietly forgets who signed in (a
    # passbook: the next person in line must not see it); None: never
    sign_out_after: float | None = None


DEFAULT_POLICY = IdlePolicy()


class IdleEvent(Enum):
    PROMPT = "prompt"  # show the overlay
    COUNTDOWN = "countdown"  # update the seconds left
    EXPIRE = "expire"  # clear every form, go home
    ATTRACT = "attract"  # start the attract loop
    WAKE = "wake"  # a touch ended the prompt or the attract loop
    SIGN_OUT = "sign_out"  # the screen's own policy: forget the signed-in visitor


@dataclass
class IdleWatchdog:
    timeout: float
    countdown: float
    attract_after: float
    last_activity: float = 0.0
    state: IdleState = IdleState.ACTIVE
    _prompt_started: float = 0.0
    _signed_out: bool = False  # SIGN_OUT was sent since the last touch

    def activity(self, now: float) -> IdleEvent | None:
        """A touch or key press. Returns WAKE if it ended an overlay."""
        self.last_activity = now
        self._signed_out = False
        if self.state is IdleState.ACTIVE:
            return None
        self.state = IdleState.ACTIVE
        return IdleEvent.WAKE

    def seconds_left(self, now: float) -> int:
        """Whole seconds the prompt still waits (what the overlay shows)."""
        if self.state is not IdleState.PROMPTING:
            return 0
        return max(0, math.ceil(self._prompt_started + self.countdown - now))

    def tick(self, now: float, on_home: bool, policy: IdlePolicy = DEFAULT_POLICY) -> IdleEvent | None:
        idle_for = now - self.last_activity
        if self.state is IdleState.ACTIVE:
            if policy.sign_out_after is not None and idle_for >= policy.sign_out_after \
                    and not self._signed_out:
                self._signed_out = True
                return IdleEvent.SIGN_OUT
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
