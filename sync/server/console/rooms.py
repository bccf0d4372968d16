"""自习室 and 妈妈绘本馆: the schedule as the center's document says, its
closed days, a pause at short notice, and one day's bookings with their
check-in state and the waitlist.

Closed days and pauses are the center's, not one room's: kiosks apply them
to every booking (kiosk/sessions.py is_open_day, kiosk/bookings.py paused), so both pages
show and change the same ones. A change to the document is made on the
document as it stands when the form arrives and published through
store.office.publish_center, which checks it with the kiosk's own parser.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from kiosk.sessions import is_open_day, weekly_entry
from kiosk.center import WEEKDAYS, Center, CenterDataError
from kiosk.validation import FieldError, FormError, validate_all
from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.web import (Here, PageError, day_ahead, here, here_changing, page, page_number, parse_day,
                                     refusal, refused_status, required_note)
from sync.server.office import OfficeError
from sync.server.reads import bookings as reads
from sync.server.reads.overview import ROOM_WORDS

router = APIRouter()

ROOMS = {kind: ROOM_WORDS[kind] for kind in ("study", "books")}
EXPORT_TITLES = {"study": "自习室预约", "books": "绘本馆报名"}
PAUSE_MAX = 100  # what store.office.pause_bookings takes
REASON_MAX = 40
NOTICES = {"paused": "已暂停预约。各终端下次同步后显示暂停说明，不再接受新的预约。",
           "resumed": "已恢复预约。各终端下次同步后恢复接受预约。",
           "closed": "已设为闭馆日，各终端下次同步后不再提供这一天的预约。",
           "reopened": "已取消这个闭馆日，各终端下次同步后恢复这一天的预约。",
           "cancelled": "预约已取消；如有候补家庭，服务器已按顺序递补。",
           "checked_in": "已为这个预约补签到。"}


def center_today(store) -> date:
    return store.shared.local_now().date()


def publish_change(store, where: Here, change: Callable[[dict], dict]) -> None:
    """Change the center's document as it stands now and publish it; ``change``
    edits the dict in place and returns what it did, for the audit, or raises
    FormError (nothing is published then)."""
    document = store.read(reads.center_document, where.center_id)
    what = change(document)
    try:
        store.office.publish_center(where.clerk.actor, where.center_id, document, what)
    except CenterDataError as exc:  # the console checks first; this is the parser's last word
        raise PageError(400, "中心资料没有通过核对", str(exc)) from None
    except OfficeError as exc:
        raise PageError(refused_status(exc, 400), refusal(exc)) from None


def span(entry) -> str:
    return f"{entry.start:%H:%M}–{entry.end:%H:%M}"


def sessions_of(center: Center, kind: str, day: date) -> list[dict]:
    """The sessions the document holds that day: id, words, places."""
    if kind == "study":
        return [{"id": s.id, "label": f"{s.name} {span(s)}", "places": center.study_seats}
                for s in center.study_sessions]
    return [{"id": f"pb{i}", "label": f"{span(s)} {s.theme}", "places": s.places}
            for i, s in enumerate(center.book_sessions) if s.weekday == day.isoweekday()]


def session_label(center: Center, kind: str, booking: dict) -> str:
    entry = weekly_entry(center, kind, booking["session"])
    if entry is None:  # no longer in the document: the time the booking was made for
        return (booking.get("starts_at") or "")[11:16] or booking["session"] or ""
    return f"{entry.name} {span(entry)}" if kind == "study" else f"{span(entry)} {entry.theme}"


def place_words(kind: str, booking: dict) -> str:
    if kind == "study":
        return f"{booking['seat']} 号" if booking["seat"] else ""
    age = booking.get("child_age")
    return f"{booking.get('child_name') or ''}（{age} 岁）" if age is not None else booking.get("child_name") or ""


def _query(request: Request, store) -> tuple[dict, dict]:
    """The list's filters from the query string, and their errors."""
    q = request.query_params
    today = center_today(store)
    errors, day = {}, today
    try:
        day = parse_day(q.get("day", ""), "day") or today
    except FieldError as exc:
        errors[exc.field] = exc.message
    status = q.get("status", "")
    if status and status not in reads.BOOKING_WORDS:
        status = ""
    return {"day": day, "today": today, "session": q.get("session", "")[:16], "status": status,
            "page": page_number(q.get("page"))}, errors


