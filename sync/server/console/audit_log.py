"""操作记录: the audit of a center — who did what, when, where, and what it
was before and after, in words — filtered by days, staff member, action and
target, 50 a page, newest first, exported as .xlsx and .csv. The
administrator also reads the staff accounts' own audit (no center) under
工作人员.

What a reader may not see stays out of the page and the export: phones are
masked and counseling topics and notes withheld unless the reader is the
center's own office staff (Here.private). Secrets never reach the audit at
all (sync/server/audit.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request

from kiosk import lifecycle as life
from kiosk.validation import FieldError
from sync.server.audit import action_words
from sync.server.console.staff_admin import nav
from sync.server.console.wishes import KINDS as CLAIMANT_KINDS
from sync.server.console.web import (Clerk, Here, PageError, administrator, center_time, day_order, here,
                                     page, page_of, parse_day, phone_as_seen)
from sync.server.console.export import Table, export, export_format, paged
from sync.server.reads import audit as reads
from sync.server.reads.overview import ROOM_WORDS
from sync.server.reads.staff import centers as all_centers
from sync.server.staff import ROLE_WORDS

router = APIRouter()
TEXT_MAX = 64

FIELD_WORDS = {
    "status": "状态", "display_name": "姓名", "name": "姓名", "username": "用户名", "roles": "角色",
    "centers": "中心", "active": "在用", "number": "志愿者编号", "message": "说明", "phone": "手机号",
    "points": "积分", "hours": "时长", "activity": "活动", "reason": "原因", "stock": "库存", "item": "物品",
    "claimant": "认领人", "claimant_kind": "认领类型", "fulfilled_note": "实现说明", "kind": "场所",
    "day": "日期", "session": "场次", "seat": "座位", "lifted": "已解除", "published": "已发布",
    "kiosk": "终端", "revoked": "已停用", "pin": "密码", "volunteer_id": "志愿者", "uid": "记录号",
    "at": "时间", "staff_id": "工作人员", "reverses_uid": "更正的记录", "item_id": "物品", "id": "编号",
    "points_per_entry": "每条积分上限", "points_per_staff_day": "每人每天积分上限",
    "hours_per_entry": "每条时长上限", "console_locked_until": "后台密码锁定到",
    "duty_locked_until": "值班密码锁定到", "topic": "恳谈主题", "note": "备注", "state": "跟进",
    "arranged_at": "约定时间",
}
BOOKING_WORDS = {life.BOOKED: "已预约", life.WAITING: "候补", life.CANCELLED: "已取消", life.CHECKED_IN: "已签到",
                 life.NO_SHOW: "未签到"}
# the words of a field's values, where the value is a code
VALUE_WORDS = {
    "status": {**life.WISH_WORDS, **BOOKING_WORDS, **life.HOLD_WORDS},
    "roles": {r.value: w for r, w in ROLE_WORDS.items()},
    "kind": ROOM_WORDS,
    "claimant_kind": CLAIMANT_KINDS,
}
MARKER_WORDS = {"reset": "已重设", "set": "已设置"}  # a secret was changed (sync/server/audit.py)
# withheld from a reader who is not the center's own office staff (as Here.private decides elsewhere)
PRIVATE = {"topic", "topics", "note", "notes", "detail", "claimant_contact", "contact"}
WITHHELD = "（仅本中心工作人员可见）"


@dataclass(frozen=True)
class Reader:
    private: bool
    centers: dict  # id -> name, for the values of "centers"
    staff: dict  # id -> name, for the values of "staff_id"


def _value(key: str, value, reader: Reader) -> str:
    if value is None or value == "":
        return "—"
    if key in PRIVATE and not reader.private:
        return WITHHELD
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_value(key, v, reader) for v in value) or "—"
    if isinstance(value, dict):
        return "，".join(f"{FIELD_WORDS.get(k, k)} {_value(k, v, reader)}" for k, v in value.items())
    if not isinstance(value, str):
        return str(value)
    if key == "phone":
        return phone_as_seen(value, reader.private)
    if key == "centers":
        return reader.centers.get(value, value)
    if key == "staff_id":
        return reader.staff.get(value, value)
    if key == "at" or key.endswith(("_at", "_until")):
        return center_time(value)
    return VALUE_WORDS.get(key, MARKER_WORDS).get(value, value)


def changes(before, after, reader: Reader, target: str | None = None) -> list[tuple[str, str | None, str]]:
    """(field, before or None, after) for what changed or was recorded, in words;
    the record's own id is left out (the 对象 column shows it)."""
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    told = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in before and key in after and before[key] == after[key]:
            continue
        if key in ("id", "uid") and after.get(key, before.get(key)) == target:
            continue
        if key not in before and after[key] in (None, ""):  # recorded empty: nothing to tell
            continue
        old = _value(key, before[key], reader) if key in before else None
        told.append((FIELD_WORDS.get(key, key), old, _value(key, after.get(key), reader)))
    return told


