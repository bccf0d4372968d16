"""志愿者 — points: service recorded at the office (hours × the center's rate),
the center's ledger (filters, export) and reversals (冲正: a reason, and a
new entry that undoes the old one; the ledger is never edited)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from kiosk.validation import FieldError
from sync.server.console import station
from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.station import base, show
from sync.server.console.web import Here, PageError, here, here_changing, page_number, refusal, required_note
from sync.server.office import OfficeError
from sync.server.reads import volunteers as reads
from sync.server.reads.volunteers import LedgerFilter

router = APIRouter()

LEDGER_COLUMNS = ("日期", "志愿者编号", "姓名", "服务项目", "时长（小时）", "积分", "说明", "冲正", "记录人")
SERVICE_DAYS_BACK = 366  # service entered late, within a year
ACTIVITY_MAX = 40  # as the ledger's payload allows


def ledger_cells(row: dict) -> list:
    """One entry as the ledger page and its export show it."""
    state = "冲正记录" if row["reverses_uid"] else "已冲正" if row["reversed"] else ""
    return [row["at"][:10], row["number"], row["name"], row["activity"], station.number(row["hours"]),
            row["points"], row["reason"] or "", state, row["staff"] or ""]


def service_entry(activity: str, hours: str, day: str, rate: int, now: datetime) -> tuple[dict | None, dict]:
    """(the ledger entry, {}) or (None, field -> words). Points are the hours at the
    center's rate (center document: volunteers.points_per_hour), rounded half up."""
    errors = {}
    try:
        activity = required_note(activity, "activity", ACTIVITY_MAX, "请填写服务项目")
    except FieldError as exc:
        errors["activity"] = exc.message
    try:
        spent = float(hours.strip())
        if not 0 < spent <= 24 or round(spent, 2) != spent:
            raise ValueError
    except ValueError:
        errors["hours"] = "请填写服务时长（小时）：大于 0、不超过 24，如 2 或 1.5"
        spent = None
    try:
        served = date.fromisoformat(day.strip())
        if not now.date() - timedelta(days=SERVICE_DAYS_BACK) <= served <= now.date():
            errors["day"] = "服务日期只能是今天或一年以内的日子"
    except ValueError:
        errors["day"] = "请选择服务日期"
    if errors:
        return None, errors
    at = now if served == now.date() else datetime.combine(served, datetime.min.time())
    return {"activity": activity, "hours": spent, "points": int(spent * rate + 0.5),
            "at": at.isoformat(timespec="seconds")}, {}


# -- the center's ledger ------------------------------------------------------------------------
def _filter(request: Request, where: Here, start: str, end: str, activity: str,
            volunteer: str) -> tuple[LedgerFilter, dict]:
    errors, days = {}, {}
    for name, text in (("start", start), ("end", end)):
        try:
            days[name] = date.fromisoformat(text) if text.strip() else None
        except ValueError:
            errors[name] = "日期的格式是 2026-11-27"
    if days.get("start") and days.get("end") and days["end"] < days["start"]:
        errors["end"] = "结束日期不能早于开始日期"
    volunteer_id = None
    if volunteer.strip():
        volunteer_id = request.app.state.store.read(reads.volunteer_by_number, where.center_id, volunteer[:20])
        if volunteer_id is None:
            errors["volunteer"] = "本中心没有这个编号的志愿者"
    return LedgerFilter(days.get("start"), days.get("end"), activity.strip()[:ACTIVITY_MAX], volunteer_id), errors


@router.get("/{center_id}/volunteers/ledger")
def ledger(request: Request, start: str = "", end: str = "", activity: str = "", volunteer: str = "",
           page: str = "1", where: Here = Depends(here)):
    store = request.app.state.store
    chosen, errors = _filter(request, where, start, end, activity, volunteer)
    number = page_number(page)
    rows, more = ([], False) if errors else store.read(reads.ledger_page, where.center_id, chosen, number)
    return show(request, "volunteers_ledger.html", where, "/ledger", {
        "title": "积分台账", "columns": LEDGER_COLUMNS, "errors": errors, "page": number, "more": more,
        "values": {"start": start, "end": end, "activity": activity, "volunteer": volunteer},
        "activities": store.read(reads.recent_activities, where.center_id),
        "rows": [(row, ledger_cells(row)) for row in rows]}, status=400 if errors else 200)


@router.get("/{center_id}/volunteers/ledger.{fmt}")
def ledger_export(request: Request, fmt: str, start: str = "", end: str = "", activity: str = "",
                  volunteer: str = "", where: Here = Depends(here)):
    fmt = export_format(fmt)
    chosen, errors = _filter(request, where, start, end, activity, volunteer)
    if errors:
        raise PageError(400, "筛选条件有误", "；".join(errors.values()))
    rows = paged(request.app.state.store, reads.ledger_export, where.center_id, chosen)
    return export(Table("积分台账", LEDGER_COLUMNS, (ledger_cells(row) for row in rows)), fmt)


# -- reversals ---------------------------------------------------------------------------------
def _entry(request: Request, where: Here, uid: str) -> dict:
    found = request.app.state.store.read(reads.ledger_entry, where.center_id, uid)
    if found is None:
        raise PageError(404, "没有这条积分记录")
    return found


def _reverse_page(request: Request, where: Here, entry: dict, reason: str = "", errors: dict | None = None):
    return show(request, "volunteers_reverse.html", where, "/ledger", {
        "title": "冲正积分记录", "e": entry, "columns": LEDGER_COLUMNS, "cells": ledger_cells(entry),
        "reason": reason, "errors": errors or {}},
        status=400 if errors else 200)


@router.get("/{center_id}/volunteers/ledger/{uid}/reverse")
def reverse_form(request: Request, uid: str, where: Here = Depends(here)):
    return _reverse_page(request, where, _entry(request, where, uid))


@router.post("/{center_id}/volunteers/ledger/{uid}/reverse")
def reverse(request: Request, uid: str, reason: str = Form(""), where: Here = Depends(here_changing)):
    entry = _entry(request, where, uid)
    try:  # the office checks the reason, and that the entry may still be reversed
        request.app.state.store.office.reverse_ledger(where.clerk.actor, where.center_id, uid, reason)
    except OfficeError as exc:
        return _reverse_page(request, where, entry, reason, {"reason": refusal(exc)})
    return RedirectResponse(f"{base(where)}/{entry['volunteer_id']}?done=reversed", status_code=303)
