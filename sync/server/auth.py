"""Who is asking (FastAPI dependencies): a kiosk by its token, or a staff
member by a session. Two separate dependencies over two separate tables, so
a kiosk token never opens an office route, nor a staff session the kiosk API."""
from __future__ import annotations

import threading
import time
from collections import defaultdict

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sync.protocol import APP_VERSION_HEADER
from sync.server.problems import Problem
from sync.server.staff import Actor

bearer = HTTPBearer(auto_error=False)  # no token is our own 401, not FastAPI's


def _unauthorized(title: str) -> Problem:
    return Problem(401, "unauthorized", title, headers={"WWW-Authenticate": "Bearer"})


class RateLimit:
    """A token bucket per caller (requests per second, sustained and at once)."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = defaultdict(lambda: (burst, time.monotonic()))
        self._lock = threading.Lock()  # dependencies run in FastAPI's thread pool

    def take(self, key: str) -> None:
        with self._lock:
            tokens, last = self._buckets[key]
            now = time.monotonic()
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                raise Problem(429, "slow-down", "请求太频繁", headers={"Retry-After": "1"})
            self._buckets[key] = (tokens - 1, now)


def kiosk(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict:
    store, limit = request.app.state.store, request.app.state.kiosk_rate
    token = credentials.credentials if credentials else ""
    found = store.kiosk_for_token(token, request.headers.get(APP_VERSION_HEADER)) if token else None
    if found is None:
        raise _unauthorized("未知或已停用的终端令牌")
    limit.take(found["id"])
    return found


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def staff(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Actor:
    store = request.app.state.store
    staff_id = store.sessions.staff_for(credentials.credentials) if credentials else None
    actor = store.actor(staff_id, address(request)) if staff_id else None
    if actor is None:
        raise _unauthorized("请先登录")
    if not actor.roles & {"office", "admin"}:
        raise Problem(403, "forbidden", "值班员账号不能使用办公室后台")
    return actor