def as_text(told: list[tuple[str, str | None, str]]) -> str:
    return "；".join(f"{field}：{old} → {new}" if old is not None else f"{field}：{new}" for field, old, new in told)


def source(entry: dict) -> str:
    return f"终端 {entry['kiosk_id']}" if entry["kiosk_id"] else f"后台 {entry['address'] or ''}".strip()


# -- filters -------------------------------------------------------------------------------
def _filters(request: Request) -> tuple[reads.AuditFilter, dict, dict[str, str]]:
    """(filters, what was typed, errors): a filter in error is left out and said at its field."""
    asked = {k: request.query_params.get(k, "").strip()[:TEXT_MAX] for k in ("from", "to", "staff", "action", "target")}
    days, errors = {}, {}
    for name in ("from", "to"):
        try:
            days[name] = parse_day(asked[name], name)
        except FieldError as exc:
            errors[exc.field] = exc.message
    day_order(days, errors, "from", "to")
    wanted = reads.AuditFilter(day_from=days.get("from"), day_to=days.get("to"), staff_id=asked["staff"],
                               action=asked["action"], target=asked["target"])
    return wanted, asked, errors


def _rows(entries, reader: Reader) -> list[dict]:
    return [dict(e, words=action_words(e["action"]), source=source(e),
                 told=changes(e["before"], e["after"], reader, e["target"])) for e in entries]


def _page(request: Request, center_id: str | None, where: Here | None, clerk: Clerk, reader: Reader,
          number: int, title: str, base: str):
    store = request.app.state.store
    wanted, asked, errors = _filters(request)
    entries, more = page_of(store, reads.entries, center_id, wanted, number=number)
    return page(request, "audit.html", {
        "title": title, "base": base, "entries": _rows(entries, reader), "more": more,
        "number": number, "asked": asked, "errors": errors, "filtered": any(asked.values()),
        "staff": store.read(reads.staff_choices, center_id),
        "actions": [(a, action_words(a)) for a in store.read(reads.actions, center_id)],
    }, status=400 if errors else 200, clerk=clerk, where=where)


COLUMNS = ["时间", "工作人员", "操作", "对象", "来源", "变更内容"]


def _export(request: Request, center_id: str | None, reader: Reader, fmt: str, title: str):
    export_format(fmt)
    wanted, _asked, errors = _filters(request)
    if errors:
        raise PageError(400, "筛选条件有误", "；".join(errors.values()))
    rows = ([center_time(e["at"]), e["staff_name"] or None, action_words(e["action"]), e["target"], source(e),
             as_text(changes(e["before"], e["after"], reader, e["target"])) or None]
            for e in paged(request.app.state.store, reads.entries_after, center_id, wanted))
    return export(Table(title, COLUMNS, rows), fmt)


def _reader(store, private: bool) -> Reader:
    return Reader(private, dict(store.read(all_centers)), dict(store.read(reads.staff_choices, None)))


# -- a center's audit ----------------------------------------------------------------------
@router.get("/{center_id}/audit")
def center_audit(request: Request, where: Here = Depends(here),
                 number: int = Query(1, alias="page", ge=1, le=10_000)):
    return _page(request, where.center_id, where, where.clerk, _reader(request.app.state.store, where.private),
                 number, "操作记录", f"/console/{where.center_id}/audit")


@router.get("/{center_id}/audit.{fmt}")
def center_audit_export(request: Request, fmt: str, where: Here = Depends(here)):
    return _export(request, where.center_id, _reader(request.app.state.store, where.private), fmt, "操作记录")


# -- the staff accounts' audit (no center): the administrator only ---------------------------
@router.get("/admin/staff/audit")
def accounts_audit(request: Request, clerk: Clerk = Depends(administrator),
                   number: int = Query(1, alias="page", ge=1, le=10_000)):
    return _page(request, None, nav(clerk), clerk, _reader(request.app.state.store, False), number,
                 "账号操作记录", "/console/admin/staff/audit")


@router.get("/admin/staff/audit.{fmt}")
def accounts_audit_export(request: Request, fmt: str, _clerk: Clerk = Depends(administrator)):
    return _export(request, None, _reader(request.app.state.store, False), fmt, "账号操作记录")
