"""微心愿台账: a center's wishes with filters and exports, and each wish's
page: the card, its history (who did what, from the audit) and the moves its
state allows (kiosk/lifecycle.py WISH_MOVES): review (上墙 / 不通过 with a
reason), a claim by a party member or a member unit with a contact, 已实现
with a note, a withdrawn claim. Every change goes through
``store.office.set_wish_status``; the claimant's contact stays in the office
(not in the feed, on the wall or in the audit)."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from kiosk import lifecycle as life
from kiosk.validation import FieldError, FormError, validate_all, validate_note
from kiosk.wishes import CATEGORIES
from sync.server.apply import CLAIMANT_MAX
from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.web import (Here, PageError, day_order, each_checked, here, here_changing, page,
                                     parse_day, refusal, required_note)
from sync.server.office import OfficeError
from sync.server.reads import wishes as reads

router = APIRouter()
SEARCH_MAX = 40
KINDS = {"party_member": "党员", "member_unit": "成员单位"}
TAGS = {life.SUBMITTED: "warn", life.APPROVED: "", life.CLAIMED: "ok", life.FULFILLED: "ok",
        life.DECLINED: "bad"}  # the status's colour in lists and on the card


@dataclass(frozen=True)
class Move:
    """One move of the wish's state machine as the clerk makes it."""
    key: str  # the form's ``move`` and the notice's ``done``
    start: str
    to: str
    words: str  # its heading and button
    done: str  # the notice once made


MOVES = (
    Move("approve", life.SUBMITTED, life.APPROVED, "上墙", "已上墙：终端同步后显示在心愿墙上，等待认领。"),
    Move("decline", life.SUBMITTED, life.DECLINED, "不通过", "已标记为未通过。"),
    Move("claim", life.APPROVED, life.CLAIMED, "记录认领", "已记录认领：终端同步后心愿墙显示认领人。"),
    Move("fulfil", life.CLAIMED, life.FULFILLED, "标记为已实现", "已标记为已实现。"),
    Move("withdraw", life.CLAIMED, life.APPROVED, "撤回认领", "已撤回认领：心愿回到待认领，可以重新认领。"),
)
BY_KEY = {m.key: m for m in MOVES}


def moves_from(status: str) -> list[Move]:
    """What the page offers: the moves the lifecycle allows from this state, nothing else."""
    return [m for m in MOVES if m.start == status and life.can_move(life.WISH_MOVES, m.start, m.to)]


def _move_of(before: dict | None, after: dict | None) -> Move | None:
    start, to = (before or {}).get("status"), (after or {}).get("status")
    return next((m for m in MOVES if (m.start, m.to) == (start, to)), None)


# -- the list and its export -----------------------------------------------------------
def _filters(request: Request) -> tuple[reads.Filters, dict, dict[str, str]]:
    """The list's filters from its query string: (filters, what was typed, errors);
    a filter in error is left out (and said at its field)."""
    asked = {k: request.query_params.get(k, "").strip()
             for k in ("status", "category", "from", "to", "kiosk", "q")}
    checks = {
        "status": lambda: asked["status"] if asked["status"] in ("", *life.WISH_WORDS) else _bad("status"),
        "category": lambda: asked["category"] if asked["category"] in ("", *CATEGORIES) else _bad("category"),
        "from": lambda: parse_day(asked["from"], "from"),
        "to": lambda: parse_day(asked["to"], "to"),
        "kiosk": lambda: asked["kiosk"][:64],
        "q": lambda: validate_note(asked["q"], "q", limit=SEARCH_MAX),
    }
    values, errors = each_checked(checks)
    day_order(values, errors, "from", "to")
    filters = reads.Filters(status=values.get("status") or "", category=values.get("category") or "",
                            day_from=values.get("from"), day_to=values.get("to"),
                            kiosk=values.get("kiosk") or "", text=values.get("q") or "")
    return filters, asked, errors


def _bad(name: str):
    raise FieldError(name, "请从列表中选择")


@router.get("/{center_id}/wishes")
def wish_list(request: Request, where: Here = Depends(here),
              number: int = Query(1, alias="page", ge=1, le=10_000)):
    store = request.app.state.store
    filters, asked, errors = _filters(request)
    found = store.read(reads.page, where.center_id, filters, number)
    return page(request, "wishes.html", {
        "title": "微心愿台账", **found, "number": number, "asked": asked, "errors": errors,
        "filtered": filters != reads.Filters(), "statuses": life.WISH_WORDS, "categories": CATEGORIES,
        "kiosks": store.read(reads.kiosks, where.center_id), "words": life.WISH_WORDS, "tags": TAGS,
    }, status=400 if errors else 200, where=where)


def _note(w: dict) -> str | None:
    return w["fulfilled_note"] or w["reason"]


# the export's columns after 序号: (heading, the cell of a wish, only for who may see private data)
EXPORT = (
    ("日期", lambda w, _h: (w["created"] or "")[:10], False),
    ("心愿编号", lambda w, _h: w["code"], False),
    ("类别", lambda w, _h: w["category"], False),
    ("心愿内容", lambda w, _h: w["text"], False),
    ("心愿墙", lambda w, _h: "展示" if w["public"] else "不上墙", False),
    ("姓名", lambda w, _h: w["name"], False),
    ("手机号", lambda w, h: h.phone(w["phone"]), False),
    ("状态", lambda w, _h: life.WISH_WORDS[w["status"]], False),
    ("认领人", lambda w, _h: w["claimant"], False),
    ("认领类型", lambda w, _h: KINDS.get(w["claimant_kind"]), False),
    ("联系方式", lambda w, _h: w["claimant_contact"], True),
    ("备注", lambda w, _h: _note(w), False),
)


