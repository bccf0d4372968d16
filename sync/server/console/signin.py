"""Signing in and out of the console, and where a signed-in clerk lands."""
from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from sync.server.auth import address
from sync.server.console.web import (COOKIE, PRE_SIGN_IN, Clerk, PageError, console_allowed, csrf_checked, page,
                                     set_cookie, signed_in)
from sync.server.problems import Problem
from sync.server.staff import SIGN_IN_FAILED

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Back to the page that asked for a sign-in, never to another site."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


def _form(request: Request, error: str = "", username: str = "", status: int = 200, target: str = ""):
    pre = secrets.token_urlsafe(24)
    response = page(request, "login.html", {"error": error, "username": username, "pre": pre,
                                            "next": _safe_next(target)}, status=status)
    set_cookie(request, response, PRE_SIGN_IN, pre)
    return response


@router.get("/login")
def login_form(request: Request, next: str = ""):
    return _form(request, target=next)


@router.post("/login")
async def login(request: Request, username: str = Form("", max_length=40),
                password: str = Form("", max_length=200), csrf: str = Form(""), next: str = Form("")):
    if not hmac.compare_digest(csrf, request.cookies.get(PRE_SIGN_IN, "") or "-"):
        return _form(request, "页面已过期，请重新输入", username, 403, next)
    if not username or not password:
        return _form(request, "请输入用户名和密码", username, 400, next)
    try:
        request.app.state.sign_in_rate.take(address(request))
    except Problem:
        return _form(request, "尝试太频繁，请稍等一分钟再试", username, 429, next)
    store = request.app.state.store
    actor = await run_in_threadpool(store.sign_in, username, password, address(request))
    if actor is None:  # the same words for an unknown user, a wrong password and a locked account
        return _form(request, SIGN_IN_FAILED + "；连续输错 5 次将锁定 15 分钟", username, 401, next)
    console_allowed(actor)
    earlier = request.cookies.get(COOKIE)
    if earlier:  # a sign-in over a live session (a shared office PC): that one ends, it is not kept on
        await run_in_threadpool(store.sessions.close, earlier)
    token = await run_in_threadpool(store.sessions.open, actor.staff_id, address(request))
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(request, response, COOKIE, token)
    response.delete_cookie(PRE_SIGN_IN, path="/console")
    return response


@router.post("/logout")
async def logout(request: Request, clerk: Clerk = Depends(csrf_checked)):
    await run_in_threadpool(request.app.state.store.sessions.close, clerk.token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/")
def landing(clerk: Clerk = Depends(signed_in)):
    if not clerk.centers:
        raise PageError(403, "这个账号还没有分配中心", "请联系街道管理员。")
    return RedirectResponse(f"/console/{clerk.centers[0][0]}/", status_code=303)
