"""The center's description (assets/center.toml): rooms, hours, sessions.

Read once at start-up into frozen dataclasses; a malformed file is refused
with a message that names the entry, so a typo never reaches the screen.
"""
from __future__ import annotations

import json

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.clock import DEFAULT_ZONE, zone
from kiosk.tomlfile import read_toml

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")  # weekday 1..7


class CenterDataError(ValueError):
    pass


@dataclass(frozen=True)
class WeeklyEvent:
    weekday: int  # 1 = Monday ... 7 = Sunday, as people say it
    text: str

    @property
    def label(self) -> str:
        return f"每{WEEKDAYS[self.weekday - 1]}：{self.text}"


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    badge: str  # one character drawn as the room's emblem
    summary: str
    offers: tuple[str, ...]
    hours: str
    weekly: tuple[WeeklyEvent, ...] = ()


@dataclass(frozen=True)
class Session:
    id: str
    name: str
    start: time
    end: time


@dataclass(frozen=True)
class PictureBookSession:
    weekday: int
    start: time
    end: time
    theme: str
    places: int


@dataclass(frozen=True)
class CounselingSlot:
    weekday: int
    start: time
    end: time
    counselor: str  # who the resident meets, as the slot says it
    topics: tuple[str, ...] = ()  # the topics this person takes; empty: every topic


@dataclass(frozen=True)
class TopicWording:
    """How the kiosk words a counseling topic for residents; the topic's own
    name (the center's service) is what is stored and what the office sees."""
    topic: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class BookingRules:
    window_days: int = 7
    sessions_per_day: int = 2
    checkin_before_minutes: int = 15
    checkin_after_minutes: int = 30
    no_show_limit: int = 3
    no_show_block_days: int = 14
    waitlist: int = 10  # families who may wait for a full picture-book session
    closed_weekdays: tuple[int, ...] = ()
    holidays: tuple[date, ...] = ()


