"""首页: what needs doing today in the center."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from sync.server.console.web import Here, here, page
from sync.server.console.rooms import session_label
from sync.server.reads import overview

router = APIRouter()


@router.get("/{center_id}/")
async def home(request: Request, where: Here = Depends(here)):
    store = request.app.state.store
    now = store.shared.now()
    day = store.shared.local_now().date().isoformat()
    facts = await run_in_threadpool(store.read, overview.today, where.center_id, day, now)
    center = await run_in_threadpool(store.center, where.center_id)
    for room in facts["rooms"]:  # the session's name and hours, as on the room's own page
        room["session"] = session_label(center, room["kind"], {"session": room["session"]})
    return page(request, "home.html", {"title": "首页", "day": day, **facts}, where=where)