def _room_context(request: Request, where: Here, kind: str, errors: dict | None = None,
                  form: dict | None = None) -> dict:
    store = request.app.state.store
    f, query_errors = _query(request, store)
    facts = store.read(reads.room_day, where.center_id, kind, f["day"].isoformat(), f["session"], f["status"],
                       f["page"])
    center = store.center(where.center_id)
    rules = facts["document"].get("bookings", {})
    reasons = rules.get("holiday_reasons", {})
    sessions = sessions_of(center, kind, f["day"])
    for s in sessions:
        s.update(facts["counts"].get(s["id"], {"held": 0, "checked_in": 0, "no_show": 0, "waiting": 0}))
    for b in facts["rows"] + facts["waitlist"]:
        b.update(session_words=session_label(center, kind, b), place=place_words(kind, b),
                 phone_shown=where.phone(b["phone"]))
    for n, b in enumerate(facts["waitlist"]):  # the list is by session, then in order
        before = facts["waitlist"][n - 1] if n else None
        b["in_line"] = before["in_line"] + 1 if before and before["session"] == b["session"] else 1
    notice = NOTICES.get(request.query_params.get("done", ""))
    closed_day = request.query_params.get("closed", "")
    still_open = 0
    if request.query_params.get("done") == "closed" and closed_day:
        try:
            still_open = store.read(reads.open_on_day, where.center_id, parse_day(closed_day, "closed").isoformat())
        except FieldError:
            closed_day = ""
    return {
        "title": ROOMS[kind], "kind": kind, "room": ROOMS[kind], "center": center, "f": f,
        "errors": {**query_errors, **(errors or {})}, "form": form or {}, "notice": notice,
        "closed_day": closed_day, "still_open": still_open,
        "open_day": is_open_day(center, f["day"]), "sessions": sessions,
        "session_choices": [(s["id"], s["label"]) for s in sessions], "rows": facts["rows"],
        "more": facts["more"], "waitlist": facts["waitlist"], "paused": facts["paused"],
        "holidays": [{"day": d.isoformat(), "weekday": WEEKDAYS[d.weekday()], "reason": reasons.get(d.isoformat(), ""),
                      "past": d < f["today"]} for d in sorted(center.rules.holidays)],
        "closed_weekdays": [WEEKDAYS[d - 1] for d in sorted(center.rules.closed_weekdays)],
        "status_words": reads.BOOKING_WORDS, "tags": reads.TAGS, "weekdays": WEEKDAYS,
        "prev_day": (f["day"] - timedelta(days=1)).isoformat(), "next_day": (f["day"] + timedelta(days=1)).isoformat(),
    }


def _show(request: Request, where: Here, kind: str, errors: dict | None = None, form: dict | None = None):
    context = _room_context(request, where, kind, errors, form)
    status = 400 if context["errors"] else 200
    return page(request, "rooms.html", context, status=status, where=where)


def _back(where: Here, kind: str, done: str, **extra) -> RedirectResponse:
    query = "&".join(f"{k}={v}" for k, v in {"done": done, **extra}.items())
    return RedirectResponse(f"/console/{where.center_id}/{kind}?{query}", status_code=303)


def _export(request: Request, where: Here, kind: str, fmt: str):
    store = request.app.state.store
    f, errors = _query(request, store)
    if errors:
        raise PageError(400, "日期格式不对", "请按 年-月-日 选择日期。")
    center = store.center(where.center_id)
    day = f["day"].isoformat()
    rows = ([b["day"], session_label(center, kind, b), place_words(kind, b), b["name"], where.phone(b["phone"]),
             reads.BOOKING_WORDS.get(b["status"], b["status"])]
            for b in paged(store, reads.day_rows, where.center_id, kind, day, f["session"], f["status"]))
    columns = ["日期", "场次", "座位" if kind == "study" else "孩子", "姓名", "手机号", "状态"]
    return export(Table(f"{EXPORT_TITLES[kind]}-{day}", columns, rows), fmt)


def _pause(request: Request, where: Here, kind: str, message: str):
    store = request.app.state.store
    try:
        text = validate_all(message=lambda: required_note(message, "message", PAUSE_MAX,
                                                          "请写上暂停的说明，居民会在终端上看到"))["message"]
    except FormError as exc:
        return _show(request, where, kind, exc.errors, {"message": message})
    _office(store.office.pause_bookings, where.clerk.actor, where.center_id, text)
    return _back(where, kind, "paused")


def _office(change, *args) -> None:
    try:
        change(*args)
    except OfficeError as exc:
        raise PageError(refused_status(exc, 400), refusal(exc)) from None


def _close_day(request: Request, where: Here, kind: str, day_text: str, reason: str):
    store = request.app.state.store
    today = center_today(store)

    try:
        v = validate_all(close_day=lambda: day_ahead(day_text, "close_day", today, "请选择闭馆的日期",
                                                     "只能设置今天或以后的闭馆日"),
                         reason=lambda: required_note(reason, "reason", REASON_MAX, "请写上闭馆的原因，如 元旦放假、设备检修"))
    except FormError as exc:
        return _show(request, where, kind, exc.errors, {"day": day_text, "reason": reason})
    day = v["close_day"].isoformat()

    def close(document: dict) -> dict:
        rules = document.setdefault("bookings", {})
        holidays = [str(d) for d in rules.get("holidays", [])]
        if day in holidays:
            raise FormError({"close_day": "这一天已经是闭馆日"})
        rules["holidays"] = sorted(holidays + [day])
        # the kiosk's parser reads only the dates; the reasons ride along for the office
        rules["holiday_reasons"] = dict(rules.get("holiday_reasons", {}), **{day: v["reason"]})
        return {"closed_day": day, "reason": v["reason"]}

    try:
        publish_change(store, where, close)
    except FormError as exc:
        return _show(request, where, kind, exc.errors, {"day": day_text, "reason": reason})
    return _back(where, kind, "closed", closed=day)


