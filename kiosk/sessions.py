"""When a session of the center's schedule is held, open for booking and for
check-in (no Kivy). The kiosk's screens, its no-show release and the server's
push all ask here, so the kiosk and the server can never disagree on them.

A session (a study-room 场次, a picture-book activity, a counseling slot) has
a start and an end in the center document (assets/center.toml). It is *under
way* from its start to its end and *ended* after it. Check-in is open from
``checkin_before_minutes`` before the start to ``checkin_after_minutes`` after
it; once that window has closed an unchecked booking is a no-show. So a
session can be booked until its check-in window closes (or it ends, if
sooner): whoever books it can still check in, and no booking can be made that
is already late.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from kiosk.center import BookingRules, Center


def is_open_day(center: Center, day: date) -> bool:
    return day.isoweekday() not in center.rules.closed_weekdays and day not in center.rules.holidays


def weekly_entry(center: Center, kind: str, session: str | None):
    """The center's study session, picture-book session or counseling slot
    behind a session id (morning, pb0, c1), or None."""
    if kind == "study":
        return next((s for s in center.study_sessions if s.id == session), None)
    weekly, prefix = {"books": (center.book_sessions, "pb"),
                      "counseling": (center.counseling_slots, "c")}.get(kind, ((), "-"))
    number = (session or "").removeprefix(prefix)
    if not (session or "").startswith(prefix) or not number.isdigit() or int(number) >= len(weekly):
        return None
    return weekly[int(number)]


def session_times(center: Center, kind: str, day: date, session: str | None) -> tuple[datetime, datetime] | None:
    """(start, end) of that session on that day, on the center's wall clock;
    None if the center holds no such session that day (closed, a holiday,
    another weekday)."""
    entry = weekly_entry(center, kind, session)
    if entry is None or not is_open_day(center, day) or getattr(entry, "weekday", day.isoweekday()) \
            != day.isoweekday():
        return None
    return datetime.combine(day, entry.start), datetime.combine(day, entry.end)


def session_start(center: Center, kind: str, day: date, session: str | None) -> datetime | None:
    times = session_times(center, kind, day, session)
    return times[0] if times else None


def checkin_window(rules: BookingRules, starts: datetime) -> tuple[datetime, datetime]:
    """When a booking for a session starting at ``starts`` can be checked in:
    inside it, it is never released as a no-show."""
    return (starts - timedelta(minutes=rules.checkin_before_minutes),
            starts + timedelta(minutes=rules.checkin_after_minutes))


def booking_closes(center: Center, kind: str, day: date, session: str | None) -> datetime | None:
    """Until when that session can be booked (see the module's note); None if it is not held that day."""
    times = session_times(center, kind, day, session)
    if times is None:
        return None
    starts, ends = times
    return min(ends, checkin_window(center.rules, starts)[1])


def bookable(center: Center, kind: str, day: date, session: str | None, at: datetime) -> bool:
    """Whether a booking made at ``at`` (the center's wall time) may take that session."""
    closes = booking_closes(center, kind, day, session)
    return closes is not None and at < closes


def slot_serves(center: Center, session: str | None, topic: str) -> bool:
    """Whether the person of that counseling slot takes that topic (no slot: staff arrange one)."""
    if session is None:
        return True
    slot = weekly_entry(center, "counseling", session)
    return slot is not None and (not slot.topics or topic in slot.topics)
