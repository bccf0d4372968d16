"""工作人员 (the sub-district administrator only; anyone else gets a 403 page):
the staff accounts, adding one, changing its name, roles and centers,
deactivating and reactivating it, a new console password or on-duty PIN
(made by the server, shown once), and lifting a lock.

Every change goes through ``store.office`` (admin-only there too, audited
without a center); an on-duty member's roster row reaches the kiosks of
their centers through the feed. The account's own audit is in audit_log.py.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from sync.server.console.export import Table, export, export_format, paged
from sync.server.console.web import Clerk, Here, PageError, administrator, administrator_changing, center_time, \
    page, page_of, refusal
from sync.server.office import OfficeError
from sync.server.reads import staff as reads
from sync.server.staff import ROLE_WORDS, Role, new_password

router = APIRouter()
BASE = "/console/admin/staff"
DONE = {"edited": "已保存。", "deactivated": "账号已停用：本人已被退出登录，不能再登录，也不能在终端上值班。",
        "reactivated": "账号已恢复。", "unlocked": "已解除锁定，可以马上再试。"}


def nav(clerk: Clerk) -> Here | None:
    """The navigation of the administrator's first center, so the pages keep their menu."""
    return Here(clerk, *clerk.centers[0]) if clerk.centers else None


def role_words(roles) -> str:
    return "、".join(ROLE_WORDS[Role(r)] for r in roles)


def _now(store) -> str:
    return store.shared.stamp()


def _center_names(store) -> dict[str, str]:
    return dict(store.read(reads.centers))


def _show(request: Request, clerk: Clerk, name: str, status: int = 200, **context):
    store = request.app.state.store
    return page(request, name, {"roles": ROLE_WORDS, "all_centers": store.read(reads.centers), "base": BASE,
                                "errors": {}, **context}, status=status, clerk=clerk, where=nav(clerk))


# -- the list ------------------------------------------------------------------------------
@router.get("/admin/staff")
def staff_list(request: Request, clerk: Clerk = Depends(administrator),
               number: int = Query(1, alias="page", ge=1, le=10_000)):
    store = request.app.state.store
    accounts, more = page_of(store, reads.accounts_page, _now(store), number=number)
    return _show(request, clerk, "staff.html", title="工作人员", accounts=accounts, more=more, number=number, names=_center_names(store), role_words=role_words)


@router.get("/admin/staff.{fmt}")
def staff_export(request: Request, fmt: str, _clerk: Clerk = Depends(administrator)):
    export_format(fmt)
    store = request.app.state.store
    names = _center_names(store)
    rows = ([a["display_name"], a["username"], role_words(a["roles"]), "、".join(names.get(c, c) for c in a["centers"]),
             "在用" if a["active"] else "已停用", "是" if a["locked"] else "否", center_time(a["created_at"])]
            for a in paged(store, reads.accounts, _now(store)))
    return export(Table("工作人员", ["姓名", "用户名", "角色", "中心", "状态", "锁定", "添加时间"], rows), fmt)


# -- adding an account ---------------------------------------------------------------------
@router.get("/admin/staff/add")
def staff_form(request: Request, clerk: Clerk = Depends(administrator)):
    return _show(request, clerk, "staff_form.html", title="添加工作人员", typed={"roles": [], "centers": []})


def _once(request: Request, clerk: Clerk, staff_id: str, what: str, secret: str):
    store = request.app.state.store
    account = store.read(reads.account, _now(store), staff_id)
    return _show(request, clerk, "staff_once.html", title=f"{account['display_name']}的{what}", what=what,
                 secret=secret, a=account)


@router.post("/admin/staff/add")
def staff_add(request: Request, clerk: Clerk = Depends(administrator_changing),
              username: str = Form("", max_length=200), display_name: str = Form("", max_length=200),
              roles: list[str] = Form([]), centers: list[str] = Form([])):
    username, display_name = username.strip(), display_name.strip()
    password = new_password()
    try:
        request.app.state.store.office.add_staff(clerk.actor, username, username, display_name, set(roles),
                                                 centers, password=password)
    except OfficeError as exc:
        typed = {"username": username, "display_name": display_name, "roles": roles, "centers": centers}
        return _show(request, clerk, "staff_form.html", 400, title="添加工作人员", typed=typed,
                     errors={exc.field or "form": refusal(exc)})
    return _once(request, clerk, username, "初始密码", password)


