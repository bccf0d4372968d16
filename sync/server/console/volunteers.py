"""志愿者 — the roster: the list (search, export), one volunteer's page, add
and edit, and the PIN the station sets (shown once, stored only hashed)."""
from __future__ import annotations

import secrets
import uuid

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from kiosk.pins import hash_pin
from sync.server.console import station
from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.points import LEDGER_COLUMNS, ledger_cells, service_entry
from sync.server.console.station import base, show
from sync.server.console.web import Here, PageError, here, here_changing, page_number
from sync.server.office import RosterRefused
from sync.server.reads import volunteers as reads
from sync.server.reads.volunteers import LedgerFilter

router = APIRouter()

ROSTER_COLUMNS = ("志愿者编号", "姓名", "手机号", "积分余额", "累计服务时长（小时）")


def roster_cells(row: dict, where: Here) -> list:
    """One volunteer as the list and its export show them (the phone as this reader may see it)."""
    return [row["number"], row["name"], where.phone(row["phone"]), row["balance"], station.number(row["hours"])]


@router.get("/{center_id}/volunteers")
def roster(request: Request, q: str = "", page: str = "1", where: Here = Depends(here)):
    store = request.app.state.store
    number = page_number(page)
    rows, more = store.read(reads.roster_page, where.center_id, q[:20], number)
    told = {}
    if request.query_params.get("done") == "imported":  # the counts read as numbers, nothing else
        added, updated = (int(n) if (n := request.query_params.get(k, "")).isdecimal() else 0
                          for k in ("added", "updated"))
        told["done"] = f"名册已导入：新增 {added} 名，更新 {updated} 名。新增的志愿者需要逐个设置密码。"
    return show(request, "volunteers.html", where, "", {
        "title": "志愿者名册", "q": q[:20], "page": number, "more": more, "columns": ROSTER_COLUMNS,
        "rows": [(row, roster_cells(row, where)) for row in rows],
        "count": store.read(reads.roster_count, where.center_id), **told})


@router.get("/{center_id}/volunteers.{fmt}")
def roster_export(request: Request, fmt: str, q: str = "", where: Here = Depends(here)):
    rows = paged(request.app.state.store, reads.roster_export, where.center_id, q[:20])
    table = Table("志愿者名册", ROSTER_COLUMNS, (roster_cells(row, where) for row in rows))
    return export(table, export_format(fmt))


# -- add and edit -----------------------------------------------------------------------------
def _form(request: Request, where: Here, volunteer: dict | None, values: dict, errors: dict | None = None):
    return show(request, "volunteers_form.html", where, "", {
        "title": f"修改志愿者资料：{volunteer['name']}" if volunteer else "新增志愿者",
        "volunteer": volunteer, "values": values, "errors": errors or {}}, status=400 if errors else 200)


def _save(request: Request, where: Here, volunteer_id: str, values: dict, found: dict | None):
    try:
        request.app.state.store.office.put_volunteer(where.clerk.actor, where.center_id,
                                                     {"id": volunteer_id, **values}, unique=True)
    except RosterRefused as exc:
        return _form(request, where, found, values, {p.field: p.words for p in exc.problems})
    return RedirectResponse(f"{base(where)}/{volunteer_id}?done={'saved' if found else 'added'}", status_code=303)


@router.get("/{center_id}/volunteers/new")
def new_volunteer(request: Request, where: Here = Depends(here)):
    return _form(request, where, None, {"number": "", "name": "", "phone": ""})


@router.post("/{center_id}/volunteers/new")
def add_volunteer(request: Request, number: str = Form(""), name: str = Form(""), phone: str = Form(""),
                  where: Here = Depends(here_changing)):
    values = {"number": number, "name": name, "phone": phone, "pin_hash": None}
    return _save(request, where, str(uuid.uuid4()), values, None)


def _volunteer(request: Request, where: Here, volunteer_id: str) -> dict:
    found = request.app.state.store.read(reads.volunteer, where.center_id, volunteer_id)
    if found is None:
        raise PageError(404, "没有这位志愿者", "可能编号有误，或不是本中心的志愿者。")
    return found


