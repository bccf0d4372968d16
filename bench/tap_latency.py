"""Main-thread time from a touch's release to the next frame drawn, for every
navigation between screens and steps, against an empty Kivy screen switch
measured in the same run and window (figures only, no assertions).

    python bench/tap_latency.py [--rounds 2] [--switches 40]

The kiosk runs in the real offscreen window on the harness's fake clock (no
frame waits for the clock): each resident task of bench/flows.py to its
receipt and home again, every home tile and back, and each flow's steps
backwards with 上一步. A tap counts as a navigation when the screen or the
step's title changed. The first round builds each screen on its first visit
(the lazy screen manager): those taps are shown apart. The empty switch
(two screens with a button each, ScreenManager with NoTransition as the
kiosk's) runs half before and half after the kiosk.

The resident pauses THINK seconds of the kiosk's clock before every tap, as
people do; the kiosk runs its full garbage collections in such pauses
(kiosk/gc_pacing.py). The same tour runs again with CPython's own pacing,
which starts them wherever the heap says, and both print how many full
collections fell inside the timed taps.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from flows import TASKS, FlowError, Resident, texts_of

from kivy.base import EventLoop  # noqa: E402  (flows prepared Kivy's environment)
from kivy.core.window import Window  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402
from kivy.uix.behaviors import ButtonBehavior  # noqa: E402
from kivy.uix.button import Button  # noqa: E402
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager  # noqa: E402

from kiosk.gc_pacing import CollectionPacer  # noqa: E402
from kiosk.ui.widgets import NavBar, Tile  # noqa: E402
from tests.harness import KioskDriver, fake_clock  # noqa: E402

TARGET_MS = 16.0
THINK = 1.5  # s a resident looks before the next tap

_full_collections = [0]  # full collections so far in this process


def _count_full(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2:
        _full_collections[0] += 1


def release_to_frame(driver: KioskDriver, x: float, y: float) -> tuple[float, float]:
    """Press at (x, y), then the seconds from the release to the end of the next
    frame drawn (the window's flip included): on the wall clock, and the main
    thread's CPU time (what the kiosk's code costs, whatever else the machine runs)."""
    touch = UnitTestTouch(x, y)
    driver._in_loop(touch.touch_down)
    driver.frames(2)
    drawn = []

    def flipped(*_args):
        drawn.append(True)
    Window.bind(on_flip=flipped)
    try:
        start, start_cpu = time.perf_counter(), time.thread_time()
        driver._in_loop(touch.touch_up)
        while not drawn:
            driver.frames(1)
        elapsed = time.perf_counter() - start, time.thread_time() - start_cpu
    finally:
        Window.unbind(on_flip=flipped)
    driver.frames(3)
    return elapsed


def empty_switches(n: int) -> list[float]:
    """An empty Kivy screen switch, tapped n times in the same window."""
    EventLoop.ensure_window()
    driver = KioskDriver(None, None, fake_clock())
    manager = ScreenManager(transition=NoTransition())
    for name, other in (("a", "b"), ("b", "a")):
        screen = Screen(name=name)
        button = Button(text=name)
        button.bind(on_release=lambda _b, other=other: setattr(manager, "current", other))
        screen.add_widget(button)
        manager.add_widget(screen)
    Window.add_widget(manager)
    try:
        driver.frames(3)
        return [release_to_frame(driver, Window.width / 2, Window.height / 2) for _ in range(n)]
    finally:
        Window.remove_widget(manager)
        driver.frames(2)


class Timed(Resident):
    """The resident, timing every tap that moves to another screen or step."""

    samples: list  # (from, to, (wall, cpu) seconds, first visit)
    in_taps = 0  # full garbage collections inside the timed taps

    def where(self) -> tuple[str, str]:
        title = getattr(self.screen, "step_title", "") or ""
        return self.app.current, title.split("（")[0]  # a step, not what was picked in it

    def tap_at(self, x: float, y: float) -> None:
        self.tally_tap("keyboard" if self.on_board(x, y) else self._next_kind)
        self.advance(THINK)
        before, built = self.where(), {s.name for s in self.app.screens.screens}
        collected = _full_collections[0]
        elapsed = release_to_frame(self, x, y)
        after = self.where()
        if after != before:
            self.in_taps += _full_collections[0] - collected
            self.samples.append((before, after, elapsed, after[0] not in built))

    def nav_bar(self, text: str) -> None:
        """‹ 返回 or 首页 in the screen's navigation bar (answering a leave prompt if one asks)."""
        bars = self.find_all(lambda w: isinstance(w, NavBar))
        self.press(next(w for w in self.walk(bars[0]) if texts_of(w) == text))
        self.leave_if_asked()

    def leave_if_asked(self) -> None:
        asked = self.find_all(lambda w: isinstance(w, ButtonBehavior) and "放弃" in texts_of(w))
        if asked:
            self.press(asked[0])

    def tour(self, round_no: int) -> None:
        """One round: every task to its end and home, every tile and back, the steps backwards."""
        for task in TASKS:
            if task.variant_of:
                continue
            if "phone" in task.fields and not task.demo:  # a new resident each round (a person's daily limit)
                task = replace(task, fields={**task.fields, "phone": f"1381234{round_no:04d}"})
            self.do(task)
            if task.demo:
                for text in ("积分兑换", "‹ 返回存折", "退出登录"):
                    self.press(self.find_text(text))
                self.nav_bar("首页")
            else:
                self.press(self.find_text("完成，返回首页"))
        for tile in [t.title for t in self.find_all(lambda w: isinstance(w, Tile))]:
            self.press(self.find_text(tile))
            self.nav_bar("‹ 返回")
        for task in TASKS:
            if task.demo or task.variant_of:
                continue
            self.press(self.find_text(task.tile))
            for _step in range(3):  # forward through the options, as far as a form
                if self.fields():
                    break
                self._pick_option(list(task.prefer))
            while getattr(self.screen, "back_step", None) is not None:  # the bar's ‹ 上一步, a step back
                self.nav_bar("‹ 上一步")
            self.nav_bar("‹ 返回")


