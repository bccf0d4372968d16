"""民情恳谈室: the residents' requests and the office's follow-up of each,
and the counselors' weekly slots the kiosks offer.

What a resident wants to talk about (the topic), what they wrote and the
staff's notes on it are for the center's own office staff only
(Here.private): anyone else — the sub-district administrator included —
gets the request without them, on the page and in the export, and cannot
follow it up.
"""
from __future__ import annotations

from datetime import date, datetime, time

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from kiosk.center import WEEKDAYS, parse_center
from kiosk.validation import FieldError, FormError, validate_all, validate_note
from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.rooms import center_today, publish_change
from sync.server.console.web import (Here, PageError, day_ahead, here, here_changing, kiosk_time, page, page_number,
                                     parse_day, refusal, required_note)
from sync.server.office import FOLLOW_UP_NOTE_MAX, FOLLOW_UP_STATES, OfficeError
from sync.server.reads import bookings as booking_reads
from sync.server.reads import counseling as reads

router = APIRouter()

COUNSELOR_MAX = 20
NOTICES = {"followed": "已保存办理情况。", "slot_added": "已增加坐诊时段，各终端下次同步后提供。",
           "slot_removed": "已删除坐诊时段，各终端下次同步后不再提供。"}
PRIVATE_ONLY = "恳谈内容只有本中心的社区工作人员可以查看和办理"