# bookings.blocked_until counts a phone's no-shows this far back: a kiosk must keep
# the phone of a booking at least this long after its day
NO_SHOW_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept ([retention] of the center document; PIPL:
    no longer than its purpose needs). The non-personal facts the ledgers count
    (kind, day, session, seat, status, topic, category) are kept."""
    outbox_days: int = 7  # kiosk: how long an outbox row the server has is kept
    booking_days: int = NO_SHOW_WINDOW_DAYS  # kiosk: after a booking's day, its names, phone, age, note go
    wish_days: int = 30  # kiosk: a fulfilled or declined wish keeps the wall's 张** only, after it was written
    server_booking_days: int = 180  # server: the same, after the office's follow-up and questions
    server_wish_days: int = 180  # server: a fulfilled or declined wish's name and phone, after it was written


@dataclass(frozen=True)
class Center:
    name: str
    brand: str
    slogan: str
    district: str
    address: str
    hours: str
    help: str
    rooms: tuple[Room, ...]
    study_seats: int
    study_sessions: tuple[Session, ...]
    book_min_age: int
    book_max_age: int
    book_sessions: tuple[PictureBookSession, ...]
    counseling_topics: tuple[str, ...]
    counseling_slots: tuple[CounselingSlot, ...] = ()
    counseling_wording: tuple[TopicWording, ...] = ()
    rules: BookingRules = BookingRules()
    points_per_hour: int = 10  # 志愿积分 a volunteer earns for an hour of service
    retention: Retention = Retention()
    timezone: str = DEFAULT_ZONE  # the center's clock (IANA name), whatever the machine is set to

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def topic_words(self, topic: str) -> TopicWording:
        return next((w for w in self.counseling_wording if w.topic == topic), TopicWording(topic, topic))

    def room(self, room_id: str) -> Room:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise KeyError(room_id)


def _get(table: dict, key: str, kind: type, where: str):
    value = table.get(key) if isinstance(table, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise CenterDataError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise CenterDataError(f"{where}.{key} must not be empty")
    return value


def _time(table: dict, key: str, where: str) -> time:
    text = _get(table, key, str, where)
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CenterDataError(f"{where}.{key}: {text!r} is not a time like 08:30") from None


def _weekday(table: dict, where: str) -> int:
    day = _get(table, "weekday", int, where)
    if not 1 <= day <= 7:
        raise CenterDataError(f"{where}.weekday must be 1 (Monday) to 7 (Sunday), got {day}")
    return day


def _room(t: dict, i: int) -> Room:
    where = f"rooms[{i}]"
    badge = _get(t, "badge", str, where)
    if len(badge) != 1:
        raise CenterDataError(f"{where}.badge must be one character, got {badge!r}")
    return Room(
        id=_get(t, "id", str, where),
        name=_get(t, "name", str, where),
        badge=badge,
        summary=_get(t, "summary", str, where),
        offers=tuple(str(x) for x in _get(t, "offers", list, where)),
        hours=_get(t, "hours", str, where),
        weekly=tuple(
            WeeklyEvent(_weekday(w, f"{where}.weekly[{j}]"), _get(w, "text", str, f"{where}.weekly[{j}]"))
            for j, w in enumerate(t.get("weekly", []))
        ),
    )


def parse_center(data: dict) -> Center:
    c = _get(data, "center", dict, "file")
    study = _get(data, "study_room", dict, "file")
    books = _get(data, "picture_books", dict, "file")
    counseling = _get(data, "counseling", dict, "file")
    rooms = tuple(_room(t, i) for i, t in enumerate(_get(data, "rooms", list, "file")))
    if len({r.id for r in rooms}) != len(rooms):
        raise CenterDataError("rooms: two rooms share an id")
    sessions = []
    for i, s in enumerate(_get(study, "sessions", list, "study_room")):
        where = f"study_room.sessions[{i}]"
        session = Session(_get(s, "id", str, where), _get(s, "name", str, where),
                          _time(s, "start", where), _time(s, "end", where))
        if session.end <= session.start:
            raise CenterDataError(f"{where}: end must be after start")
        sessions.append(session)
    book_sessions = []
    for i, s in enumerate(_get(books, "sessions", list, "picture_books")):
        where = f"picture_books.sessions[{i}]"
        book_sessions.append(PictureBookSession(
            _weekday(s, where), _time(s, "start", where), _time(s, "end", where),
            _get(s, "theme", str, where), _get(s, "places", int, where)))
    min_age = _get(books, "min_age", int, "picture_books")
    max_age = _get(books, "max_age", int, "picture_books")
    if not 0 <= min_age <= max_age:
        raise CenterDataError("picture_books: min_age must not exceed max_age")
    topics = tuple(str(t) for t in _get(counseling, "topics", list, "counseling"))
    slots = tuple(
        CounselingSlot(_weekday(t, f"counseling.slots[{i}]"), _time(t, "start", f"counseling.slots[{i}]"),
                       _time(t, "end", f"counseling.slots[{i}]"),
                       _get(t, "counselor", str, f"counseling.slots[{i}]"),
                       _topics(t, topics, f"counseling.slots[{i}]"))
        for i, t in enumerate(counseling.get("slots", [])))
    return Center(
        timezone=_timezone(c),
        counseling_slots=slots,
        counseling_wording=_wording(counseling.get("wording", {}), topics),
        rules=_rules(data.get("bookings", {})),
        points_per_hour=_points_per_hour(data.get("volunteers", {})),
        retention=_retention(data.get("retention", {})),
        name=_get(c, "name", str, "center"),
        brand=_get(c, "brand", str, "center"),
        slogan=_get(c, "slogan", str, "center"),
        district=_get(c, "district", str, "center"),
        address=_get(c, "address", str, "center"),
        hours=_get(c, "hours", str, "center"),
        help=_get(c, "help", str, "center"),
        rooms=rooms,
        study_seats=_get(study, "seats", int, "study_room"),
        study_sessions=tuple(sessions),
        book_min_age=min_age,
        book_max_age=max_age,
        book_sessions=tuple(book_sessions),
        counseling_topics=topics,
    )


def _topics(slot: dict, known: tuple[str, ...], where: str) -> tuple[str, ...]:
    topics = slot.get("topics", [])
    if not isinstance(topics, list) or any(t not in known for t in topics):
        raise CenterDataError(f"{where}.topics: each must be one of counseling.topics, got {topics!r}")
    return tuple(topics)


def _wording(table: dict, known: tuple[str, ...]) -> tuple[TopicWording, ...]:
    if not isinstance(table, dict):
        raise CenterDataError("counseling.wording: expected a table of topics")
    words = []
    for topic, t in table.items():
        where = f"counseling.wording.{topic}"
        if topic not in known:
            raise CenterDataError(f"{where}: not one of counseling.topics")
        hint = t.get("hint", "") if isinstance(t, dict) else None
        if not isinstance(hint, str):
            raise CenterDataError(f"{where}.hint: expected str, got {hint!r}")
        words.append(TopicWording(topic, _get(t, "label", str, where), hint))
    return tuple(words)


def _rules(t: dict) -> BookingRules:
    values = {}
    for key in ("window_days", "sessions_per_day", "checkin_before_minutes",
                "checkin_after_minutes", "no_show_limit", "no_show_block_days", "waitlist"):
        if key in t:
            value = _get(t, key, int, "bookings")
            if value < 0:
                raise CenterDataError(f"bookings.{key} must not be negative")
            values[key] = value
    days = t.get("closed_weekdays", [])
    if not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        raise CenterDataError("bookings.closed_weekdays: weekdays are 1 (Monday) to 7 (Sunday)")
    try:
        holidays = tuple(date.fromisoformat(str(d)) for d in t.get("holidays", []))
    except ValueError:
        raise CenterDataError("bookings.holidays: dates look like 2027-02-17") from None
    return BookingRules(**values, closed_weekdays=tuple(days), holidays=holidays)


def _points_per_hour(t: dict) -> int:
    if "points_per_hour" not in t:
        return Center.points_per_hour
    rate = _get(t, "points_per_hour", int, "volunteers")
    if not 1 <= rate <= 1000:
        raise CenterDataError("volunteers.points_per_hour must be 1 to 1000")
    return rate


def _timezone(c: dict) -> str:
    if "timezone" not in c:
        return DEFAULT_ZONE
    name = _get(c, "timezone", str, "center")
    try:
        zone(name)
    except ValueError:
        raise CenterDataError(f"center.timezone: {name!r} is not a time zone like Asia/Shanghai") from None
    return name


def _retention(t: dict) -> Retention:
    if not isinstance(t, dict):
        raise CenterDataError("retention: expected a table of days")
    values = {}
    for key, least in (("outbox_days", 1), ("booking_days", NO_SHOW_WINDOW_DAYS), ("wish_days", 1),
                       ("server_booking_days", 1), ("server_wish_days", 1)):
        if key in t:
            value = _get(t, key, int, "retention")
            if not least <= value <= 3650:
                raise CenterDataError(f"retention.{key} must be {least} to 3650 days, got {value}")
            values[key] = value
    unknown = set(t) - set(Retention.__dataclass_fields__)
    if unknown:  # a misspelt key would silently keep the default period
        raise CenterDataError(f"retention: unknown key {sorted(unknown)[0]!r}")
    return Retention(**values)


def load_center(path: Path) -> Center:
    return parse_center(read_toml(path, "center file", CenterDataError))


PUBLISHED_KEY = "center_document"  # meta key: the office's latest published document


def effective_center(default: Center, published: str | None) -> Center:
    """The document the office published (pulled by sync) wins over the
    file that ships with the kiosk; a damaged one is ignored, not fatal."""
    if not published:
        return default
    try:
        return parse_center(json.loads(published))
    except (ValueError, TypeError, CenterDataError):
        return default
