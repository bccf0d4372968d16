"""The server's HTTP API (FastAPI): push and pull for kiosks.

Every error is application/problem+json (RFC 9457) with a stable type; a
body over 1 MiB is refused before it is read; malformed JSON, however deeply
nested, is a 400, never a 500. Tokens and personal data are never logged.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sync.protocol import MAX_BATCH, MAX_BODY, MAX_PULL, MUTATION_TYPES, PROBLEM_BASE, VERSION
from sync.server import faults
from sync.server.storage import PayloadMismatch, ServerStore

RATE = 20.0  # requests per second per kiosk, sustained
BURST = 40.0


class Problem(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str = "", headers: dict | None = None):
        super().__init__(title)
        self.status, self.kind, self.title, self.detail, self.headers = status, kind, title, detail, headers


def problem_response(p: Problem) -> JSONResponse:
    body = {"type": PROBLEM_BASE + p.kind, "title": p.title, "status": p.status}
    if p.detail:
        body["detail"] = p.detail
    return JSONResponse(body, status_code=p.status, media_type="application/problem+json",
                        headers=p.headers)


class MutationIn(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    type: str
    created_at: str = Field(max_length=40)
    data: dict


class PushIn(BaseModel):
    version: int
    queue_depth: int = Field(ge=0)
    mutations: list[MutationIn] = Field(max_length=MAX_BATCH)


class ResultOut(BaseModel):
    id: str
    status: str
    reason: str | None = None


class PushOut(BaseModel):
    results: list[ResultOut]


class ChangeOut(BaseModel):
    cursor: int
    kind: str
    data: dict


class PullOut(BaseModel):
    changes: list[ChangeOut]
    next_cursor: int
    more: bool


def create_app(db_path: Path | str) -> FastAPI:
    store = ServerStore(db_path)
    app = FastAPI(title="柳邻惠 central server", version=str(VERSION))
    buckets: dict[str, tuple[float, float]] = defaultdict(lambda: (BURST, time.monotonic()))

    @app.exception_handler(Problem)
    async def _problem(_request, exc: Problem):
        return problem_response(exc)

    @app.exception_handler(Exception)
    async def _unexpected(_request, _exc):  # never a stack trace (or a token) to the client
        return problem_response(Problem(500, "internal", "服务器内部错误"))

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return problem_response(Problem(413, "too-large", "请求太大", f"最多 {MAX_BODY} 字节"))
        return await call_next(request)

    def kiosk(authorization: str = Header(default="")) -> dict:
        scheme, _, token = authorization.partition(" ")
        found = store.kiosk_for_token(token) if scheme.lower() == "bearer" and token else None
        if found is None:
            raise Problem(401, "unauthorized", "未知或已停用的终端令牌",
                          headers={"WWW-Authenticate": "Bearer"})
        tokens, last = buckets[found["id"]]
        now = time.monotonic()
        tokens = min(BURST, tokens + (now - last) * RATE)
        if tokens < 1:
            raise Problem(429, "slow-down", "请求太频繁", headers={"Retry-After": "1"})
        buckets[found["id"]] = (tokens - 1, now)
        return found

    async def read_json(request: Request) -> dict:
        body = await request.body()
        if len(body) > MAX_BODY:
            raise Problem(413, "too-large", "请求太大")
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            raise Problem(400, "malformed", "请求不是有效的 JSON") from None
        if not isinstance(value, dict):
            raise Problem(400, "malformed", "请求必须是 JSON 对象")
        return value

    @app.post("/api/v1/push", response_model=PushOut,
              responses={400: {}, 401: {}, 413: {}, 422: {}, 429: {}})
    async def push(request: Request, who: dict = Depends(kiosk)) -> dict:
        raw = await read_json(request)
        try:
            body = PushIn.model_validate(raw)
        except Exception as exc:  # pydantic's ValidationError: refuse, do not echo data
            raise Problem(422, "invalid", "请求格式不符合协议", str(type(exc).__name__)) from None
        if body.version != VERSION:
            raise Problem(422, "version", f"协议版本 {body.version} 不受支持，需要 {VERSION}")
        unknown = [m.id for m in body.mutations if m.type not in MUTATION_TYPES]
        if unknown:
            raise Problem(422, "unknown-type", "未知的变更类型")
        try:
            results = store.push(who["id"], [m.model_dump() for m in body.mutations], body.queue_depth)
            faults.after_commit()  # test fault hook; does nothing unless its variable is set
        except PayloadMismatch:
            raise Problem(422, "id-reused", "同一个变更编号带来了不同的内容") from None
        return {"results": results}

    @app.get("/api/v1/pull", response_model=PullOut, responses={401: {}, 422: {}, 429: {}})
    def pull(cursor: int = Query(0, ge=0, le=2**62), limit: int = Query(100, ge=1, le=MAX_PULL),
             who: dict = Depends(kiosk)) -> dict:
        return store.pull(who["id"], cursor, limit)

    @app.get("/api/v1/health")
    def health() -> dict:
        return {"ok": True, "version": VERSION}

    app.state.store = store
    return app
