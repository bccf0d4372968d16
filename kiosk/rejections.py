"""What the server refused, in words (no Kivy).

A refused mutation is never dropped: its outbox row keeps the server's
reason and the local booking or wish keeps it too. Residents meet the
reason when they use their ticket; staff list them all (``--rejected``).
"""
from __future__ import annotations

import json

from kiosk.store import Store
from kiosk.validation import mask_phone

REASON_WORDS = {
    "seat_taken": "这个座位已被另一台终端先约走",
    "slot_taken": "这个时段已被另一台终端先约走",
    "invalid": "内容没有通过服务器的核对",
    "unknown_booking": "服务器上没有这个预约",
    "unknown_wish": "服务器上没有这个心愿",
    "unknown_volunteer": "服务器的志愿者名册里没有这个人",
    "unknown_item_or_volunteer": "服务器上没有这个兑换物品或志愿者",
    "unknown_hold": "服务器上没有这个兑换申请",
    "already_closed": "这个兑换已经处理过了",
    "insufficient_points": "积分不够（可能已在另一台终端用掉）",
    "out_of_stock": "兑换物品已没有库存",
    "already_claimed": "这个心愿已被别人先认领",
    "wish_state": "这个心愿的状态已经变了",
}
TYPE_WORDS = {
    "booking.create": "预约", "booking.cancel": "取消预约", "checkin.create": "签到",
    "booking.no_show": "未签到释放", "booking.promote": "候补转正", "booking.lift_block": "解除暂停",
    "wish.create": "微心愿", "wish.status": "心愿状态", "volunteer.pin": "设置密码",
    "ledger.add": "记录积分", "ledger.reverse": "更正积分", "redemption.request": "积分兑换申请",
    "redemption.handover": "兑换发放",
}


def reason_words(reason: str | None) -> str:
    return REASON_WORDS.get(reason or "", f"服务器未接受（{reason or '原因未知'}）")


def _reference(store: Store, payload: dict) -> str:
    """The ticket or wish code and a masked phone: enough for staff to call back."""
    record = payload.get("booking") or payload.get("wish") or payload
    code = record.get("ticket") or record.get("code")
    if not code and isinstance(record.get("id"), str):  # a status change carries only the id
        row = store.db.execute("SELECT code FROM wishes WHERE id = :id UNION ALL "
                               "SELECT ticket FROM bookings WHERE id = :id", {"id": record["id"]}).fetchone()
        code = row[0] if row else ""
    phone = record.get("phone")
    return f"{code or ''} {mask_phone(phone)}".strip() if phone else (code or "")


def rejected(store: Store) -> list[dict]:
    """Every refused mutation and every server change this kiosk could not
    apply, newest first."""
    rows = store.db.execute(
        "SELECT created_at, type, reason, payload FROM outbox WHERE state = 'rejected' "
        "ORDER BY seq DESC").fetchall()
    refused = [{"at": at, "what": TYPE_WORDS.get(kind, kind), "reason": reason_words(reason),
                "reference": _reference(store, json.loads(payload))} for at, kind, reason, payload in rows]
    conflicts = store.db.execute(
        "SELECT at, kind, cursor, error FROM sync_conflicts ORDER BY id DESC").fetchall()
    return refused + [{"at": at, "what": f"服务器变更（{kind}）", "reason": f"本机无法应用：{error}",
                       "reference": f"#{cursor}"} for at, kind, cursor, error in conflicts]
