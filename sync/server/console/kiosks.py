"""终端: the center's kiosks (last seen, version, queue, refused mutations in
words), adding one, rotating its token and revoking it.

Who may: whoever may open the center's pages — its office staff and the
sub-district administrator (Actor.may_work_in, checked again by the office).
A token is shown once, on the page that answers the change, and never again:
the server keeps only its SHA-256.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.web import (Here, PageError, center_time, here, here_changing, page, page_of, refusal,
                                     refused_status)
from sync.server.office import OfficeError
from sync.server.reads import kiosks as reads

router = APIRouter()


def _base(where: Here) -> str:
    return f"/console/{where.center_id}/kiosks"


def _kiosks(store, where: Here) -> list[dict]:
    return store.read(reads.kiosks, where.center_id, store.shared.now())


def _kiosk_filter(kiosks: list[dict], asked: str) -> str | None:
    """The refused list's kiosk filter: one of this center's kiosks, or all."""
    return asked if asked in {k["id"] for k in kiosks} else None


def _list(request: Request, where: Here, number: int = 1, kiosk: str = "", status: int = 200,
          revoked: str = "", **context):
    store = request.app.state.store
    kiosks = _kiosks(store, where)
    chosen = _kiosk_filter(kiosks, kiosk)
    refused, more = page_of(store, reads.refused_page, where.center_id, chosen, number=number)
    done = any(k["id"] == revoked and k["revoked"] for k in kiosks)  # said only if it is so
    return page(request, "kiosks.html", {
        "title": "终端", "base": _base(where), "kiosks": kiosks, "refused": refused,
        "more": more, "number": number, "chosen": chosen or "",
        "notice": f"终端 {revoked} 已停用：它的令牌从现在起不能再同步。" if done else "",
        "errors": {}, "typed": "", **context}, status=status, where=where)


@router.get("/{center_id}/kiosks")
def kiosk_list(request: Request, where: Here = Depends(here), kiosk: str = "",
               number: int = Query(1, alias="page", ge=1, le=10_000), revoked: str = ""):
    return _list(request, where, number, kiosk, revoked=revoked)


def _once(request: Request, where: Here, kiosk_id: str, token: str, rotated: bool):
    return page(request, "kiosks_once.html", {
        "title": f"终端 {kiosk_id} 的{'新' if rotated else ''}令牌", "kiosk_id": kiosk_id, "token": token,
        "rotated": rotated, "base": _base(where), "server_url": str(request.base_url).rstrip("/")}, where=where)


def _refused(exc: OfficeError) -> PageError:
    return PageError(refused_status(exc, 409), "没有办成", refusal(exc))


@router.post("/{center_id}/kiosks")
def kiosk_add(request: Request, where: Here = Depends(here_changing), kiosk_id: str = Form("", max_length=200)):
    kiosk_id = kiosk_id.strip()
    try:
        token = request.app.state.store.office.add_kiosk(where.clerk.actor, where.center_id, kiosk_id)
    except OfficeError as exc:
        if exc.field:  # said at the field, the form as it was typed
            return _list(request, where, status=400, errors={exc.field: str(exc)}, typed=kiosk_id)
        raise _refused(exc) from None
    return _once(request, where, kiosk_id, token, rotated=False)


@router.post("/{center_id}/kiosks/{kiosk_id}/rotate")
def kiosk_rotate(request: Request, kiosk_id: str, where: Here = Depends(here_changing)):
    try:
        token = request.app.state.store.office.rotate_kiosk_token(where.clerk.actor, where.center_id, kiosk_id)
    except OfficeError as exc:
        raise _refused(exc) from None
    return _once(request, where, kiosk_id, token, rotated=True)


@router.post("/{center_id}/kiosks/{kiosk_id}/revoke")
def kiosk_revoke(request: Request, kiosk_id: str, where: Here = Depends(here_changing)):
    try:
        request.app.state.store.office.revoke_kiosk(where.clerk.actor, where.center_id, kiosk_id)
    except OfficeError as exc:
        raise _refused(exc) from None
    return RedirectResponse(f"{_base(where)}?revoked={kiosk_id}", status_code=303)


# -- exports -----------------------------------------------------------------------------
@router.get("/{center_id}/kiosks.{fmt}")
def kiosk_export(request: Request, fmt: str, where: Here = Depends(here)):
    rows = ([k["id"], "已停用" if k["revoked"] else "在用", center_time(k["last_seen"]) or None,
             center_time(k["last_push"]) or None, k["app_version"], k["queue_depth"], k["refused"],
             center_time(k["token_rotated_at"]) or None]
            for k in _kiosks(request.app.state.store, where))
    return export(Table("终端", ["终端编号", "状态", "最近联系", "最近发送", "版本", "待发送", "被拒变更",
                                 "令牌更换时间"], rows), export_format(fmt))


@router.get("/{center_id}/kiosks/refused.{fmt}")
def refused_export(request: Request, fmt: str, where: Here = Depends(here), kiosk: str = ""):
    store = request.app.state.store
    chosen = _kiosk_filter(_kiosks(store, where), kiosk)
    rows = ([center_time(r["received_at"]), r["kiosk_id"], r["type_words"], r["reason_words"], r["id"]]
            for r in paged(store, reads.refused_after, where.center_id, chosen))
    return export(Table("被拒绝的变更", ["时间", "终端", "变更类型", "原因", "变更编号"], rows), export_format(fmt))
