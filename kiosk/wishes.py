"""微心愿: wish cards, their life on the wish wall, claims (no Kivy).

Lifecycle (kiosk/lifecycle.py): submitted (待审核) -> approved (已公示) ->
claimed (已认领) -> fulfilled (已实现); declined (未通过) with a reason; a
withdrawn claim goes back to approved. Review, claims and fulfilment are the
office's, made at the central server; the kiosk learns them by sync (one
live claim per wish, enforced by the database here too).
"""
from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kiosk.clock import WallClock, stamp
from kiosk.errors import ServiceError
from kiosk.lifecycle import WISH_WORDS, on_wall_sql
from kiosk.store import Store
from kiosk.validation import (
    FieldError, agreed, normalise_code, normalise_phone, validate_all, validate_name, validate_note)

CATEGORIES = ("生活帮扶", "助老助残", "学习教育", "医疗健康", "环境设施", "其他")
WISH_MAX = 100
PAGE = 6


class WishError(ServiceError):
    """A wish that cannot be submitted, changed or found."""


@dataclass(frozen=True)
class WallCard:
    code: str
    category: str
    text: str
    who: str  # 张** : never the full name
    status: str  # the word: 待认领 / 已认领 / 已实现
    claimant: str


def anonymise(name: str) -> str:
    return name[0] + "*" * max(1, len(name) - 1) if name else "**"


def validate_wish(name, phone, category, text, consent) -> dict:
    """What a wish card may hold. The kiosk's form and the server's push
    both use this one function, so they cannot drift apart."""
    def check_category():
        if category not in CATEGORIES:
            raise FieldError("category", "请选择心愿的类别")
        return category

    def check_text():
        wish = validate_note(text, "text", limit=WISH_MAX, one_line=True)
        if not wish:
            raise FieldError("text", "请写下您的心愿")
        return wish

    def check_consent():
        # only whether the wish goes on the wall: a private wish is a wish all the same
        if agreed(consent):
            return True
        if consent is False or (type(consent) is int and consent == 0):
            return False
        raise FieldError("consent", "请选择是否在心愿墙上展示")
    return validate_all(name=lambda: validate_name(name), phone=lambda: normalise_phone(phone),
                        category=check_category, text=check_text, consent=check_consent)


class Wishes:
    def __init__(self, store: Store, now: Callable[[], datetime] | None = None):
        self.store = store
        self.db = store.db
        self.now = WallClock(now)  # the center's wall time (kiosk.clock)
        self.tz = self.now.tz

    def _stamp(self) -> str:
        return stamp(self.now(), self.tz)

    def submit(self, name: str, phone: str, category: str, text: str, consent: bool) -> dict:
        v = validate_wish(name=name, phone=phone, category=category, text=text, consent=consent)
        record = {"id": str(uuid.uuid4()), "name": v["name"], "phone": v["phone"],
                  "category": v["category"], "text": v["text"], "consent": int(v["consent"]),
                  "status": "submitted",
                  "reason": None, "fulfilled_note": None, "created_at": self._stamp(),
                  "updated_at": self._stamp()}
        stored = self.store.insert_with_code(
            "wishes", record, "code", lambda: f"W{secrets.randbelow(10**6):06d}",
            lambda wish: self.store.enqueue("wish.create", {"wish": wish}))
        if stored is not None:
            return stored
        raise WishError("busy", "系统繁忙，请再试一次")

    # -- the wall ----------------------------------------------------------------
    def wall(self, category: str | None = None, status: str | None = None, page: int = 0,
             per_page: int = PAGE) -> tuple[list[WallCard], int]:
        """Reviewed public wishes only (lifecycle.on_wall), newest first, as anonymous
        cards; and the page count."""
        where, args = [on_wall_sql("w.status", "w.consent")], []
        if category:
            where.append("w.category = ?")
            args.append(category)
        if status:
            where.append("w.status = ?")
            args.append(status)
        clause = " AND ".join(where)
        total = self.db.execute(f"SELECT count(*) FROM wishes w WHERE {clause}", args).fetchone()[0]
        rows = self.db.execute(
            # texts cut to what a card can show: a row damaged on disk must not stall the wall
            f"SELECT w.code, w.category, substr(w.text, 1, {WISH_MAX}), substr(w.name, 1, 20), w.status, "
            f"substr(c.claimant, 1, 40) FROM wishes w "
            f"LEFT JOIN wish_claims c ON c.wish_id = w.id AND c.live = 1 WHERE {clause} "
            f"ORDER BY w.created_at DESC, w.rowid DESC LIMIT ? OFFSET ?",
            args + [per_page, page * per_page]).fetchall()
        cards = [WallCard(code, cat, text, anonymise(name), WISH_WORDS[st], claimant or "")
                 for code, cat, text, name, st, claimant in rows]
        return cards, max(1, -(-total // per_page))

    def totals(self) -> tuple[int, int]:
        """(collected, claimed) the way the center reports them: 已收集 N 条，已认领 M 条."""
        collected, claimed = self.db.execute(
            "SELECT count(*), sum(status IN ('claimed', 'fulfilled')) FROM wishes "
            "WHERE status != 'declined'").fetchone()
        return collected, claimed or 0

    def lookup(self, code: str, last4: str) -> dict:
        code = normalise_code(code, "code", "请输入心愿编号").upper()
        code = f"W{code}" if code.isdigit() else code  # the keypad types the digits only
        last4 = normalise_code(last4, "last4", "请输入手机号后四位")
        wish = next(self.db["wishes"].rows_where("code = ?", [code], limit=1), None)
        if wish is None or not last4 or wish["phone"][-4:] != last4:
            raise WishError("not_found", "没有找到这个心愿：请核对心愿编号和手机号后四位")
        return {"code": wish["code"], "status": WISH_WORDS[wish["status"]], "text": wish["text"],
                "reason": wish["reason"] or "", "note": wish["fulfilled_note"] or ""}
