"""The office's web console under /console (no Kivy): server-rendered pages
(Jinja2, autoescaped) with a vendored htmx, over the same store the kiosk
API uses. One router per ledger; web.py holds what they share."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from sync.server.console import (audit_log, counseling, home, kiosks, report, rooms, signin, staff_admin,
                                  volunteers, web, wishes)
from sync.server.console import catalogue, points, volunteer_import
from sync.server.console.web import Clerk, PageError, signed_in

STATIC = web.HERE / "static"


def _go() -> APIRouter:
    router = APIRouter()

    @router.get("/go")
    def go(center: str = "", clerk: Clerk = Depends(signed_in)):
        """The center switch in the header (a plain form, no script)."""
        if center not in dict(clerk.centers):
            raise PageError(403, "没有这个中心的权限")
        return RedirectResponse(f"/console/{center}/", status_code=303)
    return router


def get_routes(app, method: str = "GET", under: str = "/console/") -> list[str]:
    """Every path the app serves to this method under this prefix, as written ({center_id},
    {fmt}), sorted: what a tour of the pages or a benchmark walks, so a new page is found
    without being listed anywhere."""
    return sorted({path for path in _paths(app.routes, method) if path.startswith(under)})


def _paths(routes, method: str, prefix=""):
    for route in routes:
        if hasattr(route, "original_router"):  # an included router: its prefix is where it is included
            yield from _paths(route.original_router.routes, method, prefix + route.include_context.prefix)
        elif method in (getattr(route, "methods", None) or ()):
            yield prefix + route.path


def install(app) -> None:
    web.install(app)
    app.state.roster_uploads = volunteer_import.Uploads()  # roster files between upload and import
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    router = APIRouter(prefix="/console", include_in_schema=False)
    for part in (signin.router, _go(), home.router, wishes.router, counseling.router, rooms.router,
                 # the volunteer section's fixed paths before /volunteers/{volunteer_id}
                 volunteer_import.router, points.router, catalogue.router, volunteers.router,
                 kiosks.router, staff_admin.router, audit_log.router, report.router):
        router.include_router(part)
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/console/", status_code=303)
