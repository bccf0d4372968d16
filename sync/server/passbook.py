"""A volunteer's passbook sign-in, checked by the server for a kiosk (no Kivy).

A kiosk that reaches the server asks for a challenge and sends the phone
and PIN sealed to the server's key for it (sync/sealing.py): the challenge
is taken once, from the kiosk it was issued to, within minutes
(sync/server/challenges.py), so a sign-in read off the wire and sent again
signs no one in. That refusal comes before any volunteer is looked up. Wrong tries count per volunteer for the whole
center, by the one lock rule (kiosk/pins.py after_failure) that also counts
wrong current PINs in sealed PIN changes: a guesser gets five tries in all,
not five at each kiosk. Every answer costs one KDF run and reads the same,
the volunteer's id or nothing (an unknown phone, a wrong PIN, a lock), so a
kiosk token tells no one who is registered. A hash made with older
parameters is replaced once the PIN is proved; the feed takes it to the kiosks.
"""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.pins import DUMMY_HASH, after_failure, hash_pin, is_locked, needs_rehash, pin_hash_problem, verify_pin
from sync.server.apply import volunteer_row
from sync.server.challenges import PASSBOOK, Challenges
from sync.server.feed import Feed
from sync.server.sealing import open_passbook_sign_in
from sync.server.shared import Shared

log = logging.getLogger("server.passbook")


@dataclass(frozen=True)
class Candidate:
    """The volunteer a phone names, and the hash to check for them."""
    volunteer_id: str
    pin_hash: str = field(repr=False)  # DUMMY_HASH when locked or without a usable PIN
    usable: bool


def candidate(conn: sqlite3.Connection, center_id: str, phone: str, now: datetime) -> Candidate | None:
    row = conn.execute("SELECT id, pin_hash, pin_locked_until FROM volunteers WHERE center_id = ? AND phone = ? "
                       "ORDER BY id LIMIT 1", [center_id, phone]).fetchone()
    if row is None:
        return None
    usable = pin_hash_problem(row[1]) is None and not is_locked(row[2], now)
    return Candidate(row[0], row[1] if usable else DUMMY_HASH, usable)


def note(conn: sqlite3.Connection, found: Candidate | None, matched: bool, now: datetime) -> str | None:
    """After the check: the id on a match (a success ends the streak), else None
    (a wrong PIN counts; a PIN reset or a lock that came meanwhile wins)."""
    if found is None or not found.usable:
        return None
    row = conn.execute("SELECT pin_hash, pin_failures, pin_locked_until, pin_failed_at FROM volunteers "
                       "WHERE id = ?", [found.volunteer_id]).fetchone()
    if row is None or row[0] != found.pin_hash or is_locked(row[2], now):
        return None
    if not matched:
        conn.execute("UPDATE volunteers SET pin_failures = ?, pin_locked_until = ?, pin_failed_at = ? WHERE id = ?",
                     [*after_failure(row[1], row[3], now), found.volunteer_id])
        return None
    conn.execute("UPDATE volunteers SET pin_failures = 0, pin_locked_until = NULL, pin_failed_at = NULL "
                 "WHERE id = ?", [found.volunteer_id])
    return found.volunteer_id


def upgrade(conn: sqlite3.Connection, found: Candidate, new_hash: str) -> bool:
    """Today's hash for the PIN just proved, unless the PIN changed meanwhile."""
    return conn.execute("UPDATE volunteers SET pin_hash = ? WHERE id = ? AND pin_hash = ?",
                        [new_hash, found.volunteer_id, found.pin_hash]).rowcount == 1


class ChallengeRefused(Exception):
    """The challenge was not this kiosk's, was used or stale, or the seal is not
    bound to it: nothing was checked, nothing counted (a replay, or not a kiosk)."""


class PassbookDesk:
    def __init__(self, shared: Shared, feed: Feed, challenges: Challenges):
        self.shared, self.feed, self.challenges = shared, feed, challenges

    def challenge(self, kiosk: dict) -> str:
        return self.challenges.issue(kiosk, PASSBOOK)

    def sign_in(self, kiosk: dict, challenge: str, sealed: str) -> str | None:
        """The volunteer's id when the phone and PIN a kiosk sealed for its
        challenge match one of its center's volunteers, else None; ChallengeRefused
        before anything about anyone is read. The KDF runs outside the store's
        lock, as a staff PIN's does."""
        center_id, conn = kiosk["center_id"], self.shared.conn
        with self.shared.lock:
            with self.shared.transaction():  # used up whatever the seal holds: one try a challenge
                taken = self.challenges.take(kiosk, challenge, PASSBOOK)
            opened = open_passbook_sign_in(conn, sealed, challenge) if taken else None
            if opened is None:  # logged with the kiosk only: nobody was looked up
                log.warning("passbook sign-in refused for kiosk %s: challenge", kiosk["id"])
                raise ChallengeRefused()
            phone, pin = opened
            found = candidate(conn, center_id, phone, self.shared.local_now())
        matched = verify_pin(pin, found.pin_hash if found else DUMMY_HASH)  # one KDF run, whoever it is
        better = hash_pin(pin) if matched and found and needs_rehash(found.pin_hash) else None
        with self.shared.lock, self.shared.transaction():
            volunteer_id = note(conn, found, matched, self.shared.local_now())
            if volunteer_id and better and upgrade(conn, found, better):
                self.feed.append(center_id, "volunteer", volunteer_row(conn, volunteer_id))
            return volunteer_id