def when_words(stamp: str | None) -> str:
    """"2026-12-01T09:30:00" as 12月1日 周二 09:30."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    return f"{moment.month}月{moment.day}日 {WEEKDAYS[moment.weekday()]} {moment:%H:%M}"


def _time(text: str, field: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise FieldError(field, "请填写时间，如 09:30") from None


def _filters(request: Request) -> tuple[reads.Filters, int, dict]:
    q = request.query_params
    errors, days = {}, {}
    for key in ("since", "until"):
        try:
            days[key] = parse_day(q.get(key, ""), key)
        except FieldError as exc:
            errors[exc.field] = exc.message
    if days.get("since") and days.get("until") and days["until"] < days["since"]:
        errors["until"] = "结束日期不能早于开始日期"
    state = q.get("state", "")
    number = page_number(q.get("page"))
    f = reads.Filters(since=days["since"].isoformat() if days.get("since") else "",
                      until=days["until"].isoformat() if days.get("until") else "",
                      state=state if state in reads.STATE_WORDS else "")
    return f, number, errors


def _shown(where: Here, r: dict) -> dict:
    """A request as this reader may see it: no topic, note or staff note unless private."""
    shown = dict(r, phone=where.phone(r["phone"]), wanted=when_words(r["starts_at"]) or "请尽快联系",
                 arranged=when_words(r["arranged_at"]))
    if not where.private:
        shown.update(topic=None, note=None, follow_note=None)
    return shown


def _slots(document: dict) -> list[dict]:
    center = parse_center(document)
    return [{"index": i, "weekday": WEEKDAYS[s.weekday - 1], "span": f"{s.start:%H:%M}–{s.end:%H:%M}",
             "counselor": s.counselor, "mark": _mark(s)} for i, s in enumerate(center.counseling_slots)]


def _slot_words(slot) -> str:
    return f"{WEEKDAYS[slot.weekday - 1]} {slot.start:%H:%M}–{slot.end:%H:%M} {slot.counselor}"


def _mark(slot) -> str:
    """What a remove button was pressed for (the list may have changed since the page was shown)."""
    return f"{slot.weekday}/{slot.start:%H:%M}/{slot.end:%H:%M}/{slot.counselor}"


def _list(request: Request, where: Here, errors: dict | None = None, form: dict | None = None):
    store = request.app.state.store
    f, number, filter_errors = _filters(request)
    rows, more = store.read(reads.requests_page, where.center_id, f, number)
    document = store.read(booking_reads.center_document, where.center_id)
    errors = {**filter_errors, **(errors or {})}
    return page(request, "counseling.html", {
        "title": "民情恳谈室", "f": f, "number": number, "rows": [_shown(where, r) for r in rows], "more": more,
        "states": reads.STATE_WORDS, "tags": reads.STATE_TAGS, "slots": _slots(document),
        "weekdays": WEEKDAYS, "errors": errors, "form": form or {},
        "notice": NOTICES.get(request.query_params.get("done", ""))},
        status=400 if errors else 200, where=where)


def _export(request: Request, where: Here, fmt: str):
    f, _number, errors = _filters(request)
    if errors:
        raise PageError(400, "筛选条件不对", "请按 年-月-日 选择日期。")
    private = where.private
    columns = ["申请时间", "姓名", "手机号", *(["类别", "想说的话"] if private else []), "希望的时段", "预约状态",
               "进展", "约定时间", *(["办理说明"] if private else [])]

    def cells(r: dict) -> list:
        r = _shown(where, r)
        return [kiosk_time(r["created_at"]), r["name"], r["phone"],
                *([r["topic"], r["note"] or ""] if private else []), r["wanted"],
                booking_reads.BOOKING_WORDS.get(r["status"], r["status"]), reads.STATE_WORDS[r["state"]],
                r["arranged"], *([r["follow_note"] or ""] if private else [])]
    rows = (cells(r) for r in paged(request.app.state.store, reads.requests_rows, where.center_id, f))
    return export(Table("民情恳谈室预约", columns, rows), fmt)


def _request_or_404(store, where: Here, booking_id: str) -> dict:
    found = store.read(reads.request, where.center_id, booking_id[:64])
    if found is None:
        raise PageError(404, "没有找到这个恳谈预约")
    return found


HISTORY_WORDS = {"booking.create": "值班员代为预约", "booking.checked_in": "签到（已到）",
                 "checkin.create": "签到（已到）", "booking.cancelled": "取消", "booking.cancel": "取消"}


def _history_words(entry: dict) -> str:
    if entry["action"] == "counseling.follow_up":
        after = entry["after"]
        words = reads.STATE_WORDS.get(after.get("state"), after.get("state", ""))
        return words + (f"：{when_words(after['arranged_at'])}" if after.get("arranged_at") else "")
    return HISTORY_WORDS.get(entry["action"], entry["action"])


def _detail(request: Request, where: Here, booking_id: str, errors: dict | None = None,
            form: dict | None = None, status: int = 200):
    store = request.app.state.store
    r = _request_or_404(store, where, booking_id)
    history = store.read(reads.history, where.center_id, r["id"])
    default = {"state": r["state"] if r["state"] in FOLLOW_UP_STATES else "confirmed",
               "day": (r["arranged_at"] or r["starts_at"] or "")[:10],
               "time": (r["arranged_at"] or r["starts_at"] or "")[11:16], "note": r["follow_note"] or ""}
    return page(request, "counseling_request.html", {
        "title": "恳谈预约", "r": _shown(where, r), "states": reads.STATE_WORDS, "tags": reads.STATE_TAGS,
        "status_words": booking_reads.BOOKING_WORDS, "choices": {k: reads.ACTION_WORDS[k] for k in FOLLOW_UP_STATES}, "note_max": FOLLOW_UP_NOTE_MAX,
        "may_follow_up": where.private and r["status"] in ("booked", "checked_in"), "private_only": PRIVATE_ONLY,
        "history": [dict(h, words=_history_words(h)) for h in history],
        "errors": errors or {}, "form": form or default, "today": center_today(store).isoformat(),
        "notice": NOTICES.get(request.query_params.get("done", ""))},
        status=status, where=where)


def _follow_up(request: Request, where: Here, booking_id: str, state: str, day: str, at: str, note: str):
    store = request.app.state.store
    if not where.private:
        raise PageError(403, PRIVATE_ONLY)
    r = _request_or_404(store, where, booking_id)
    today = center_today(store)
    form = {"state": state, "day": day, "time": at, "note": note}

    def check_state() -> str:
        if state not in FOLLOW_UP_STATES:
            raise FieldError("state", "请选择办理结果")
        return state

    def check_day() -> date | None:
        if state != "confirmed":
            return None
        return day_ahead(day, "day", today, "确认时段时请选择日期", "约定的日期不能早于今天")

    def check_time() -> time | None:
        return _time(at, "time") if state == "confirmed" else None

    try:
        v = validate_all(state=check_state, day=check_day, time=check_time,
                         note=lambda: validate_note(note, "note", limit=FOLLOW_UP_NOTE_MAX))
    except FormError as exc:
        return _detail(request, where, booking_id, exc.errors, form, 400)
    arranged = datetime.combine(v["day"], v["time"]).isoformat(timespec="minutes") if v["day"] else None
    try:
        store.office.follow_up_counseling(where.clerk.actor, r["id"], v["state"], arranged, v["note"])
    except OfficeError as exc:
        if exc.kind == "forbidden":
            raise PageError(403, refusal(exc)) from None
        return _detail(request, where, booking_id, {"form": refusal(exc)}, form, 400)
    return RedirectResponse(f"/console/{where.center_id}/counseling/{r['id']}?done=followed", status_code=303)


def _add_slot(request: Request, where: Here, weekday: str, start: str, end: str, counselor: str):
    store = request.app.state.store
    form = {"weekday": weekday, "start": start, "end": end, "counselor": counselor}

    def check_weekday() -> int:
        if weekday not in [str(n) for n in range(1, 8)]:
            raise FieldError("weekday", "请选择星期几")
        return int(weekday)

    def check_end() -> time:
        finish = _time(end, "end")
        try:
            begins = time.fromisoformat(start)
        except ValueError:
            return finish  # the start's own message says it
        if finish <= begins:
            raise FieldError("end", "结束时间要晚于开始时间")
        return finish

    try:
        v = validate_all(weekday=check_weekday, start=lambda: _time(start, "start"), end=check_end,
                         counselor=lambda: required_note(counselor, "counselor", COUNSELOR_MAX,
                                                         "请填写坐诊的人，如 公益心理咨询师"))
    except FormError as exc:
        return _list(request, where, exc.errors, form)

    def add(document: dict) -> dict:
        # appended: a slot's id is its place in the list (c0, c1, ...), which bookings keep
        document.setdefault("counseling", {}).setdefault("slots", []).append(
            {"weekday": v["weekday"], "start": f"{v['start']:%H:%M}", "end": f"{v['end']:%H:%M}",
             "counselor": v["counselor"]})
        return {"slot_added": _slot_words(parse_center(document).counseling_slots[-1])}
    publish_change(store, where, add)
    return RedirectResponse(f"/console/{where.center_id}/counseling?done=slot_added", status_code=303)


def _remove_slot(request: Request, where: Here, index: str, mark: str):
    store = request.app.state.store
    held = store.read(reads.open_slots_from, where.center_id, center_today(store).isoformat())

    def remove(document: dict) -> dict:
        slots = parse_center(document).counseling_slots
        i = int(index) if index.isdecimal() else -1
        if not 0 <= i < len(slots) or _mark(slots[i]) != mark:
            raise FormError({"slots": "坐诊时段刚被别人改过，请看一下现在的时段再操作"})
        # the slots after it move up one place, and a booking names its slot by place
        if any(f"c{j}" in held for j in range(i, len(slots))):
            raise FormError({"slots": "还有居民预约了这个时段或排在它后面的时段，暂时不能删除"
                                      "（删除会打乱这些预约的时间）。请先办结或取消这些预约。"})
        del document["counseling"]["slots"][i]
        return {"slot_removed": _slot_words(slots[i])}
    try:
        publish_change(store, where, remove)
    except FormError as exc:
        return _list(request, where, exc.errors)
    return RedirectResponse(f"/console/{where.center_id}/counseling?done=slot_removed", status_code=303)


@router.get("/{center_id}/counseling")
def requests_list(request: Request, where: Here = Depends(here)):
    return _list(request, where)


@router.get("/{center_id}/counseling.{fmt}")
def requests_export(request: Request, fmt: str, where: Here = Depends(here)):
    return _export(request, where, export_format(fmt))


@router.post("/{center_id}/counseling/slots")
def add_slot(request: Request, weekday: str = Form("", max_length=2), start: str = Form("", max_length=8),
             end: str = Form("", max_length=8), counselor: str = Form("", max_length=100),
             where: Here = Depends(here_changing)):
    return _add_slot(request, where, weekday, start, end, counselor)


@router.post("/{center_id}/counseling/slots/remove")
def remove_slot(request: Request, index: str = Form("", max_length=4), mark: str = Form("", max_length=200),
                where: Here = Depends(here_changing)):
    return _remove_slot(request, where, index, mark)


@router.get("/{center_id}/counseling/{booking_id}")
def request_detail(request: Request, booking_id: str, where: Here = Depends(here)):
    return _detail(request, where, booking_id)


@router.post("/{center_id}/counseling/{booking_id}")
def follow_up(request: Request, booking_id: str, state: str = Form("", max_length=20),
              day: str = Form("", max_length=20), time_: str = Form("", alias="time", max_length=8),
              note: str = Form("", max_length=400), where: Here = Depends(here_changing)):
    return _follow_up(request, where, booking_id, state, day, time_, note)
