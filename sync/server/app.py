"""The server's HTTP application (FastAPI): routers over an injected store.

create_app(settings, store) wires the kiosk API (sync/server/routes/kiosk_api.py,
kiosk tokens) and the office API (routes/office_api.py, staff sessions),
the problem+json error handlers (problems.py) and a body limit checked
before anything is read. Tokens and personal data are never logged. The
OpenAPI document (/openapi.json) describes every route; tests fuzz it. It and
/docs are served only when settings.docs says so.
"""
from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.requests import ClientDisconnect

from sync.protocol import MAX_BODY, VERSION
from sync.server import console, problems
from sync.server.auth import RateLimit
from sync.server.problems import Problem
from sync.server.routes import kiosk_api, office_api
from sync.server.settings import Settings
from sync.server.storage import ServerStore, StorageInterface

SIGN_IN_BURST = 5.0


def create_app(settings: Settings, store: StorageInterface | None = None) -> FastAPI:
    docs = {} if settings.docs else {"openapi_url": None, "docs_url": None, "redoc_url": None}
    app = FastAPI(title="柳邻惠 central server", version=str(VERSION), **docs)
    app.state.store = store if store is not None else ServerStore(settings.db, now=settings.clock(),
                                                                  session_minutes=settings.session_minutes)
    app.state.kiosk_rate = RateLimit(settings.rate, settings.burst)
    app.state.sign_in_rate = RateLimit(settings.sign_in_rate, SIGN_IN_BURST)
    problems.install(app, page=console.web.problem_page)
    # gone before its body was whole (it closed, or serving.py's deadline closed it): nobody
    # to answer, and nothing for the log (a traceback a trickler could repeat at will)
    app.add_exception_handler(ClientDisconnect, lambda request, exc: Response(status_code=400))

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if "transfer-encoding" in request.headers:
            # a body of unknown length would be read (form fields, a push) before any check,
            # even beside a Content-Length (h11 then reads the chunks): browsers, kiosks and
            # the reverse proxy (it buffers the body) always say the length
            problem = Problem(411, "length-required", "请求需要注明长度")
        elif length is not None and (not length.isdecimal() or int(length) > MAX_BODY):
            problem = Problem(413, "too-large", "请求太大", f"最多 {MAX_BODY} 字节")
        else:
            problem = None
        if problem is not None:
            if request.url.path.startswith("/console"):  # a browser's upload: a page, not JSON
                return console.web.problem_page(request, problem)
            return problems.response(problem)
        return await call_next(request)

    app.include_router(kiosk_api.router)
    app.include_router(office_api.router)
    console.install(app)  # the office's pages under /console
    return app
