"""What every console page shares (no Kivy): the templates, who is signed
in, the CSRF check, the center being worked on, error pages, and the paging
and checks of its lists and forms.

The session lives in an HttpOnly, SameSite=Strict cookie (Secure behind
TLS). The CSRF token is an HMAC of the session token, so it needs no table
and dies with the session; every form carries it in a hidden field and
every htmx request in the X-CSRF-Token header (base.html sets both).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from kiosk.validation import FieldError, mask_phone, validate_note
from sync.mutations import REASON_WORDS
from sync.server.auth import address
from sync.server.reads import PAGE_SIZE
from sync.server.reads.overview import KIOSK_QUIET
from sync.server.shared import CENTER_TZ
from sync.server.staff import Actor, Role

HERE = Path(__file__).parent
COOKIE = "lh_session"
PRE_SIGN_IN = "lh_pre"  # the sign-in form's own CSRF cookie (no session yet)

templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
templates.env.globals["page_size"] = PAGE_SIZE
templates.env.globals["kiosk_quiet_minutes"] = KIOSK_QUIET // timedelta(minutes=1)


def center_time(stamp: str | None) -> str:
    """A server stamp (UTC, ISO) as the center's clock reads it: 2026-11-27 15:04."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(CENTER_TZ)
    return moment.strftime("%Y-%m-%d %H:%M")


templates.env.filters["center_time"] = center_time


def kiosk_time(stamp: str | None) -> str:
    """A kiosk's stamp (already the center's clock, ISO) to the minute: 2026-11-27 15:04."""
    return (stamp or "")[:16].replace("T", " ")


templates.env.filters["kiosk_time"] = kiosk_time

# Every response from /console: nothing from elsewhere, no inline script or style, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")

# The navigation, in order: (path under /console/{center}, words, who sees it).
SECTIONS: list[tuple[str, str, str]] = [
    ("", "首页", Role.OFFICE),
    ("wishes", "微心愿台账", Role.OFFICE),
    ("counseling", "民情恳谈室", Role.OFFICE),
    ("study", "自习室", Role.OFFICE),
    ("books", "妈妈绘本馆", Role.OFFICE),
    ("volunteers", "志愿者", Role.OFFICE),
    ("kiosks", "终端", Role.OFFICE),
    ("audit", "操作记录", Role.OFFICE),
    ("report", "年度台账", Role.OFFICE),
]


class PageError(Exception):
    """A console request refused: answered with a page, never JSON."""

    def __init__(self, status: int, title: str, detail: str = ""):
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail


class SignInNeeded(Exception):
    """No live session: the browser goes to the sign-in page (and back afterwards)."""


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"console-csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Clerk:
    """The signed-in staff member."""
    actor: Actor
    name: str
    token: str
    centers: tuple[tuple[str, str], ...]  # (id, name) of the centers they may open

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.actor.roles

    def may_see_private(self, center_id: str) -> bool:
        """Full phones, counseling topics and notes: the center's own community
        staff only — not the sub-district administrator, not other centers."""
        return Role.OFFICE in self.actor.roles and center_id in self.actor.centers


def console_allowed(actor: Actor) -> None:
    """Office staff and the sub-district administrator; an on-duty member works at the kiosk only."""
    if not actor.roles & {Role.OFFICE, Role.ADMIN}:
        raise PageError(403, "值班员账号不能使用办公室后台", "请在大厅终端上进入工作人员模式。")


def _signed_in_sync(request: Request) -> Clerk:
    store = request.app.state.store
    token = request.cookies.get(COOKIE, "")
    staff_id = store.sessions.staff_for(token) if token else None
    actor = store.actor(staff_id, address(request)) if staff_id else None
    if actor is None:
        raise SignInNeeded()
    console_allowed(actor)
    return Clerk(actor, store.staff_name(staff_id), token, tuple(store.centers_for(actor)))


async def signed_in(request: Request) -> Clerk:
    return await run_in_threadpool(_signed_in_sync, request)


