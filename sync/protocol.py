"""The wire format kiosks and the central server share (versioned; no Kivy).

Push: {"version": 1, "queue_depth": n, "mutations": [{"id", "type",
"created_at", "data"}, ...]} -> {"results": [{"id", "status", "reason"?}]}
with status applied / duplicate / rejected. A mutation id is applied at most
once per kiosk; a replay gets the first answer again.
Pull: GET ?cursor=&limit= -> {"changes": [{"cursor", "kind", "data"}],
"next_cursor", "more"}.
Errors: application/problem+json (RFC 9457) with a stable "type".
"""
from __future__ import annotations

import hashlib
import json

VERSION = 1
MAX_BATCH = 500  # mutations per push (the client sends fewer when they would pass MAX_BODY)
MAX_BODY = 1024 * 1024  # bytes; larger pushes get 413 before they are parsed
MAX_PULL = 500
PROBLEM_BASE = "https://liulinhui.invalid/problems/"  # stable identifiers, not fetched

APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"
# optional on every kiosk request: the kiosk program's version, which the office's 终端 page shows
APP_VERSION_HEADER = "X-Kiosk-Version"


def payload_digest(mutation: dict) -> str:
    """What makes two sends of one mutation id the same mutation."""
    body = {k: mutation.get(k) for k in ("type", "created_at", "data")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def push_body(mutations: list[dict], queue_depth: int) -> dict:
    return {"version": VERSION, "queue_depth": queue_depth, "mutations": mutations}


def encoded_push_body(mutations: list[bytes], queue_depth: int) -> bytes:
    """push_body as UTF-8 JSON from mutations already encoded (encoded_mutation)."""
    empty = json.dumps(push_body([], queue_depth)).encode()  # ... "mutations": []}: the list comes last
    return empty.removesuffix(b"[]}") + b"[" + b", ".join(mutations) + b"]}"


def encoded_mutation(mutation_id: str, mutation_type: str, created_at: str, payload_json: str) -> bytes:
    """One mutation as UTF-8 JSON around its payload as the outbox stores it
    (already JSON): the push does not decode and re-encode every payload."""
    head = json.dumps({"id": mutation_id, "type": mutation_type, "created_at": created_at},
                      ensure_ascii=False)[:-1]
    return f'{head}, "data": {payload_json}}}'.encode()

