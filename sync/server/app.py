"""The server's HTTP API (FastAPI): push and pull for kiosks.

Every error is application/problem+json (RFC 9457) with a stable type; a
body over 1 MiB is refused before it is read; malformed JSON, however deeply
nested, is a 400, never a 500. Tokens and personal data are never logged.
The OpenAPI document (/openapi.json) describes the push body, the bearer
token and the problem responses; tests/test_sync_schema.py fuzzes the server
from it with schemathesis.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from pathlib import Path

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

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
    # a plain str, so an unknown type is the 422 "unknown-type"; the document lists the known ones
    type: str = Field(json_schema_extra={"enum": sorted(MUTATION_TYPES)})
    created_at: str = Field(max_length=40)
    data: dict


class PushIn(BaseModel):
    version: int = Field(json_schema_extra={"enum": [VERSION]})  # any other is the 422 "version"
    # stored in an SQLite INTEGER (at most 2**63 - 1); 2**53 - 1, the largest integer a JSON
    # number carries exactly (RFC 7493), as the document gives pydantic's bounds as floats
    queue_depth: int = Field(ge=0, le=2**53 - 1)
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


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None


def inline_schema(model: type[BaseModel]) -> dict:
    """The model's JSON schema with its $defs inlined: openapi_extra is copied
    into the document as is, where "#/$defs/..." would not resolve."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node
    return inline(schema)


def problems(*statuses: int) -> dict:
    """The documented error responses: application/problem+json."""
    doc = {"content": {"application/problem+json": {"schema": inline_schema(ProblemOut)}}}
    return {status: dict(doc) for status in statuses}


# push reads its body itself (size first, then JSON that may be nested too deep), so
# FastAPI does not see a body parameter: the document gets the request body from here
PUSH_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": inline_schema(PushIn)}}}}


def create_app(db_path: Path | str, rate: float = RATE, burst: float = BURST) -> FastAPI:
    """rate and burst: each kiosk's token bucket (requests per second, sustained and at once)."""
    store = ServerStore(db_path)
    app = FastAPI(title="柳邻惠 central server", version=str(VERSION))
    buckets: dict[str, tuple[float, float]] = defaultdict(lambda: (burst, time.monotonic()))
    bucket_lock = threading.Lock()
    bearer = HTTPBearer(auto_error=False)  # no token is our own 401, not FastAPI's

    @app.exception_handler(Problem)
    async def _problem(_request, exc: Problem):
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request, _exc):  # a query parameter out of range; no echo of the input
        return problem_response(Problem(422, "invalid", "请求格式不符合协议"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request, exc: StarletteHTTPException):  # unknown path, wrong method
        return problem_response(Problem(exc.status_code, "http", str(exc.detail), headers=exc.headers))

    @app.exception_handler(Exception)
    async def _unexpected(_request, _exc):  # never a stack trace (or a token) to the client
        return problem_response(Problem(500, "internal", "服务器内部错误"))

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return problem_response(Problem(413, "too-large", "请求太大", f"最多 {MAX_BODY} 字节"))
        return await call_next(request)

    def kiosk(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict:
        token = credentials.credentials if credentials else ""
        found = store.kiosk_for_token(token) if token else None
        if found is None:
            raise Problem(401, "unauthorized", "未知或已停用的终端令牌",
                          headers={"WWW-Authenticate": "Bearer"})
        with bucket_lock:  # this dependency runs in FastAPI's thread pool
            tokens, last = buckets[found["id"]]
            now = time.monotonic()
            tokens = min(burst, tokens + (now - last) * rate)
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
            if b"\\ud" in body or b"\\uD" in body:
                # "\ud800" alone is valid JSON but no text (UTF-8 cannot encode it): refuse it
                # here, not as a 500 where the payload is hashed or stored (a ValueError)
                json.dumps(value, ensure_ascii=False).encode()
        except (ValueError, RecursionError):
            raise Problem(400, "malformed", "请求不是有效的 JSON") from None
        if not isinstance(value, dict):
            raise Problem(400, "malformed", "请求必须是 JSON 对象")
        return value

    @app.post("/api/v1/push", response_model=PushOut, openapi_extra=PUSH_BODY,
              responses=problems(400, 401, 413, 422, 429))
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
            # the validated raw dicts (no model_dump copy), and off the event loop: a batch
            # commit waits for the disk, and other kiosks' requests should not wait with it
            results = await run_in_threadpool(store.push, who["id"], raw["mutations"], body.queue_depth)
            faults.after_commit()  # test fault hook; does nothing unless its variable is set
        except PayloadMismatch:
            raise Problem(422, "id-reused", "同一个变更编号带来了不同的内容") from None
        # results are built by the store in PushOut's shape; skip re-validating 200 of them
        return JSONResponse({"results": results})

    @app.get("/api/v1/pull", response_model=PullOut, responses=problems(401, 422, 429))
    def pull(cursor: int = Query(0, ge=0, le=2**62), limit: int = Query(100, ge=1, le=MAX_PULL),
             who: dict = Depends(kiosk)) -> dict:
        return store.pull(who["id"], cursor, limit)

    @app.get("/api/v1/health")
    def health() -> dict:
        return {"ok": True, "version": VERSION}

    app.state.store = store
    return app
