"""The office API (a staff session): sign in and out, the office's changes
that the console's pages call. Every change is checked for the staff
member's role and center, and audited with the caller's address."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from sync.server.auth import address, bearer, staff
from sync.server.office import OfficeError
from sync.server.problems import Problem, documented
from sync.server.routes.bodies import Body, Whole
from sync.server.staff import SIGN_IN_FAILED, Actor

router = APIRouter(prefix="/api/v1/office")


class SignIn(Body):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class WishChangeIn(Body):
    status: str = Field(max_length=16)
    claimant: str | None = Field(None, max_length=40)
    claimant_kind: str | None = Field(None, max_length=16)
    reason: str | None = Field(None, max_length=200)
    fulfilled_note: str | None = Field(None, max_length=200)


class LedgerIn(Body):
    volunteer_id: str = Field(min_length=1, max_length=64)
    activity: str = Field(min_length=1, max_length=40)
    points: Whole = Field(ge=-100_000, le=100_000)
    hours: float = Field(0, ge=-24, le=24)
    reason: str | None = Field(None, max_length=200)


def _refused(exc: OfficeError) -> Problem:
    """403 outside the staff member's role or centers, 404 for an id the
    server does not know, 409 for a change the record's state refuses."""
    status, kind, title = {"forbidden": (403, "forbidden", str(exc)),
                           "not_found": (404, "not-found", "没有这条记录")}.get(
        exc.kind, (409, "refused", "变更没有通过核对"))
    return Problem(status, kind, title, "" if exc.kind == "forbidden" else str(exc))


@router.post("/session", responses=documented(400, 401, 422, 429))
async def sign_in(request: Request, body: SignIn) -> dict:
    store = request.app.state.store
    request.app.state.sign_in_rate.take(address(request))  # slows guessing from one address
    actor = await run_in_threadpool(store.sign_in, body.username, body.password, address(request))
    if actor is None:  # the same answer for an unknown user, a wrong password and a locked account
        raise Problem(401, "sign-in-failed", SIGN_IN_FAILED)
    return {"token": store.sessions.open(actor.staff_id, address(request)), "roles": sorted(actor.roles)}


@router.delete("/session", status_code=204, responses=documented(401))
def sign_out(request: Request, _actor: Actor = Depends(staff), credentials=Depends(bearer)) -> None:
    request.app.state.store.sessions.close(credentials.credentials)


@router.post("/wishes/{wish_id}/status", status_code=204, responses=documented(400, 401, 403, 404, 409, 422))
def wish_status(request: Request, wish_id: str, body: WishChangeIn, actor: Actor = Depends(staff)) -> None:
    try:
        request.app.state.store.office.set_wish_status(actor, wish_id, **body.model_dump(exclude_none=True))
    except OfficeError as exc:
        raise _refused(exc) from None


@router.post("/centers/{center_id}/ledger", responses=documented(400, 401, 403, 404, 409, 422))
def ledger_entry(request: Request, center_id: str, body: LedgerIn, actor: Actor = Depends(staff)) -> dict:
    try:
        return {"uid": request.app.state.store.office.add_ledger(actor, center_id, body.model_dump())}
    except OfficeError as exc:
        raise _refused(exc) from None


@router.get("/centers/{center_id}/audit", responses=documented(401, 403))
def audit_history(request: Request, center_id: str, actor: Actor = Depends(staff)) -> list[dict]:
    try:
        return request.app.state.store.office.audit_history(actor, center_id)
    except OfficeError as exc:
        raise _refused(exc) from None