async def csrf_checked(request: Request, clerk: Clerk = Depends(signed_in)) -> Clerk:
    """For every change: the token from the header (htmx) or the form's hidden field."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, clerk.csrf):
        raise PageError(403, "表单已过期或来源不明", "请刷新页面后再试一次。")
    return clerk


@dataclass(frozen=True)
class Here:
    """A page of one center, opened by someone allowed to work there."""
    clerk: Clerk
    center_id: str
    center_name: str

    @property
    def private(self) -> bool:
        return self.clerk.may_see_private(self.center_id)

    def phone(self, phone: str | None) -> str:
        """A phone as this reader may see it."""
        return phone_as_seen(phone, self.private)


def phone_as_seen(phone: str | None, private: bool) -> str:
    """In full for a reader who may see private data (Clerk.may_see_private), else masked."""
    return (phone or "") if private else (mask_phone(phone) if phone else "")


def _here(center_id: str, clerk: Clerk) -> Here:
    names = dict(clerk.centers)
    if center_id not in names:
        raise PageError(403, "没有这个中心的权限", "只能查看和办理本人所在中心的事务。")
    return Here(clerk, center_id, names[center_id])


async def here(center_id: str, clerk: Clerk = Depends(signed_in)) -> Here:
    return _here(center_id, clerk)


async def here_changing(center_id: str, clerk: Clerk = Depends(csrf_checked)) -> Here:
    return _here(center_id, clerk)


def _administrator(clerk: Clerk) -> Clerk:
    if not clerk.is_admin:
        raise PageError(403, "只有街道管理员可以管理工作人员账号", "请联系街道管理员。")
    return clerk


async def administrator(clerk: Clerk = Depends(signed_in)) -> Clerk:
    """Pages of the sub-district administrator only (工作人员): anyone else gets a 403 page."""
    return _administrator(clerk)


async def administrator_changing(clerk: Clerk = Depends(csrf_checked)) -> Clerk:
    return _administrator(clerk)


def page(request: Request, name: str, context: dict | None = None, status: int = 200,
         clerk: Clerk | None = None, where: Here | None = None) -> HTMLResponse:
    """A template with what base.html needs: who, which center, the navigation."""
    clerk = clerk or (where.clerk if where else None)
    ctx = {"clerk": clerk, "here": where, "sections": [s for s in SECTIONS if _sees(clerk, s[2])]}
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def _sees(clerk: Clerk | None, role: str) -> bool:
    return clerk is not None and (role == Role.OFFICE or role in clerk.actor.roles)


def error_page(request: Request, status: int, title: str, detail: str = "") -> HTMLResponse:
    return page(request, "error.html", {"status": status, "title": title, "detail": detail},
                status=status)


HTTP_WORDS = {404: "没有这个页面", 405: "不支持这种操作", 422: "填写的内容格式不对", 500: "服务器出错了"}


def problem_page(request: Request, problem) -> HTMLResponse:
    """The console's page for an error the API would answer as problem+json."""
    title = HTTP_WORDS.get(problem.status, "请求无法处理") if problem.kind in ("http", "invalid", "internal") \
        else problem.title
    return error_page(request, problem.status, title)


def page_of(store, query, *args, number: int) -> tuple[list, bool]:
    """Page ``number`` (from 1) of a list read by query(conn, *args, offset, size):
    its rows and whether another page follows."""
    found = store.read(query, *args, (number - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


def page_number(text: str | None) -> int:
    """A list's ?page= (from 1); anything else is the first page."""
    return int(text) if text and text.isdecimal() and 0 < int(text) < 100_000 else 1


def parse_day(text: str, field: str) -> date | None:
    """A date typed in a filter ("" for none); FieldError at the field if it is not one."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(field, "日期格式应为 2026-11-27") from None


def day_ahead(text: str, field: str, today: date, missing: str, past: str) -> date:
    """A date the form needs that is today or later: ``missing`` or ``past`` at its field if not."""
    day = parse_day(text, field)
    if day is None:
        raise FieldError(field, missing)
    if day < today:
        raise FieldError(field, past)
    return day


def required_note(text: str, field: str, limit: int, missing: str) -> str:
    """A text the form cannot do without (validate_note's checks), else ``missing`` at its field."""
    note = validate_note(text, field, limit=limit)
    if not note:
        raise FieldError(field, missing)
    return note


def day_order(days: dict, errors: dict[str, str], first: str, last: str) -> None:
    """A filter's date range: a last day before the first is said at its field and left out."""
    if days.get(first) and days.get(last) and days[first] > days[last]:
        errors[last] = "截止日期不能早于开始日期"
        days[last] = None


def each_checked(checks: dict) -> tuple[dict, dict[str, str]]:
    """Every check run (name -> callable, as kiosk.validation.validate_all), for a form
    or filter shown again with what passed: (the values that passed, name -> the words
    of each that did not)."""
    values, errors = {}, {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except FieldError as exc:
            errors[name] = exc.message
    return values, errors


def refused_status(exc, otherwise: int) -> int:
    """The status of a page that answers an OfficeError: 403 not allowed, 404 not known, else ``otherwise``."""
    return {"forbidden": 403, "not_found": 404}.get(exc.kind, otherwise)


def refusal(exc) -> str:
    """An OfficeError in the clerk's words: a registry reason (sync/mutations.py)
    or the office's own sentence."""
    text = str(exc)
    return REASON_WORDS.get(text, text)


def install(app) -> None:
    """The console's answers to errors and its security headers."""

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError):
        return error_page(request, exc.status, exc.title, exc.detail)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, _exc):
        target = "/console/login?next=" + quote(request.url.path, safe="/")
        if request.headers.get("hx-request"):  # htmx follows this header, not a 303
            return HTMLResponse("", headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        if request.url.path.startswith("/console"):
            response.headers["Content-Security-Policy"] = CSP
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Referrer-Policy"] = "same-origin"
            if "cache-control" not in response.headers:
                response.headers["Cache-Control"] = "no-store"  # personal data stays off the disk
        return response


def set_cookie(request: Request, response, name: str, value: str) -> None:
    """The console's cookies (the session, the sign-in form's token): out of scripts' reach,
    never sent from another site, only to /console, and only over TLS when it is used."""
    response.set_cookie(name, value, httponly=True, samesite="strict", path="/console",
                        secure=request.url.scheme == "https")
