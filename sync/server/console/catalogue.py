"""志愿者 — what points are exchanged for: the catalogue and its stock, and
the open exchange requests (holds) with their hand-over (兑换发放, as a
kiosk's staff mode records it) or release."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from kiosk import lifecycle as life
from kiosk.validation import FieldError
from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.station import base, show
from sync.server.console.web import (Here, PageError, each_checked, here, here_changing, kiosk_time, page_number,
                                     refusal, required_note)
from sync.server.office import OfficeError
from sync.server.reads import volunteers as reads

router = APIRouter()

CATALOGUE_COLUMNS = ("物品", "所需积分", "库存", "已预留", "可兑换")
HOLD_COLUMNS = ("申请时间", "志愿者编号", "姓名", "物品", "冻结积分")
# the states the 兑换申请 page lists, one at a time: waiting first, then how requests ended
HOLD_STATES = (life.HELD, life.WITHDRAWN, life.HANDED_OVER, life.RELEASED)
ITEM_MAX, POINTS_MAX, STOCK_MAX = 40, 100_000, 100_000  # as the feed's catalogue rows allow


def catalogue_cells(row: dict) -> list:
    return [row["item"], row["points"], row["stock"], row["held"], max(row["stock"] - row["held"], 0)]


def hold_cells(row: dict) -> list:
    return [kiosk_time(row["created_at"]), row["number"], row["name"],
            row["item"] or "（物品已删除）", row["points"]]


def _count(text: str, low: int, high: int, words: str) -> int:
    value = text.strip()
    if not (value.isdigit() and value.isascii() and low <= int(value) <= high):
        raise FieldError("", words)
    return int(value)


def item_values(item: str, points: str, stock: str, held: int = 0) -> tuple[dict, dict]:
    """(values, field -> words): a name, 1–100000 points, a stock not below what is on hold."""
    values = {"item": item, "points": points, "stock": stock}
    checks = {
        "item": lambda: required_note(item, "item", ITEM_MAX, "请填写物品名称"),
        "points": lambda: _count(points, 1, POINTS_MAX, f"所需积分是 1–{POINTS_MAX} 的整数"),
        "stock": lambda: _count(stock, held, STOCK_MAX, f"库存是 {held}–{STOCK_MAX} 的整数"
                                + (f"（已有 {held} 件被预留）" if held else "")),
    }
    passed, errors = each_checked(checks)
    return {**values, **passed}, errors


# -- the catalogue ----------------------------------------------------------------------------------
def _catalogue_page(request: Request, where: Here, page: int = 1, values: dict | None = None,
                    errors: dict | None = None):
    rows, more = request.app.state.store.read(reads.catalogue_page, where.center_id, page)
    return show(request, "volunteers_catalogue.html", where, "/catalogue", {
        "title": "兑换物品与库存", "columns": CATALOGUE_COLUMNS, "page": page, "more": more,
        "rows": [(row, catalogue_cells(row)) for row in rows],
        "values": values or {"item": "", "points": "", "stock": ""}, "errors": errors or {}},
        status=400 if errors else 200)


@router.get("/{center_id}/volunteers/catalogue")
def catalogue(request: Request, page: str = "1", where: Here = Depends(here)):
    return _catalogue_page(request, where, page_number(page))


@router.get("/{center_id}/volunteers/catalogue.{fmt}")
def catalogue_export(request: Request, fmt: str, where: Here = Depends(here)):
    fmt = export_format(fmt)
    rows = paged(request.app.state.store, reads.catalogue_export, where.center_id)
    return export(Table("兑换物品", CATALOGUE_COLUMNS, (catalogue_cells(row) for row in rows)), fmt)


def _put(request: Request, where: Here, item_id: str, values: dict) -> None:
    request.app.state.store.office.put_catalogue_item(where.clerk.actor, where.center_id, {"id": item_id, **values})


@router.post("/{center_id}/volunteers/catalogue")
def add_item(request: Request, item: str = Form(""), points: str = Form(""), stock: str = Form(""),
             where: Here = Depends(here_changing)):
    values, errors = item_values(item, points, stock)
    if errors:
        return _catalogue_page(request, where, values=values, errors=errors)
    _put(request, where, str(uuid.uuid4()), values)
    return RedirectResponse(f"{base(where)}/catalogue?done=item", status_code=303)


def _item(request: Request, where: Here, item_id: str) -> dict:
    found = request.app.state.store.read(reads.catalogue_item, where.center_id, item_id)
    if found is None:
        raise PageError(404, "没有这个兑换物品")
    return found


def _item_form(request: Request, where: Here, found: dict, values: dict, errors: dict | None = None):
    return show(request, "volunteers_catalogue_item.html", where, "/catalogue", {
        "title": f"修改兑换物品：{found['item']}", "found": found, "values": values, "errors": errors or {}},
        status=400 if errors else 200)


@router.get("/{center_id}/volunteers/catalogue/{item_id}")
def edit_item(request: Request, item_id: str, where: Here = Depends(here)):
    found = _item(request, where, item_id)
    return _item_form(request, where, found, {k: found[k] for k in ("item", "points", "stock")})


@router.post("/{center_id}/volunteers/catalogue/{item_id}")
def save_item(request: Request, item_id: str, item: str = Form(""), points: str = Form(""), stock: str = Form(""),
              where: Here = Depends(here_changing)):
    found = _item(request, where, item_id)
    values, errors = item_values(item, points, stock, held=found["held"])
    if errors:
        return _item_form(request, where, found, values, errors)
    _put(request, where, item_id, values)
    return RedirectResponse(f"{base(where)}/catalogue?done=item", status_code=303)


# -- exchange requests ------------------------------------------------------------------------------
def state_query(state: str) -> str:
    return "" if state == life.HELD else f"?status={state}"


def hold_view(status: str) -> tuple[str, tuple[str, ...]]:
    """A listed state (an unknown one lists the waiting requests) and its columns:
    the points of a closed request were frozen once, not now."""
    state = status if status in HOLD_STATES else life.HELD
    return state, HOLD_COLUMNS if state == life.HELD else (*HOLD_COLUMNS[:-1], "积分")


@router.get("/{center_id}/volunteers/holds")
def holds(request: Request, page: str = "1", status: str = life.HELD, where: Here = Depends(here)):
    number, (state, columns) = page_number(page), hold_view(status)
    rows, more = request.app.state.store.read(reads.holds_page, where.center_id, number, state)
    return show(request, "volunteers_holds.html", where, "/holds", {
        "title": "兑换申请", "columns": columns, "page": number, "more": more, "rows": [(row, hold_cells(row)) for row in rows],
        "views": [(state_query(s), life.HOLD_WORDS[s]) for s in HOLD_STATES], "view": state_query(state),
        "state_words": life.HOLD_WORDS[state], "open": state == life.HELD})


@router.get("/{center_id}/volunteers/holds.{fmt}")
def holds_export(request: Request, fmt: str, status: str = life.HELD, where: Here = Depends(here)):
    fmt, (state, columns) = export_format(fmt), hold_view(status)
    rows = paged(request.app.state.store, reads.holds_export, where.center_id, state)
    title = "兑换申请" if state == life.HELD else f"兑换申请（{life.HOLD_WORDS[state]}）"
    return export(Table(title, columns, (hold_cells(row) for row in rows)), fmt)


def _close(request: Request, where: Here, change, hold_id: str, done: str):
    try:
        change(where.clerk.actor, where.center_id, hold_id)
    except OfficeError as exc:  # e.g. handed over at a kiosk meanwhile
        raise PageError(409, "这个兑换申请无法办理", refusal(exc)) from None
    return RedirectResponse(f"{base(where)}/holds?done={done}", status_code=303)


@router.post("/{center_id}/volunteers/holds/{hold_id}/handover")
def hand_over(request: Request, hold_id: str, where: Here = Depends(here_changing)):
    return _close(request, where, request.app.state.store.office.hand_over, hold_id, "handed_over")


@router.post("/{center_id}/volunteers/holds/{hold_id}/release")
def release(request: Request, hold_id: str, where: Here = Depends(here_changing)):
    return _close(request, where, request.app.state.store.office.release_hold, hold_id, "released")
