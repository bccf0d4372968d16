"""The kiosk side of sync (no Kivy): push the outbox, pull server changes.

Outbox rows are marked only from the server's answer for each mutation. A
rejected mutation is kept, with its reason, on the local record. Each pulled
page is applied together with the new cursor in one transaction, so applying
a page twice changes nothing. Every request has a timeout.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata

import requests

from kiosk.clock import ClockWatch
from kiosk.retention import forget_counseling_details
from kiosk.staffmode import OnDuty
from kiosk.store import Store
from sync.protocol import APP_VERSION_HEADER, MAX_BATCH, MAX_BODY, REJECTED, encoded_mutation, encoded_push_body
from sync.replica import apply_change, refused
from sync.rows import DutyToday
from sync.sealing import seal_passbook_sign_in

CURSOR_KEY = "sync_cursor"


def app_version() -> str:
    """This kiosk program's version (pyproject.toml), told to the server so the office sees it."""
    try:
        return metadata.version("liulinhui-kiosk")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class SyncError(Exception):
    def __init__(self, message: str, retry_after: float | None = None, unauthorized: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        # the server answered and refused this kiosk's token (wrong or revoked):
        # not a network failure, and no retry will mend it
        self.unauthorized = unauthorized


class StaffRefused(SyncError):
    """The server did not accept the on-duty staff member behind a request
    (not on duty at this center, a wrong PIN, or locked)."""


@dataclass
class ServerLink:
    """One kiosk's HTTP link to the server: its token, its version, a timeout on every request."""
    url: str
    token: str
    timeout: float = 10.0
    session: requests.Session | None = None
    on_date: Callable[[str | None], object] | None = None  # each answer's Date header (clock check)

    def __post_init__(self):
        self.session = self.session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.token}"
        self.session.headers[APP_VERSION_HEADER] = app_version()
        self.url = self.url.rstrip("/")

    def call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self.session.request(method, self.url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise SyncError(f"network: {type(exc).__name__}") from None
        if self.on_date is not None:
            self.on_date(response.headers.get("Date"))
        if response.status_code == 429 or response.status_code >= 500:
            retry = response.headers.get("Retry-After")
            raise SyncError(f"server said {response.status_code}",
                            float(retry) if retry and retry.isdigit() else None)
        if response.status_code == 403 and _problem_type(response).endswith("/staff-refused"):
            raise StaffRefused("server refused the staff member")
        if response.status_code == 403 and _problem_type(response).endswith("/challenge-refused"):
            raise SyncError("server refused the challenge")  # the request, not this kiosk's token
        if response.status_code in (401, 403):
            raise SyncError(f"server refused the token: {response.status_code}", unauthorized=True)
        if response.status_code != 200:
            raise SyncError(f"server refused: {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise SyncError("server answer is not JSON") from None

    def duty_today(self, staff: OnDuty, which: str = "bookings") -> dict:
        """{bookings, truncated}: today's bookings at every kiosk of the center, for
        on-duty staff (sync/server/duty.py): a challenge first, then the read with the
        PIN sealed for it; checked like a feed row, kept by the caller in memory only."""
        challenge = self.call("POST", "/api/v1/duty/challenge").get("challenge")
        if not isinstance(challenge, str):
            raise SyncError("server answer is not a challenge")
        answer = self.call("POST", "/api/v1/duty/today",
                           json={"challenge": challenge, "list": which, **staff.sign_read(challenge)})
        try:
            return DutyToday.model_validate(answer).model_dump()
        except ValueError:  # pydantic's ValidationError: a server answer no screen may show
            raise SyncError("server answer is not today's bookings") from None


    def passbook_sign_in(self, server_key: str, phone: str, pin: str) -> str | None:
        """The volunteer's id if the server accepts this phone and PIN, else None
        (sync/server/passbook.py: it counts wrong tries for the whole center). Sealed for
        a challenge the server issued just now, as the desk's read is, so it cannot be replayed."""
        challenge = self.call("POST", "/api/v1/passbook/challenge").get("challenge")
        if not isinstance(challenge, str):
            raise SyncError("server answer is not a challenge")
        answer = self.call("POST", "/api/v1/passbook/sign-in", json={
            "challenge": challenge, "sealed": seal_passbook_sign_in(server_key, phone, pin, challenge)})
        found = answer.get("volunteer") if isinstance(answer, dict) else 0
        if found is not None and not isinstance(found, str):
            raise SyncError("server answer is not a sign-in")
        return found


def _problem_type(response: requests.Response) -> str:
    try:
        found = response.json().get("type", "")
    except (ValueError, AttributeError):
        return ""
    return found if isinstance(found, str) else ""


@dataclass
class SyncClient:
    store: Store
    url: str
    token: str
    timeout: float = 10.0
    session: requests.Session | None = None
    changed: set[str] = field(default_factory=set)

    def __post_init__(self):
        # the server keeps time: its Date against this kiosk's clock pauses or resumes the no-show release
        self.watch = ClockWatch(self.store, self.store.clock)
        self.link = ServerLink(self.url, self.token, self.timeout, self.session, on_date=self.watch.server_date)
        self.session = self.link.session

    def _call(self, method: str, path: str, **kwargs) -> dict:
        return self.link.call(method, path, **kwargs)

    def push_once(self, batch: int = MAX_BATCH) -> int:
        """Send one batch of the outbox; returns how many were answered."""
        rows = self.store.pending_raw(batch)
        if not rows:
            return 0
        depth = self.store.pending_count()
        # UTF-8, not \u escapes: Chinese text costs 3 bytes a character, not 6
        encoded = [encoded_mutation(*row) for row in rows]
        while True:
            body = encoded_push_body(encoded, depth)
            if len(body) <= MAX_BODY or len(encoded) == 1:
                break
            encoded = encoded[:len(encoded) // 2]  # long texts: fewer per push, never a 413 forever
        by_id = {row[0]: row for row in rows[:len(encoded)]}
        answer = self._call("POST", "/api/v1/push", data=body,
                            headers={"Content-Type": "application/json"})
        answered = [(result, by_id[result.get("id")]) for result in answer.get("results", [])
                    if result.get("id") in by_id]
        with self.store.transaction() as db:
            # an answered mutation is never sent again: its staff proof is of no more use here
            db.conn.executemany(
                "UPDATE outbox SET state = ?, reason = ?, attempts = attempts + 1, "
                "payload = json_remove(payload, '$.staff_proof') WHERE mutation_id = ?",
                [(result["status"], result.get("reason"), row[0]) for result, row in answered])
            for result, (_id, mutation_type, _at, payload) in answered:
                if result["status"] == REJECTED:
                    refused(db.conn, mutation_type, json.loads(payload), result.get("reason") or "rejected")
            forget_counseling_details(db.conn)  # the server has them now: the kiosk needs them no more
        return len(answer.get("results", []))

    def pull_once(self, limit: int = 200) -> bool:
        """Apply one page of server changes; returns whether more remain."""
        cursor = int(self.store.get_meta(CURSOR_KEY, "0"))
        page = self._call("GET", "/api/v1/pull", params={"cursor": cursor, "limit": limit})
        with self.store.transaction() as db:
            for change in page.get("changes", []):
                kind = apply_change(db.conn, change)
                if kind:
                    self.changed.add(kind)
            db["meta"].upsert({"key": CURSOR_KEY, "value": str(page["next_cursor"])}, pk="key")
        return bool(page.get("more"))

    def cycle(self) -> set[str]:
        """Push everything waiting, then pull until up to date; returns the
        kinds of server changes applied (the app reloads what they touch)."""
        self.changed = set()
        while self.push_once():
            pass
        while self.pull_once():
            pass
        return self.changed