def _reopen_day(request: Request, where: Here, kind: str, day_text: str):
    store = request.app.state.store
    try:
        day = parse_day(day_text, "day")
    except FieldError:
        day = None
    if day is None:
        raise PageError(400, "日期格式不对")
    day = day.isoformat()

    def reopen(document: dict) -> dict:
        rules = document.setdefault("bookings", {})
        rules["holidays"] = [str(d) for d in rules.get("holidays", []) if str(d) != day]
        rules["holiday_reasons"] = {d: r for d, r in rules.get("holiday_reasons", {}).items() if d != day}
        return {"reopened_day": day}

    publish_change(store, where, reopen)
    return _back(where, kind, "reopened")


def _booking_or_404(store, where: Here, kind: str, booking_id: str) -> dict:
    found = store.read(reads.booking, where.center_id, kind, booking_id[:64])
    if found is None:
        raise PageError(404, "没有找到这个预约")
    return found


def _booking_page(request: Request, where: Here, kind: str, booking_id: str):
    store = request.app.state.store
    b = _booking_or_404(store, where, kind, booking_id)
    center = store.center(where.center_id)
    b.update(session_words=session_label(center, kind, b), place=place_words(kind, b),
             phone_shown=where.phone(b["phone"]))
    line = store.read(reads.place_in_line, where.center_id, b["id"]) if b["status"] == "waiting" else None
    today = center_today(store).isoformat()
    return page(request, "rooms_booking.html", {
        "title": f"{ROOMS[kind]}预约", "kind": kind, "room": ROOMS[kind], "b": b, "line": line,
        "status_words": reads.BOOKING_WORDS, "tags": reads.TAGS,
        "may_cancel": b["status"] in ("booked", "waiting"),
        "may_check_in": b["status"] == "booked" and b["day"] == today}, where=where)


def _act(request: Request, where: Here, kind: str, booking_id: str, action: str):
    store = request.app.state.store
    b = _booking_or_404(store, where, kind, booking_id)
    status = {"cancel": "cancelled", "checkin": "checked_in"}.get(action)
    if status is None:
        raise PageError(400, "不支持这种操作")
    if status == "checked_in" and b["day"] != center_today(store).isoformat():
        raise PageError(400, "只能为今天的预约补签到")
    _office(store.office.set_booking_status, where.clerk.actor, b["id"], status)
    return _back(where, kind, status, day=b["day"])


def _routes(kind: str) -> None:
    """The same pages for each room (literal paths: a /{center}/{room} pattern
    would swallow the other sections' paths)."""
    base = f"/{{center_id}}/{kind}"

    @router.get(base, name=f"{kind}_day")
    def day_list(request: Request, where: Here = Depends(here)):
        return _show(request, where, kind)

    @router.get(base + ".{fmt}", name=f"{kind}_export")
    def day_export(request: Request, fmt: str, where: Here = Depends(here)):
        return _export(request, where, kind, export_format(fmt))

    @router.post(base + "/pause", name=f"{kind}_pause")
    def pause(request: Request, message: str = Form("", max_length=400), where: Here = Depends(here_changing)):
        return _pause(request, where, kind, message)

    @router.post(base + "/resume", name=f"{kind}_resume")
    def resume(request: Request, where: Here = Depends(here_changing)):
        _office(request.app.state.store.office.pause_bookings, where.clerk.actor, where.center_id, None)
        return _back(where, kind, "resumed")

    @router.post(base + "/closures", name=f"{kind}_close")
    def close(request: Request, day: str = Form("", max_length=20), reason: str = Form("", max_length=200),
              where: Here = Depends(here_changing)):
        return _close_day(request, where, kind, day, reason)

    @router.post(base + "/closures/remove", name=f"{kind}_reopen")
    def reopen(request: Request, day: str = Form("", max_length=20), where: Here = Depends(here_changing)):
        return _reopen_day(request, where, kind, day)

    @router.get(base + "/booking/{booking_id}", name=f"{kind}_booking")
    def booking(request: Request, booking_id: str, where: Here = Depends(here)):
        return _booking_page(request, where, kind, booking_id)

    @router.post(base + "/booking/{booking_id}", name=f"{kind}_act")
    def act(request: Request, booking_id: str, action: str = Form("", max_length=20),
            where: Here = Depends(here_changing)):
        return _act(request, where, kind, booking_id, action)


for _kind in ROOMS:
    _routes(_kind)
