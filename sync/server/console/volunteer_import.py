"""志愿者 — a roster file imported: upload, map its columns (guessed from the
header, the clerk may change them), check every row, and only when the whole
file is clean import it in one transaction (office.import_volunteers).

The file is read as it arrives and never written anywhere: what was read
(its rows, not the file) waits in memory for the clerk's next step, for 30
minutes, for that clerk and center only. The server runs as one process, so
memory is shared by all its requests.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from sync.protocol import MAX_BODY
from sync.server import roster_import
from sync.server.console.station import base, show
from sync.server.console.web import Here, PageError, here, here_changing
from sync.server.office import ROSTER_FIELDS, RosterRefused, plan_roster
from sync.server.roster_import import MAX_BYTES, SIZE_WORDS, RosterFile, RosterFileError

router = APIRouter()

PREVIEW_ROWS = 50  # lines shown before the import
PROBLEMS_SHOWN = 300  # a file wrong throughout: the first ones, and how many more


@dataclass
class _Upload:
    staff_id: str
    center_id: str
    roster: RosterFile
    until: float


class Uploads:
    """Roster files between their upload and their import, in memory only."""
    KEEP = 30 * 60  # s, as long as a console session lives idle
    MOST = 20  # at once, all clerks together (each at most 5,000 short rows)

    def __init__(self):
        self._lock = threading.Lock()
        self._held: dict[str, _Upload] = {}

    def put(self, where: Here, roster: RosterFile) -> str:
        """A new file replaces the clerk's earlier one for that center."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            now = time.monotonic()
            self._held = {k: u for k, u in self._held.items() if u.until > now
                          and (u.staff_id, u.center_id) != (where.clerk.actor.staff_id, where.center_id)}
            while len(self._held) >= self.MOST:
                self._held.pop(min(self._held, key=lambda k: self._held[k].until))
            self._held[token] = _Upload(where.clerk.actor.staff_id, where.center_id, roster, now + self.KEEP)
        return token

    def get(self, where: Here, token: str) -> RosterFile:
        with self._lock:
            found = self._held.get(token)
        if found is None or found.until < time.monotonic() or \
                (found.staff_id, found.center_id) != (where.clerk.actor.staff_id, where.center_id):
            raise PageError(404, "这个名册文件已过期", "上传后 30 分钟内需要完成导入，请重新上传。")
        return found.roster

    def drop(self, token: str) -> None:
        with self._lock:
            self._held.pop(token, None)


def _uploads(request: Request) -> Uploads:
    return request.app.state.roster_uploads  # made by console.install


def _upload_page(request: Request, where: Here, error: str | None = None, status: int = 200):
    return show(request, "volunteers_import.html", where, "", {
        "title": "导入志愿者名册", "error": error, "size": SIZE_WORDS,
        "max_rows": roster_import.ROSTER_IMPORT_MAX}, status=status)


@router.get("/{center_id}/volunteers/import")
def upload_form(request: Request, upload: str = "", where: Here = Depends(here)):
    """The upload form; ?upload=<token>: the file uploaded, its columns and its check."""
    if not upload:
        return _upload_page(request, where)
    roster = _uploads(request).get(where, upload)
    return _check_page(request, where, upload, roster, _mapping(roster, request.query_params))


async def small_body(request: Request) -> None:
    """Before the form is read (the CSRF check reads it): a body over the limit is refused unread."""
    length = request.headers.get("content-length", "")  # (larger than the server's limit: app.py)
    if not length.isdecimal() or int(length) > MAX_BODY:
        raise PageError(413, "文件太大", f"名册文件{SIZE_WORDS}，最多 {roster_import.ROSTER_IMPORT_MAX} 行。")


@router.post("/{center_id}/volunteers/import")
async def upload(request: Request, _small: None = Depends(small_body), where: Here = Depends(here_changing)):
    form = await request.form()  # already read by the CSRF check
    try:
        sent = form.get("file")
        if not isinstance(sent, UploadFile) or not sent.filename:
            return _upload_page(request, where, "请选择名册文件", 400)
        data = await sent.read(MAX_BYTES + 1)
        name = sent.filename
    finally:
        await form.close()  # a large file was spooled to a temporary file: gone now
    try:
        roster = await run_in_threadpool(roster_import.read_roster, name, data)
    except RosterFileError as exc:
        return _upload_page(request, where, str(exc), 400)
    token = _uploads(request).put(where, roster)
    return RedirectResponse(f"{base(where)}/import?upload={token}", status_code=303)


# -- mapping, check, import ----------------------------------------------------------------------------
def _mapping(roster: RosterFile, chosen) -> dict[str, int | None]:
    """The clerk's choice (number=2&name=0&phone=1, 0-based columns) or the guess from the header."""
    if not any(field in chosen for field in ROSTER_FIELDS):
        return roster_import.guess_mapping(roster.header)
    mapping = {}
    for field in ROSTER_FIELDS:
        text = str(chosen.get(field, ""))
        mapping[field] = int(text) if text.isdecimal() else None
    return mapping


def _check_page(request: Request, where: Here, token: str, roster: RosterFile, mapping: dict,
                problems=None):
    """The mapping and, when it is complete, what importing would do or every row's problem."""
    field_errors = roster_import.mapping_problems(mapping, roster.header)
    plan = []
    if not field_errors and problems is None:
        plan, problems = request.app.state.store.read(plan_roster, where.center_id,
                                                      roster_import.lines(roster, mapping))
    counts = {action: sum(1 for p in plan if p["action"] == action) for action in ("add", "update", "same")}
    return show(request, "volunteers_import_check.html", where, "", {
        "title": "检查志愿者名册", "token": token, "roster": roster, "mapping": mapping, "fields": ROSTER_FIELDS,
        "field_errors": field_errors, "problems": (problems or [])[:PROBLEMS_SHOWN],
        "more_problems": max(len(problems or []) - PROBLEMS_SHOWN, 0),
        "bad_rows": len({p.row for p in problems or []}), "counts": counts,
        "preview": [dict(line, phone=where.phone(line["phone"])) for line in plan[:PREVIEW_ROWS]],
        "columns": [f"{_letter(i)} 列：{h}" for i, h in enumerate(roster.header)]},
        status=400 if field_errors or problems else 200)


def _letter(index: int) -> str:
    """A, B, … Z, AA: the column as the spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@router.post("/{center_id}/volunteers/import/{token}")
async def do_import(request: Request, token: str, where: Here = Depends(here_changing)):
    uploads = _uploads(request)
    roster = uploads.get(where, token)
    mapping = _mapping(roster, await request.form())
    if roster_import.mapping_problems(mapping, roster.header):
        return await run_in_threadpool(_check_page, request, where, token, roster, mapping)
    try:
        counts = await run_in_threadpool(request.app.state.store.office.import_volunteers, where.clerk.actor,
                                         where.center_id, roster_import.lines(roster, mapping))
    except RosterRefused as exc:  # the roster changed since the check
        return await run_in_threadpool(_check_page, request, where, token, roster, mapping, exc.problems)
    uploads.drop(token)
    return RedirectResponse(f"{base(where)}?done=imported&added={counts['add']}&updated={counts['update']}",
                            status_code=303)