@router.get("/{center_id}/volunteers/{volunteer_id}/edit")
def edit_volunteer(request: Request, volunteer_id: str, where: Here = Depends(here)):
    found = _volunteer(request, where, volunteer_id)
    return _form(request, where, found, {"number": found["number"], "name": found["name"],
                                         "phone": found["phone"] if where.private else ""})


@router.post("/{center_id}/volunteers/{volunteer_id}/edit")
def save_volunteer(request: Request, volunteer_id: str, number: str = Form(""), name: str = Form(""),
                   phone: str = Form(""), where: Here = Depends(here_changing)):
    found = _volunteer(request, where, volunteer_id)
    # a reader who may not see the phone cannot change it either: it stays as it is
    values = {"number": number, "name": name, "phone": phone if where.private else found["phone"]}
    return _save(request, where, volunteer_id, values, found)


# -- one volunteer: facts, the PIN, service and their ledger ---------------------------------------
def volunteer_page(request: Request, where: Here, found: dict, page: int = 1, service: dict | None = None,
                   errors: dict | None = None):
    """Also the answer to a service form with mistakes, shown at its fields."""
    store = request.app.state.store
    rows, more = store.read(reads.ledger_page, where.center_id, LedgerFilter(volunteer_id=found["id"]), page)
    today = store.shared.local_now().date().isoformat()
    return show(request, "volunteers_detail.html", where, "", {
        "title": f"志愿者：{found['name']}", "v": found, "phone": where.phone(found["phone"]),
        "rate": station.points_per_hour(store, where.center_id), "today": today,
        "service": service or {"activity": "", "hours": "", "day": today}, "errors": errors or {},
        "activities": store.read(reads.recent_activities, where.center_id),
        "columns": LEDGER_COLUMNS, "rows": [(row, ledger_cells(row)) for row in rows], "page": page,
        "more": more}, status=400 if errors else 200)


@router.get("/{center_id}/volunteers/{volunteer_id}.{fmt}")
def volunteer_export(request: Request, volunteer_id: str, fmt: str, where: Here = Depends(here)):
    found = _volunteer(request, where, volunteer_id)
    rows = paged(request.app.state.store, reads.ledger_export, where.center_id, LedgerFilter(volunteer_id=found["id"]))
    table = Table(f"积分记录-{found['number']}", LEDGER_COLUMNS, (ledger_cells(row) for row in rows))
    return export(table, export_format(fmt))


@router.get("/{center_id}/volunteers/{volunteer_id}")
def volunteer(request: Request, volunteer_id: str, page: str = "1", where: Here = Depends(here)):
    return volunteer_page(request, where, _volunteer(request, where, volunteer_id), page_number(page))


@router.post("/{center_id}/volunteers/{volunteer_id}/pin")
def set_pin(request: Request, volunteer_id: str, where: Here = Depends(here_changing)):
    """A random 6-digit PIN, stored only as its hash; this page is the only time it is shown."""
    found = _volunteer(request, where, volunteer_id)
    pin = f"{secrets.randbelow(1_000_000):06d}"
    pin_hash = hash_pin(pin)  # scrypt, 128 MiB: here in the route's thread, not under the store's lock
    request.app.state.store.office.reset_pin(where.clerk.actor, where.center_id, volunteer_id, pin_hash)
    return show(request, "volunteers_pin.html", where, "", {
        "title": "志愿者密码", "v": found, "pin": pin, "had_pin": bool(found["has_pin"])})


@router.post("/{center_id}/volunteers/{volunteer_id}/service")
def record_service(request: Request, volunteer_id: str, activity: str = Form(""), hours: str = Form(""),
                   day: str = Form(""), where: Here = Depends(here_changing)):
    """Service recorded at the office: the hours at the center's rate, one ledger entry."""
    store = request.app.state.store
    found = _volunteer(request, where, volunteer_id)
    rate = station.points_per_hour(store, where.center_id)
    entry, errors = service_entry(activity, hours, day, rate, store.shared.local_now())
    if errors:
        return volunteer_page(request, where, found, service={"activity": activity, "hours": hours, "day": day},
                              errors=errors)
    store.office.add_ledger(where.clerk.actor, where.center_id, {"volunteer_id": volunteer_id, **entry})
    return RedirectResponse(f"{base(where)}/{volunteer_id}?done=service", status_code=303)
