"""The kiosk API (a kiosk token): push and pull, on-duty staff's read of
today's bookings, and the passbook's sign-in check."""
from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sync.mutations import REGISTRY
from sync.protocol import MAX_BATCH, MAX_BODY, MAX_PULL, VERSION
from sync.rows import DutyToday
from sync.server import faults
from sync.server.auth import kiosk
from sync.server.passbook import ChallengeRefused
from sync.server.problems import Problem, documented, inline_schema
from sync.server.push import PayloadMismatch
from sync.server.routes.bodies import Body, Whole

router = APIRouter(prefix="/api/v1")


class MutationIn(Body):
    id: str = Field(min_length=1, max_length=64)
    # a plain str, so an unknown type is the 422 "unknown-type"; the document lists the known ones
    type: str = Field(json_schema_extra={"enum": sorted(REGISTRY)})
    created_at: str = Field(max_length=40)
    data: dict


class PushIn(Body):
    version: Whole = Field(json_schema_extra={"enum": [VERSION]})  # any other is the 422 "version"
    # stored in an SQLite INTEGER (at most 2**63 - 1); 2**53 - 1, the largest integer a JSON
    # number carries exactly (RFC 7493), as the document gives pydantic's bounds as floats
    queue_depth: Whole = Field(ge=0, le=2**53 - 1)
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


# push reads its body itself (size first, then JSON that may be nested too deep), so
# FastAPI does not see a body parameter: the document gets the request body from here
PUSH_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": inline_schema(PushIn)}}}}


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


@router.post("/push", response_model=PushOut, openapi_extra=PUSH_BODY,
             responses=documented(400, 401, 413, 422, 429))
async def push(request: Request, who: dict = Depends(kiosk)) -> dict:
    raw = await read_json(request)
    try:
        body = PushIn.model_validate(raw)
    except Exception as exc:  # pydantic's ValidationError: refuse, do not echo data
        raise Problem(422, "invalid", "请求格式不符合协议", str(type(exc).__name__)) from None
    if body.version != VERSION:
        raise Problem(422, "version", f"协议版本 {body.version} 不受支持，需要 {VERSION}")
    if any(m.type not in REGISTRY for m in body.mutations):
        raise Problem(422, "unknown-type", "未知的变更类型")
    store = request.app.state.store
    try:
        # the validated raw dicts (no model_dump copy), and off the event loop: a batch
        # commit waits for the disk, and other kiosks' requests should not wait with it
        results = await run_in_threadpool(store.push, who["id"], raw["mutations"], body.queue_depth)
        faults.after_commit()  # test fault hook; does nothing unless its variable is set
    except PayloadMismatch:
        raise Problem(422, "id-reused", "同一个变更编号带来了不同的内容") from None
    # results are built by the store in PushOut's shape; skip re-validating 200 of them
    return JSONResponse({"results": results})


@router.get("/pull", response_model=PullOut, responses=documented(401, 422, 429))
def pull(request: Request, cursor: int = Query(0, ge=0, le=2**62),
         limit: int = Query(100, ge=1, le=MAX_PULL), who: dict = Depends(kiosk)) -> dict:
    return request.app.state.store.pull(who["id"], cursor, limit)


class ChallengeOut(BaseModel):
    challenge: str


class DutyReadIn(Body):
    staff_id: str = Field(min_length=1, max_length=64)
    challenge: str = Field(min_length=1, max_length=64)  # from /duty/challenge; the PIN is sealed for it
    staff_proof: str = Field(min_length=1, max_length=1024)
    list: Literal["bookings", "counseling"] = "bookings"  # 今日预约 or 恳谈室 (topics only there)


@router.post("/duty/challenge", response_model=ChallengeOut, responses=documented(401, 429))
def duty_challenge(request: Request, who: dict = Depends(kiosk)) -> dict:
    """The first step of a desk read: a challenge to seal the staff PIN for (sync/server/duty.py)."""
    return {"challenge": request.app.state.store.duty.challenge(who)}


@router.post("/duty/today", response_model=DutyToday, responses=documented(400, 401, 403, 422, 429))
def duty_today(body: DutyReadIn, request: Request, who: dict = Depends(kiosk)) -> dict:
    """今日预约 or 恳谈室 at a kiosk in staff mode: every kiosk's bookings of today."""
    found = request.app.state.store.duty.read(who, body.staff_id, body.challenge, body.staff_proof, body.list)
    if found is None:
        raise Problem(403, "staff-refused", "值班人员身份未通过服务器核对")
    return found


class PassbookSignInIn(Body):
    challenge: str = Field(min_length=1, max_length=64)  # from /passbook/challenge; sealed in too
    sealed: str = Field(min_length=1, max_length=1024)  # phone and PIN (sync/sealing.py)


class PassbookSignInOut(BaseModel):
    volunteer: str | None  # None alike for an unknown phone, a wrong PIN and a lock


@router.post("/passbook/challenge", response_model=ChallengeOut, responses=documented(401, 429))
def passbook_challenge(request: Request, who: dict = Depends(kiosk)) -> dict:
    """The first step of a passbook sign-in: a challenge to seal the phone and PIN for."""
    return {"challenge": request.app.state.store.passbook.challenge(who)}


@router.post("/passbook/sign-in", response_model=PassbookSignInOut, responses=documented(400, 401, 403, 422, 429))
def passbook_sign_in(body: PassbookSignInIn, request: Request, who: dict = Depends(kiosk)) -> dict:
    """爱心储蓄存折 at a kiosk: the PIN checked, wrong tries counted center-wide (sync/server/passbook.py)."""
    try:
        return {"volunteer": request.app.state.store.passbook.sign_in(who, body.challenge, body.sealed)}
    except ChallengeRefused:
        raise Problem(403, "challenge-refused", "登录请求已失效，请重新登录") from None


@router.get("/health")
def health() -> dict:
    return {"ok": True, "version": VERSION}