@router.get("/{center_id}/wishes.{fmt}")
def wish_export(request: Request, fmt: str, where: Here = Depends(here)):
    export_format(fmt)
    filters, _asked, errors = _filters(request)
    if errors:
        raise PageError(400, "筛选条件有误", "；".join(errors.values()))
    columns = [c for c in EXPORT if where.private or not c[2]]
    rows = ([cell(w, where) or None for _, cell, _ in columns]
            for w in paged(request.app.state.store, reads.keyed, where.center_id, filters))
    return export(Table("微心愿台账", [c[0] for c in columns], rows), fmt)


# -- one wish ------------------------------------------------------------------------
def _said(move: Move | None, before: dict, after: dict) -> str:
    """What a move recorded, in a line of the history."""
    key = move.key if move else ""
    if key == "decline":
        return after.get("reason") or ""
    if key == "fulfil":
        return after.get("fulfilled_note") or ""
    if key == "claim":
        return f"{after.get('claimant', '')}（{KINDS.get(after.get('claimant_kind'), '未注明')}）"
    if key == "withdraw" and before.get("claimant"):
        return f"原认领人：{before['claimant']}"
    return ""


def _history(store, where: Here, wish: dict) -> list[dict]:
    """The card's arrival, then every audited change with who made it and where."""
    rows = store.office.audit_history(where.clerk.actor, where.center_id, wish["id"])
    names = store.read(reads.staff_names, [r["staff_id"] for r in rows])
    told = [{"at": wish["created"], "who": "居民", "what": "提交心愿卡",
             "detail": f"在终端 {wish['kiosk_id']} 提交"}]
    for row in rows:
        before, after = row["before"] or {}, row["after"] or {}
        move = _move_of(before, after)
        made_at = f"终端 {row['kiosk_id']}" if row["kiosk_id"] else "办公室后台"
        told.append({"at": row["at"], "who": names.get(row["staff_id"], row["staff_id"] or ""),
                     "what": move.words if move else row["action"],
                     "detail": "；".join(t for t in (_said(move, before, after), made_at) if t)})
    return told


def _wish(store, where: Here, wish_id: str) -> dict:
    wish = store.read(reads.one, where.center_id, wish_id)
    if wish is None:  # unknown, or another center's
        raise PageError(404, "没有这个心愿", "请从微心愿台账中打开。")
    return wish


def _card(request: Request, where: Here, wish: dict, status: int = 200, **context):
    store = request.app.state.store
    return page(request, "wishes_detail.html", {
        "title": f"心愿 {wish['code']}", "w": wish, "moves": moves_from(wish["status"]),
        "history": _history(store, where, wish), "words": life.WISH_WORDS, "tags": TAGS, "kinds": KINDS,
        "errors": {}, "values": {}, **context}, status=status, where=where)


PRIVATE_APPROVED = "已通过审核：居民没有同意上墙，心愿不在心愿墙上，只在后台可见；仍可记录认领。"


@router.get("/{center_id}/wishes/{wish_id}")
def wish_page(request: Request, wish_id: str, where: Here = Depends(here), done: str = ""):
    wish = _wish(request.app.state.store, where, wish_id)
    made = BY_KEY.get(done)
    said = made.done if made else ""
    if made and made.key == "approve" and not wish["public"]:
        said = PRIVATE_APPROVED
    return _card(request, where, wish, done=said)


def _asked(move: Move, values: dict) -> dict:
    """What the move needs from the form, checked: set_wish_status's arguments."""
    def needed(name: str, words: str, limit: int):
        return lambda: required_note(values[name], name, limit, words)

    def kind():
        if values["claimant_kind"] not in KINDS:
            raise FieldError("claimant_kind", "请选择认领人是党员还是成员单位")
        return values["claimant_kind"]

    if move.to == life.DECLINED:
        return {"reason": validate_all(reason=needed("reason", "请写明不通过的原因", 200))["reason"]}
    if move.to == life.FULFILLED:
        return {"fulfilled_note": validate_all(note=needed("note", "请写明心愿是怎样实现的", 200))["note"]}
    if move.to == life.CLAIMED:
        got = validate_all(claimant=needed("claimant", "请填写认领人（党员姓名或成员单位名称）", CLAIMANT_MAX),
                           claimant_kind=kind,
                           contact=needed("contact", "请填写认领人的联系电话或联系人", CLAIMANT_MAX))
        return {"claimant": got["claimant"], "claimant_kind": got["claimant_kind"],
                "claimant_contact": got["contact"]}
    return {}


@router.post("/{center_id}/wishes/{wish_id}")
def wish_move(request: Request, wish_id: str, where: Here = Depends(here_changing),
              move: str = Form(""), seen: str = Form(""), reason: str = Form(""), claimant: str = Form(""),
              claimant_kind: str = Form(""), contact: str = Form(""), note: str = Form("")):
    store = request.app.state.store
    wish = _wish(store, where, wish_id)
    chosen = BY_KEY.get(move)
    if chosen is None:
        raise PageError(400, "不支持这种操作")
    values = {"reason": reason, "claimant": claimant, "claimant_kind": claimant_kind, "contact": contact,
              "note": note}
    try:
        asked = _asked(chosen, values)
    except FormError as exc:
        return _card(request, where, wish, 400, errors=exc.errors, values=values)
    try:
        store.office.set_wish_status(where.clerk.actor, wish_id, chosen.to, seen=seen or None, **asked)
    except OfficeError as exc:
        if exc.kind == "forbidden":
            raise PageError(403, str(exc)) from None
        return _card(request, where, _wish(store, where, wish_id), 409,
                     refused=f"没有办成「{chosen.words}」：{refusal(exc)}")
    return RedirectResponse(f"/console/{where.center_id}/wishes/{wish_id}?done={chosen.key}", status_code=303)