# -- one account ---------------------------------------------------------------------------
def _account(store, staff_id: str) -> dict:
    found = store.read(reads.account, _now(store), staff_id)
    if found is None:
        raise PageError(404, "没有这个工作人员账号", "请从工作人员列表中打开。")
    return found


def _account_page(request: Request, clerk: Clerk, staff_id: str, status: int = 200, **context):
    account = _account(request.app.state.store, staff_id)
    context.setdefault("typed", account)
    return _show(request, clerk, "staff_account.html", status, title=f"{account['display_name']}（{account['username']}）",
                 a=account, itself=staff_id == clerk.actor.staff_id, **context)


def _to_account(staff_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}/account/{staff_id}?done={done}", status_code=303)


@router.get("/admin/staff/account/{staff_id}")
def staff_account(request: Request, staff_id: str, clerk: Clerk = Depends(administrator), done: str = ""):
    return _account_page(request, clerk, staff_id, notice=DONE.get(done, ""))


def _refused(request: Request, clerk: Clerk, staff_id: str, exc: OfficeError, **context):
    """A refusal: at its field if it has one, else said above the account's forms."""
    if exc.kind == "not_found":
        raise PageError(404, "没有这个工作人员账号")
    return _account_page(request, clerk, staff_id, 400 if exc.field else 409,
                         errors={exc.field or "form": refusal(exc)}, **context)


@router.post("/admin/staff/account/{staff_id}")
def staff_edit(request: Request, staff_id: str, clerk: Clerk = Depends(administrator_changing),
               display_name: str = Form("", max_length=200), roles: list[str] = Form([]),
               centers: list[str] = Form([])):
    try:
        request.app.state.store.office.edit_staff(clerk.actor, staff_id, display_name.strip(), set(roles), centers)
    except OfficeError as exc:
        typed = {"display_name": display_name, "roles": roles, "centers": centers}
        return _refused(request, clerk, staff_id, exc, typed=typed)
    return _to_account(staff_id, "edited")


def _change(request: Request, clerk: Clerk, staff_id: str, change: str, *args):
    """store.office.<change> on the account: (its answer, None), or (None, the page that says why not)."""
    try:
        return getattr(request.app.state.store.office, change)(clerk.actor, staff_id, *args), None
    except OfficeError as exc:
        return None, _refused(request, clerk, staff_id, exc)


@router.post("/admin/staff/account/{staff_id}/active")
def staff_active(request: Request, staff_id: str, clerk: Clerk = Depends(administrator_changing),
                 active: str = Form("")):
    _, refused = _change(request, clerk, staff_id, "set_staff_active", active == "1")
    return refused or _to_account(staff_id, "reactivated" if active == "1" else "deactivated")


@router.post("/admin/staff/account/{staff_id}/unlock")
def staff_unlock(request: Request, staff_id: str, clerk: Clerk = Depends(administrator_changing)):
    _, refused = _change(request, clerk, staff_id, "unlock_staff")
    return refused or _to_account(staff_id, "unlocked")


@router.post("/admin/staff/account/{staff_id}/password")
def staff_password(request: Request, staff_id: str, clerk: Clerk = Depends(administrator_changing)):
    password, refused = _change(request, clerk, staff_id, "reset_staff_password")
    return refused or _once(request, clerk, staff_id, "新密码", password)


@router.post("/admin/staff/account/{staff_id}/pin")
def staff_pin(request: Request, staff_id: str, clerk: Clerk = Depends(administrator_changing)):
    pin, refused = _change(request, clerk, staff_id, "set_staff_pin")
    return refused or _once(request, clerk, staff_id, "值班密码", pin)
