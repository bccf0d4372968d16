"""Applying a kiosk's push (no Kivy): each mutation checked against the
registry — who may send it, the schema of its data — then applied.

A mutation id is applied at most once per kiosk; a replay gets the first
answer again. Office-only types are refused from any kiosk token; a type
made in staff mode must name an active on-duty staff member of the kiosk's
center, and whatever staff did is written to the audit.
"""
from __future__ import annotations

import json
import logging
import sqlite3

from pydantic import ValidationError

from sync.mutations import REGISTRY, Sender
from sync.protocol import APPLIED, DUPLICATE, REJECTED, payload_digest
from sync.server import audit
from sync.server.apply import INVALID, Context
from sync.server.centers import Centers
from sync.server.feed import Feed
from sync.server.sealing import open_staff_proof
from sync.server.shared import Shared, serialised
from sync.server.staff import StaffAccounts

log = logging.getLogger("liulinhui.server")
STAFF_CHECKS_PER_PUSH = 3  # different staff members whose PINs one push may ask to check


class PayloadMismatch(Exception):
    """The same mutation id came back with a different payload."""


class PushDesk:
    def __init__(self, shared: Shared, centers: Centers, feed: Feed, staff: StaffAccounts):
        self.shared, self.centers, self.feed, self.staff = shared, centers, feed, staff

    def context(self, center_id: str, kiosk_id: str = "", address: str = "") -> Context:
        """What an applier works with; no kiosk_id: the office's own change."""
        def record(staff_id, action, target, before, after):
            audit.write(self.shared, staff_id, center_id, action, target, before, after,
                        kiosk_id=kiosk_id, address=address)
        center = self.centers.document(center_id)
        return Context(self.shared.conn, kiosk_id, center_id, center,
                       self.shared.local_now(center.tz), lambda kind, data: self.feed.append(center_id, kind, data),
                       record, self.centers.limits(center_id))

    def _apply(self, ctx: Context, mutation: dict) -> str | None:
        """Who may send it, what it may hold, then its applier."""
        spec = REGISTRY[mutation["type"]]
        if spec.sender is Sender.OFFICE:
            return "office_only"
        try:
            payload = spec.payload.model_validate(mutation["data"])
        except ValidationError:
            return INVALID
        staff_id = getattr(payload, "staff_id", None)
        ctx.staff = None
        if spec.sender is Sender.STAFF or staff_id is not None:
            ctx.staff = self.staff.on_duty(ctx.center_id, staff_id)
            if ctx.staff is None:
                return "unknown_staff"
            reason = self._check_proof(ctx, staff_id, payload.staff_proof, mutation["id"])
            if reason:
                return reason
        ctx.action = spec.name
        return spec.apply_function()(ctx, payload)

    def _check_proof(self, ctx: Context, staff_id: str, proof: str | None, mutation_id: str) -> str | None:
        """The staff member's own PIN, sealed for this mutation: a kiosk token alone
        cannot act as staff. Each PIN check is a KDF run under the store's lock,
        so a push checks a person's PIN once and a few people at most."""
        pin = open_staff_proof(self.shared.conn, proof, staff_id, mutation_id) if proof else None
        if pin is None:
            return "staff_proof"
        checked = ctx.staff_pins.get(staff_id)
        if checked is None:
            if len(ctx.staff_pins) >= STAFF_CHECKS_PER_PUSH:
                return "too_many"
            checked = ctx.staff_pins[staff_id] = (pin, self.staff.check_pin(staff_id, pin))
        if checked != (pin, True):
            return "staff_proof"  # wrong, or the person is locked after repeated failures
        return None

    def _apply_carefully(self, ctx: Context, mutation: dict) -> str | None:
        conn = self.shared.conn
        conn.execute("SAVEPOINT mutation")
        try:
            reason = self._apply(ctx, mutation)
        except sqlite3.OperationalError:
            raise  # the database, not the mutation (locked, I/O, disk full): the kiosk sends it again
        except Exception as exc:  # noqa: BLE001  (type only: the payload may be personal)
            log.warning("push: %s refused as invalid (%s)", mutation["type"], type(exc).__name__)
            reason = INVALID
        if reason not in (None, DUPLICATE):
            conn.execute("ROLLBACK TO mutation")
        conn.execute("RELEASE mutation")
        return reason

    @serialised
    def push(self, kiosk_id: str, mutations: list[dict], queue_depth: int) -> list[dict]:
        try:
            return self._push(kiosk_id, mutations, queue_depth, careful=False)
        except (PayloadMismatch, sqlite3.OperationalError):
            raise
        except Exception as exc:  # noqa: BLE001
            # a mutation no applier foresaw (the batch was rolled back): again, one savepoint
            # each, so it alone is refused and the kiosk's outbox does not stall behind it
            log.warning("push: a mutation raised %s; retrying the batch one by one", type(exc).__name__)
            return self._push(kiosk_id, mutations, queue_depth, careful=True)

    def _push(self, kiosk_id: str, mutations: list[dict], queue_depth: int, careful: bool) -> list[dict]:
        conn = self.shared.conn
        center_id = conn.execute("SELECT center_id FROM kiosks WHERE id = ?", [kiosk_id]).fetchone()[0]
        stamp = self.shared.stamp()
        ids = [m["id"] for m in mutations]
        with self.shared.transaction():
            ctx = self.context(center_id, kiosk_id)
            # one query for the batch's earlier answers (a replay gets the first answer again)
            seen = {row[0]: row[1:] for row in conn.execute(
                f"SELECT id, digest, result FROM mutations WHERE kiosk_id = ? AND id IN "
                f"({', '.join('?' * len(ids))})", [kiosk_id, *ids])} if ids else {}
            results, written = [], []
            for m in mutations:
                digest = payload_digest(m)
                first = seen.get(m["id"])
                if first:
                    if first[0] != digest:
                        raise PayloadMismatch(m["id"])
                    results.append(json.loads(first[1]))
                    continue
                # appliers check before they write, so a refusal leaves nothing behind
                # without a savepoint each (a third of the push's time); see push()
                reason = self._apply_carefully(ctx, m) if careful else self._apply(ctx, m)
                if reason is None or reason == DUPLICATE:
                    result = {"id": m["id"], "status": reason or APPLIED}
                else:
                    result = {"id": m["id"], "status": REJECTED, "reason": reason}
                answer = json.dumps(result)
                seen[m["id"]] = (digest, answer)  # the same id twice in one batch is a replay too
                results.append(result)
                written.append((kiosk_id, m["id"], m["type"], digest, answer, stamp))
            # plain SQL on this hot path: sqlite-utils' insert re-reads the schema each call
            conn.executemany("INSERT INTO mutations (kiosk_id, id, type, digest, result, received_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", written)
            conn.execute("UPDATE kiosks SET last_push = ?, queue_depth = ? WHERE id = ?",
                         [stamp, queue_depth, kiosk_id])
        return results
