"""The kiosk's one way to tell the time (no Kivy).

"Now" is the center's wall clock in the center's own time zone (the center
document's ``timezone``), never the machine's: a kiosk left on UTC would
otherwise run 8 hours off. What is newly written takes one form, ISO 8601 to
the second with its offset (2026-12-02T09:30:00+08:00); ``read`` also takes
the forms stored before (naive local time, UTC with milliseconds, SQLite's
``datetime('now')``). Stamps are written in the center's zone, so old naive
local stamps and new ones still sort and compare as text (``updated_at >
lifted_at``, ``substr(created_at, 1, 10) = today``): no table is rewritten.

A clock that jumps (someone sets it, a dead RTC battery, a bad NTP answer)
must not release bookings as no-shows: ``ClockWatch`` compares the wall clock
with the monotonic clock between ticks and with the server's ``Date`` header
when online, and records a pause that the release honours until the server
confirms the clock or staff resume it with a reason.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.validation import FieldError, validate_note

DEFAULT_ZONE = "Asia/Shanghai"
# Between two ticks the wall clock may drift from the monotonic one by what NTP
# slews (well under a second a minute); more than this was a step, not drift.
JUMP_SECONDS = 120.0
# The server's Date has 1 s resolution and the request takes a while; an NTP-kept
# kiosk is within a second of it, so minutes of difference mean a wrong clock.
SERVER_SKEW_SECONDS = 300.0
PAUSE_KEY = "no_show_release_paused"  # meta: why the automatic release waits (JSON)
RESUMED_KEY = "no_show_release_resumed"  # meta: who resumed it last, when and why (JSON)
LAST_TICK_KEY = "clock_last_tick"  # meta: the latest wall time this kiosk has seen


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


DEFAULT_TZ = zone(DEFAULT_ZONE)


def wall(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """The center's wall-clock time, naive (what the schedule is written in).
    A naive ``moment`` is taken to be that already."""
    return moment.astimezone(tz).replace(tzinfo=None) if moment.tzinfo else moment


def aware(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """``moment`` in the center's zone; a naive one is the center's wall time."""
    return moment.astimezone(tz) if moment.tzinfo else moment.replace(tzinfo=tz)


def stamp(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """The one form a newly written timestamp takes: 2026-12-02T09:30:00+08:00."""
    return aware(moment, tz).isoformat(timespec="seconds")


def read(text: str, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """Any timestamp the kiosk or the server has stored, as an aware datetime:
    with an offset (any precision, ``Z``); ISO without one (the kiosk's older
    naive local time); SQLite's ``datetime('now')``, ``2026-12-02 01:30:00``,
    which is UTC. ValueError for anything else."""
    text = text.strip()
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        return moment
    if len(text) > 10 and text[10] == " ":  # datetime('now') and CURRENT_TIMESTAMP: UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.replace(tzinfo=tz)


class CenterClock:
    """The center's clock: ``now()`` aware in the center's zone. The sources are
    attributes so a test can move the wall clock and the monotonic one apart."""

    def __init__(self, tz: ZoneInfo = DEFAULT_TZ, source: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic):
        self.tz, self.source, self.monotonic = tz, source, monotonic

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.source(), self.tz)

    __call__ = now  # a service's ``now`` callable

    def wall(self) -> datetime:
        return wall(self.now(), self.tz)

    def stamp(self) -> str:
        return stamp(self.now(), self.tz)


class WallClock:
    """A service's clock: calling it gives the center's wall time, naive (the frame
    the schedule is in); ``stamp()`` the same moment in the one stored form.
    ``now``: a CenterClock by default; a test's clock giving naive times gives
    the center's wall time."""

    def __init__(self, now: Callable[[], datetime] | None = None, tz: ZoneInfo | None = None):
        self.source = now or CenterClock(tz or DEFAULT_TZ)
        self._tz = tz

    @property
    def tz(self) -> ZoneInfo:
        return self._tz or getattr(self.source, "tz", DEFAULT_TZ)  # the center's clock may change zone

    def __call__(self) -> datetime:
        return wall(self.source(), self.tz)

    def stamp(self) -> str:
        return stamp(self(), self.tz)


@dataclass(frozen=True)
class Jump:
    seconds: float  # how far the wall clock moved against its reference (+ ahead)
    source: str  # "monotonic" or "server"