def ms(samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(len(s) * 0.95))]
    return f"p50 {statistics.median(s) * 1000:6.1f}  p95 {p95 * 1000:6.1f}  max {s[-1] * 1000:6.1f} ms"


def both(pairs: list[tuple[float, float]]) -> str:
    """Wall clock and main-thread CPU figures of (wall, cpu) samples."""
    return f"wall {ms([w for w, _ in pairs])}   CPU {ms([c for _, c in pairs])}"


def timed_tour(rounds: int, collector) -> Timed:
    with tempfile.TemporaryDirectory() as folder:
        kiosk = Timed.open(Path(folder), demo=True, collector=collector)
        kiosk.samples = []
        try:
            for round_no in range(rounds):
                kiosk.tour(round_no)
        except FlowError as exc:
            raise SystemExit(f"a flow no longer goes as bench/flows.py expects: {exc}")
        finally:
            kiosk.stop()
    return kiosk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--switches", type=int, default=40, help="empty screen switches before and after")
    args = parser.parse_args()
    gc.callbacks.append(_count_full)
    baseline = empty_switches(args.switches)
    paced = timed_tour(args.rounds, CollectionPacer())
    own = timed_tour(args.rounds, None)
    baseline += empty_switches(args.switches)
    warm = [s for s in paced.samples if not s[3]]
    cold = [s for s in paced.samples if s[3]]
    print("release of a touch → next frame drawn (flip included), main thread, 1920×1080 offscreen window;")
    print(f"the resident looks {THINK:g} s before each tap")
    print(f"  baseline, an empty Kivy screen switch, {len(baseline)} taps:")
    print(f"    {both(baseline)}")
    print(f"  kiosk, every navigation between screens and steps, {len(warm)} taps in {args.rounds} rounds:")
    print(f"    {both([s[2] for s in warm])}   target p95 ≤ {TARGET_MS:.0f} ms")
    print(f"    full garbage collections inside these taps: {paced.in_taps}")
    own_warm = [s[2] for s in own.samples if not s[3]]
    print(f"  the same tour with CPython's own collection pacing (no kiosk/gc_pacing.py), {len(own_warm)} taps:")
    print(f"    {both(own_warm)}")
    print(f"    full garbage collections inside these taps: {own.in_taps}")
    by_move: dict[str, list[tuple[float, float]]] = {}
    for before, after, pair, _first in warm:
        by_move.setdefault(f"{before[0]}·{before[1] or '-'} → {after[0]}·{after[1] or '-'}", []).append(pair)
    print("  the slowest, by their worst CPU time (wall / CPU):")
    for move, pairs in sorted(by_move.items(), key=lambda kv: -max(c for _, c in kv[1]))[:12]:
        worst = max(pairs, key=lambda p: p[1])
        print(f"    {worst[0] * 1000:7.1f} / {worst[1] * 1000:6.1f} ms  ×{len(pairs)}  {move}")
    if cold:
        print(f"  first visit of a screen (built on the way), {len(cold)} taps:  {both([s[2] for s in cold])}")
        for before, after, pair, _first in sorted(cold, key=lambda s: -s[2][1]):
            print(f"    {pair[0] * 1000:7.1f} / {pair[1] * 1000:6.1f} ms  {before[0]} → {after[0]}")


if __name__ == "__main__":
    main()
