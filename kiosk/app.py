"""The Kivy App: status bar over a lazily built screen manager, the idle
watchdog, and app-wide state as Kivy properties that the .kv files bind to.

Kivy-free parts (config, center data, store, idle state machine) are passed
in, so tests and the screenshot tool build the same app with other data.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from functools import cached_property

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import (
    AliasProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty)

from kiosk import retention
from kiosk.center import PUBLISHED_KEY, WEEKDAYS, Center, effective_center
from kiosk.clock import CenterClock, ClockWatch
from kiosk.config import KioskConfig
from kiosk.gc_pacing import CollectionPacer
from kiosk.idle import DEFAULT_POLICY, IdleEvent, IdlePolicy, IdleState, IdleWatchdog
from kiosk.staff_session import expired as staff_expired
from kiosk.store import Store
from kiosk.ui import theme as th
from kiosk.ui.crash import CrashGuard
from kiosk.ui.fonts import register_fonts
from kiosk.ui.power import PowerSaver
from kiosk.speech.worker import SpeechWorker
from kiosk.ui.screens import LazyScreenManager
from kiosk.ui.speaker import Speaker
from kiosk.ui.textures import forget_texts
from kiosk.ui.theme import theme
from kiosk.ui.widgets import StaffBanner, StatusBar, Surface
from screens import BY_NAME, build_screen

register_fonts()

IDLE_TICK_SECONDS = 0.5
RELEASE_SECONDS = 60  # how often seats not checked in are released
CLOCK_TICK_SECONDS = 1.0

SYNC_WORDS = {
    "standalone": "未连接服务器",
    "offline": "网络未连接",
    "unauthorized": "终端未授权，请联系管理员",  # the server refused this kiosk's token (401)
    "online": "已联网",
    "syncing": "正在同步",
}
SYNC_COLORS = {"standalone": th.TEXT_MUTED, "offline": th.WARN, "unauthorized": th.WARN, "online": th.OK,
               "syncing": th.OK}


def format_now(now: datetime) -> str:
    return f"{now.month}月{now.day}日 {WEEKDAYS[now.weekday()]} {now:%H:%M}"


class KioskApp(App):
    title = "柳邻惠"
    center = ObjectProperty(None)
    now_text = StringProperty("")
    # Fed by the sync worker (issue: sync) through Clock; standalone until then.
    sync_state = OptionProperty("standalone", options=list(SYNC_WORDS))
    pending = NumericProperty(0)
    last_sync = StringProperty("")  # HH:MM of the last successful sync
    history = ListProperty()  # screen names behind the current one, for 返回
    current = StringProperty("home")
    # The open staff mode (kiosk.staff_session.StaffSession), or None
    staff = ObjectProperty(None, allownone=True)

    def __init__(self, settings: KioskConfig, center: Center, store: Store,
                 collector: CollectionPacer | None = None, **kwargs):
        super().__init__(**kwargs)
        # full garbage collections in quiet moments, not inside a tap (None: CPython's own)
        self.collector = collector
        self.settings = settings
        self.center = center
        self.store = store
        # the center's clock, not the machine's zone; the watch pauses the no-show release on a jump
        self.clock = store.clock = CenterClock(center.tz)
        self.clock_watch = ClockWatch(store, self.clock)
        self.watchdog = IdleWatchdog(settings.idle_timeout, settings.idle_countdown,
                                     settings.attract_after)
        self._keyboard = None
        self.prompt = None  # the IdlePrompt overlay while it is open
        self.attract = None  # the AttractLoop overlay while it is open
        self._events = []
        self._banner = None
        self._duty_refused = None  # the staff mode whose member the server did not accept

    # -- properties the status bar shows -------------------------------------
    def _get_brand_line(self) -> str:
        return f"{self.center.brand} · {self.center.name}" if self.center else ""

    brand_line = AliasProperty(_get_brand_line, bind=["center"], cache=True)

    def _get_sync_text(self) -> str:
        words = SYNC_WORDS[self.sync_state]
        if self.pending:
            return f"{words} · 待同步 {self.pending} 条"
        return f"{words} · {self.last_sync} 已同步" if self.last_sync else words

    sync_text = AliasProperty(_get_sync_text, bind=["sync_state", "pending", "last_sync"], cache=True)

    def _get_sync_color(self):
        return SYNC_COLORS[self.sync_state]

    sync_color = AliasProperty(_get_sync_color, bind=["sync_state"], cache=True)

    # -- life cycle ------------------------------------------------------------
    def build(self):
        theme.elder = False
        # 朗读: shipped clips at once, the rest from a worker process started on first need
        self.speaker = Speaker(worker=SpeechWorker(self.settings.data_dir / "speech"),
                               volume=self.settings.speech_volume)
        self.screens = LazyScreenManager(factory=build_screen)
        root = Surface(orientation="vertical", bg_color=th.BG)
        self.status_bar = StatusBar(app=self)
        root.add_widget(self.status_bar)
        root.add_widget(self.screens)
        self.screens.show("home")
        self.pending = self.store.pending_count()
        self.sync_state = "offline" if self.settings.server_url else "standalone"
        self._update_clock()
        return root

    def on_start(self) -> None:
        self.crash_guard = CrashGuard(self)  # an unexpected error goes home, not down
        self.crash_guard.install()
        self.power = PowerSaver(Clock)
        self.watchdog.activity(Clock.get_time())
        # opening the sound device waits for the first frame: 朗读 appears a frame later
        Clock.schedule_once(lambda _dt: self.speaker.probe(), 0)
        if self.collector is not None:
            self.collector.start()
        self._events = [
            Clock.schedule_interval(self._idle_tick, IDLE_TICK_SECONDS),
            Clock.schedule_interval(self._update_clock, CLOCK_TICK_SECONDS),
            Clock.schedule_interval(self._release_no_shows, RELEASE_SECONDS),
            Clock.schedule_interval(retention.daily(self.store, lambda: self.center, self.clock), retention.CHECK_EVERY),
        ]
        Window.bind(on_touch_down=self._on_touch_down, on_touch_move=self._on_activity,
                    on_key_down=self._on_activity)
        self.sync_worker = None
        if self.settings.server_url and self.settings.server_token:
            from sync.worker import SyncWorker
            self.sync_worker = SyncWorker(self.settings.db_path, self.settings.server_url,
                                          self.settings.server_token, self._sync_report)
            self.sync_worker.start()

    def on_stop(self) -> None:
        self.crash_guard.remove()
        self.speaker.stop()
        self.speaker.worker.stop()
        if self.collector is not None:
            self.collector.stop()
        if getattr(self, "sync_worker", None) is not None:
            self.sync_worker.stop()
        self.power.wake()
        for event in self._events:
            event.cancel()
        self._events = []
        Window.unbind(on_touch_down=self._on_touch_down, on_touch_move=self._on_activity,
                      on_key_down=self._on_activity)
        self._close_overlays()
        if self._keyboard is not None:
            self._keyboard.release()

    # Services over this kiosk's store, made on first use (not needed for
    # the first frame). Tests may put their own in place.
    @cached_property
    def bookings(self):
        from kiosk.bookings import Bookings
        return Bookings(self.store, self.center, now=self.clock)

    @cached_property
    def wishes(self):
        from kiosk.wishes import Wishes
        return Wishes(self.store, now=self.clock)

    @cached_property
    def passbook(self):
        from kiosk.passbook import Passbook
        link = None
        if self.settings.server_url:  # the server checks PINs when it answers (counted center-wide)
            from sync.client import ServerLink
            link = ServerLink(self.settings.server_url, self.settings.server_token, timeout=5)
        return Passbook(self.store, now=self.clock, server=link)

    @cached_property
    def staff_desk(self):
        from kiosk.staff_session import StaffDesk
        return StaffDesk(self.store, now=self.clock)

    # -- staff mode ------------------------------------------------------------
    def enter_staff(self, session) -> None:
        """Staff mode opens: what is made from now on is made by them (代办),
        signed for the server (Store.acting), and the banner says so."""
        self.staff = session
        self.store.acting = session.signer
        for screen in self.screens.built_screens():
            screen.reset()  # each resident screen starts afresh, as staff mode shows it (代办)
        forget_texts()
        if self._banner is None:
            self._banner = StaffBanner()
            self.root.add_widget(self._banner, index=self.root.children.index(self.screens) + 1)
        self.history = []
        self._show("staff_home")

    def exit_staff(self) -> None:
        """Staff mode ends (退出, 2 minutes without a touch, the idle reset):
        every screen forgets what was on it, and the kiosk is the residents' again."""
        if self.staff is None:
            return
        self.staff = None
        self.store.acting = None
        if self._banner is not None:
            self.root.remove_widget(self._banner)
            self._banner = None
        self.speaker.stop()
        for screen in self.screens.built_screens():
            screen.reset()
        forget_texts()
        self.go_home()

    def open_staff_signin(self) -> None:
        """A long press on the center's name (the entry residents do not see)."""
        if self.staff is None:
            self.go("staff_signin")

    @property
    def keyboard(self):
        """The on-screen keyboard dock, made on first use (not needed for the
        first frame): it sits under the screen and takes space from it."""
        if self._keyboard is None:
            from kiosk.ime.engine import PinyinEngine
            from kiosk.ime.learn import LearnedWords
            from kiosk.ui.textentry import KeyboardDock
            self._keyboard = KeyboardDock(engine=PinyinEngine(learner=LearnedWords(self.store)))
            self.root.add_widget(self._keyboard)
        return self._keyboard

    # -- navigation ------------------------------------------------------------
    def go(self, name: str) -> None:
        if name != self.current:
            self.history.append(self.current)
            self._show(name)

    def back(self) -> None:
        self._show(self.history.pop() if self.history else "home")

    def go_home(self) -> None:
        self.history = []
        self._show("home")

    def _show(self, name: str) -> None:
        # The route guard: the one place that keeps staff screens from residents.
        spec = BY_NAME.get(name)  # None: a page outside the registry (the entry preview)
        if spec is not None and spec.staff and self.staff is None:
            name = "home"
        if self._keyboard is not None:
            self._keyboard.close()
        self.screens.show(name)
        self.current = name

    def reset_all(self) -> None:
        """A visitor walked away: clear every form, leave nothing of theirs."""
        for screen in self.screens.built_screens():
            screen.reset()
        forget_texts()
        theme.elder = False

    # -- idle watchdog -----------------------------------------------------------
    def read_aloud(self) -> None:
        """朗读: the current screen's prompt and errors, from the start (again)."""
        self.speaker.say(self.screens.current_screen.said())

    def _on_touch_down(self, _window, touch):
        if self.speaker.speaking and not self._on_read_button(touch):
            self.speaker.stop()  # a tap elsewhere: the visitor has moved on
        self.power.wake()
        woke = self.watchdog.activity(Clock.get_time())
        if woke is IdleEvent.WAKE:
            self._close_overlays()
            return True  # this touch only woke the kiosk; it must not press what is under it
        return False

    def _on_read_button(self, touch) -> bool:
        button = self.status_bar.ids.read_aloud
        return button.collide_point(*button.to_widget(*touch.pos))

    def _on_activity(self, *_args):
        self.power.wake()
        if self.watchdog.activity(Clock.get_time()) is IdleEvent.WAKE:
            self._close_overlays()
        return False

    def idle_continue(self) -> None:
        self.watchdog.activity(Clock.get_time())
        self._close_overlays()

    def _idle_tick(self, _dt) -> None:
        now = Clock.get_time()
        self.power.update(now - self.watchdog.last_activity)
        if self.collector is not None:
            self.collector.tick(now - self.watchdog.last_activity,
                                nobody_there=self.watchdog.state is IdleState.ATTRACT)
        if self.staff is not None and staff_expired(now - self.watchdog.last_activity):
            self.exit_staff()
        policy = self._idle_policy()
        event = self.watchdog.tick(now, on_home=self.current == "home", policy=policy)
        if event in (IdleEvent.PROMPT, IdleEvent.ATTRACT):
            # Loaded on first use: it is not needed for the first frame.
            from kiosk.ui.overlays import AttractLoop, IdlePrompt
        if event is IdleEvent.PROMPT:
            self.prompt = IdlePrompt(seconds_left=self.watchdog.seconds_left(now),
                                     **({"leaving": policy.leaving} if policy.leaving else {}))
            self.prompt.open()
        elif event is IdleEvent.COUNTDOWN and self.prompt is not None:
            self.prompt.seconds_left = self.watchdog.seconds_left(now)
        elif event is IdleEvent.EXPIRE:
            self._close_overlays()
            self.exit_staff()
            self.reset_all()
            self.go_home()
        elif event is IdleEvent.ATTRACT:
            forget_texts()  # nobody is there: what the last visitors saw is not kept
            self.attract = AttractLoop(rooms=list(self.center.rooms))
            self.attract.open()

    def _idle_policy(self) -> IdlePolicy:
        spec = BY_NAME.get(self.current)
        return spec.idle if spec is not None else DEFAULT_POLICY

    def _close_overlays(self) -> None:
        for overlay in (self.prompt, self.attract):
            if overlay is not None:
                overlay.dismiss()
        self.prompt = self.attract = None

    @property
    def idle_state(self) -> IdleState:
        return self.watchdog.state

    def refresh_pending(self) -> None:
        """After a write: the status bar's 待同步 count, and sync it soon."""
        self.pending = self.store.pending_count()
        self.sync_now()

    def sync_now(self) -> bool:
        """Wake the sync worker; False when this kiosk has no server configured."""
        if getattr(self, "sync_worker", None) is None:
            return False
        self.sync_worker.nudge()
        return True

    def in_background(self, work, done) -> None:
        """Run work() on a thread of its own and hand done(result, error) to the UI
        thread (Electrum's pattern): the screen keeps answering touches meanwhile."""
        def run():
            try:
                result, error = work(), None
            except Exception as exc:  # noqa: BLE001  (the screen says what it means)
                result, error = None, exc
            Clock.schedule_once(lambda _dt: done(result, error))
        threading.Thread(target=run, name="background", daemon=True).start()

    @cached_property
    def desk_reads(self):
        """The desk's reads from the server in staff mode; None when standalone."""
        if not self.settings.server_url:
            return None
        from kiosk.desk_reads import DeskReads
        return DeskReads(self.settings.server_url, self.settings.server_token)

    def ask_duty_today(self, which: str, done):
        """Ask the server for every kiosk's bookings of today as the on-duty staff
        member (kiosk/desk_reads.py); done(DeskAnswer) on the UI thread, and only
        while that same staff mode is open. Returns what to show meanwhile."""
        from kiosk.desk_reads import ASKING, FAILED, REFUSED, STANDALONE
        session = self.staff
        if self.desk_reads is None or session is None:
            return STANDALONE
        if self._duty_refused is session:
            return REFUSED

        def answered(answer, error):
            if self.staff is not session:
                return  # staff mode ended meanwhile: nothing of it is shown
            answer = answer or FAILED
            if answer.refused:
                self._duty_refused = session
            done(answer)
        self.in_background(lambda: self.desk_reads.today(session.signer, which), answered)
        return ASKING

    def _sync_report(self, status: dict) -> None:
        """Called on the sync thread: hand the news to the UI thread."""
        Clock.schedule_once(lambda _dt: self._show_sync(status))

    def _show_sync(self, status: dict) -> None:
        self.sync_state = status["state"]
        self.pending = status["pending"]
        if status["last_sync"] is not None:
            self.last_sync = f"{status['last_sync']:%H:%M}"
        if "center" in status.get("changed", ()):
            self.reload_center()

    def reload_center(self) -> None:
        """The office published new schedules or closures: bookings follow
        them from the next screen a visitor opens."""
        self.center = effective_center(self.center, self.store.get_meta(PUBLISHED_KEY))
        self.clock.tz = self.center.tz
        self.__dict__.pop("bookings", None)  # the cached service was built on the old center

    def _release_no_shows(self, _dt) -> None:
        try:
            self.clock_watch.tick()  # a jump since the last tick pauses the release below
            with self.store.unattended():  # the kiosk's own doing, not the staff member's
                released = self.bookings.release_no_shows()
            if released:
                self.refresh_pending()
        except Exception:  # a database hiccup must never stop the kiosk
            logging.getLogger("kiosk").exception("releasing no-shows failed")

    # -- status bar clock ----------------------------------------------------------
    def _update_clock(self, *_args) -> None:
        text = format_now(self.clock.wall())
        if text != self.now_text:  # redraw only when the minute changes
            self.now_text = text


def launch(settings: KioskConfig, center: Center, store: Store, screenshots=None, elder: bool = False,
           first_frame: bool = False, only: frozenset[str] | None = None) -> int:
    """Run the kiosk (the CLI has checked configuration, data and display).
    With ``screenshots`` render every view there and stop; with
    ``first_frame`` stop at the first frame (bench/startup.py). Returns how
    many screenshots were written."""
    app = KioskApp(settings=settings, center=center, store=store, collector=CollectionPacer())
    tour = None
    if screenshots is not None:
        from kiosk.ui.tour import ScreenshotTour
        tour = ScreenshotTour(app, screenshots, elder=elder, only=only)
        app.bind(on_start=lambda *_: tour.start())
    if first_frame:
        def on_flip(*_args):
            Window.unbind(on_flip=on_flip)
            print(f"first_frame {time.perf_counter():.4f}", flush=True)
            app.stop()
        Window.bind(on_flip=on_flip)
    app.run()
    return len(tour.written) if tour else 0