def jump_words(seconds: float) -> str:
    """6 天 2 小时, 15 分钟: how far, in words for staff."""
    left = abs(int(seconds))
    days, left = divmod(left, 86400)
    hours, left = divmod(left, 3600)
    minutes = left // 60
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "",
             f"{minutes} 分钟" if minutes and not days else ""]
    return " ".join(p for p in parts if p) or f"{abs(int(seconds))} 秒"


class ClockWatch:
    """Watches one kiosk's clock and keeps the release's pause in the store's meta
    (so it survives a restart and the sync thread's connection sees it too)."""

    def __init__(self, store, clock: CenterClock):
        self.store, self.clock = store, clock
        self._last: tuple[float, float] | None = None  # (wall, monotonic) at the last tick

    def tick(self) -> Jump | None:
        """Compare the wall clock's progress with the monotonic clock's since the
        last tick; a jump pauses the release. The first tick compares with the
        latest time this kiosk saw before: a clock now earlier than that went back."""
        wall_now, mono_now = self.clock.source(), self.clock.monotonic()
        found = None
        if self._last is None:
            seen = self.store.get_meta(LAST_TICK_KEY)
            if seen and wall_now < float(seen) - JUMP_SECONDS:
                found = Jump(wall_now - float(seen), "monotonic")
        else:
            drift = (wall_now - self._last[0]) - (mono_now - self._last[1])
            if abs(drift) > JUMP_SECONDS:
                found = Jump(drift, "monotonic")
        self._last = (wall_now, mono_now)
        if found is not None:
            self.pause(found)
            self.store.set_meta(LAST_TICK_KEY, repr(wall_now))  # going back is the new normal
        else:
            seen = self.store.get_meta(LAST_TICK_KEY)
            if not seen or wall_now > float(seen):
                self.store.set_meta(LAST_TICK_KEY, repr(wall_now))
        return found

    def server_date(self, header: str | None) -> Jump | None:
        """The server's HTTP Date against this kiosk's wall clock (the sync client
        calls this with each answer). Far apart: the release pauses; close: the
        server confirms the clock and a pause is lifted (the server keeps time)."""
        try:
            server = parsedate_to_datetime(header).timestamp() if header else None
        except (TypeError, ValueError):
            server = None
        if server is None:
            return None
        skew = self.clock.source() - server
        if abs(skew) > SERVER_SKEW_SECONDS:
            found = Jump(skew, "server")
            self.pause(found)
            return found
        if self.paused() is not None:
            self._resume("server", "服务器时间确认本机时钟正确")
        return None

    def pause(self, found: Jump) -> None:
        self.store.set_meta(PAUSE_KEY, json.dumps(
            {"at": self.clock.stamp(), "seconds": round(found.seconds), "source": found.source}))

    def paused(self) -> dict | None:
        """Why the release waits ({"at", "seconds", "source"}), or None."""
        return release_paused(self.store)

    def notice(self) -> str | None:
        """The notice staff see on 同步 while the release waits."""
        pause = self.paused()
        if pause is None:
            return None
        ahead, how_far = pause["seconds"] > 0, jump_words(pause["seconds"])
        what = (f"本机时钟比服务器时间{'快' if ahead else '慢'} {how_far}" if pause["source"] == "server"
                else f"本机时钟突然拨{'快' if ahead else '慢'}了 {how_far}")
        try:
            at = f"（{read(pause['at'], self.clock.tz):%m-%d %H:%M} 发现）"
        except ValueError:
            at = ""
        return (f"{what}{at}，"
                "已暂停自动释放未签到的预约。请核对时间（应开启网络校时），再恢复自动释放。")

    def resume(self, staff_id: str, reason: str) -> None:
        """Staff checked the clock: the release may run again. ``reason`` required."""
        text = (reason or "").strip()
        if not text:
            raise FieldError("reason", "请写明恢复的原因，例如：已核对时间")
        self._resume(staff_id, validate_note(text, "reason", limit=100))

    def _resume(self, by: str, reason: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM meta WHERE key = ?", [PAUSE_KEY])
            db["meta"].upsert({"key": RESUMED_KEY, "value": json.dumps(
                {"at": self.clock.stamp(), "by": by, "reason": reason}, ensure_ascii=False)}, pk="key")
        self._last = None  # the next tick starts afresh from the clock as it is now


def release_paused(store) -> dict | None:
    """Whether the automatic no-show release waits for a clock that jumped."""
    raw = store.get_meta(PAUSE_KEY)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:  # a damaged value still means "wait"
        return {"at": "", "seconds": 0, "source": "monotonic"}
