"""The registry of mutation types: the one place that knows a type (no Kivy).

For each type: the schema and limits of its data (sync/payloads.py), who may
send it, where its record's id sits in the data (the replica leaves a record
with an unsent change alone), the server's applier, what it is called for
staff, and how the kiosk undoes it when the server refuses. Appliers and
undo functions are named as "module:function" and imported only by the side
that runs them, so the kiosk never imports the server.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from pydantic import BaseModel

from sync import payloads as p


class Sender(StrEnum):
    KIOSK = "kiosk"  # any active kiosk of the center: residents' own submissions
    STAFF = "staff"  # a kiosk in staff mode, naming an on-duty staff member of that center
    OFFICE = "office"  # the console's staff session only, never a kiosk token


@dataclass(frozen=True)
class MutationType:
    name: str
    sender: Sender
    payload: type[BaseModel]
    words: str  # what it is, for staff
    record: tuple[str, ...]  # JSON paths to the id of the record it changes
    applier: str  # "module:function" on the server
    undo: str | None = None  # "module:function" on the kiosk, run when the server refuses it

    def apply_function(self):
        return _resolve(self.applier)

    def undo_function(self):
        return _resolve(self.undo) if self.undo else None


@cache  # the hot path of a push resolves one per mutation
def _resolve(dotted: str):
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


_A = "sync.server.apply:"
_U = "sync.replica:"
_BOOKING = ("$.id",)
TYPES = (
    MutationType("booking.create", Sender.KIOSK, p.BookingCreate, "预约", ("$.booking.id",),
                 _A + "booking_create", _U + "undo_booking"),
    MutationType("booking.cancel", Sender.KIOSK, p.BookingChange, "取消预约", _BOOKING, _A + "booking_cancel"),
    MutationType("checkin.create", Sender.KIOSK, p.BookingChange, "签到", _BOOKING, _A + "booking_checkin"),
    MutationType("booking.no_show", Sender.KIOSK, p.BookingChange, "未签到释放", _BOOKING,
                 _A + "booking_no_show", _U + "undo_no_show"),
    MutationType("booking.promote", Sender.KIOSK, p.BookingChange, "候补转正", _BOOKING,
                 _A + "booking_promote", _U + "undo_promotion"),
    MutationType("booking.reinstate", Sender.STAFF, p.NoShowUndo, "撤销未到", _BOOKING,
                 _A + "booking_reinstate", _U + "undo_reinstate"),
    MutationType("booking.lift_block", Sender.STAFF, p.LiftBlock, "解除暂停", (), _A + "lift_block"),
    MutationType("wish.create", Sender.KIOSK, p.WishCreate, "微心愿", ("$.wish.id",), _A + "wish_create",
                 _U + "undo_wish"),
    MutationType("wish.status", Sender.OFFICE, p.WishChange, "心愿状态", ("$.id",), _A + "wish_status"),
    MutationType("volunteer.pin", Sender.OFFICE, p.PinHash, "重设密码", ("$.id",), _A + "volunteer_pin"),
    MutationType("volunteer.pin_change", Sender.KIOSK, p.PinChange, "修改密码", ("$.id",),
                 _A + "volunteer_pin_change", _U + "undo_pin_change"),
    MutationType("ledger.add", Sender.STAFF, p.LedgerEntry, "记录积分", (), _A + "ledger_add",
                 _U + "undo_ledger_entry"),
    MutationType("ledger.reverse", Sender.STAFF, p.LedgerEntry, "更正积分", (), _A + "ledger_reverse",
                 _U + "undo_ledger_entry"),
    MutationType("redemption.request", Sender.KIOSK, p.RedemptionRequest, "积分兑换申请", ("$.hold.id",),
                 _A + "redemption_request", _U + "undo_redemption"),
    # nothing to undo on a refusal: the server's hold is closed already or was never made
    # (handed out: its ledger entry takes the points; released or refused: they are free)
    MutationType("redemption.withdraw", Sender.KIOSK, p.Withdrawal, "撤回兑换申请", ("$.hold",),
                 _A + "redemption_withdraw"),
    MutationType("redemption.handover", Sender.STAFF, p.Handover, "兑换发放", ("$.hold",),
                 _A + "redemption_handover", _U + "undo_handover"),
)
REGISTRY: dict[str, MutationType] = {t.name: t for t in TYPES}

# A refusal, in words for staff (and, where it concerns them, residents).
REASON_WORDS = {
    "invalid": "内容没有通过服务器的核对",
    "office_only": "只能由社区办公室在管理后台操作",
    "unknown_staff": "不是本中心在岗的值班员",
    "staff_proof": "值班员密码没有通过服务器的核对（或已被暂时锁定）",
    "over_limit": "超出了社区设定的积分或时长上限",
    "seat_taken": "这个座位已被另一台终端先约走",
    "slot_taken": "这个时段已被另一台终端先约走",
    "waitlist_full": "名额和候补都已满",
    "person_limit": "同一人当天的预约已到上限",
    "not_bookable": "这一天或这个场次不能预约",
    "session_closed": "预约时这个场次已过了签到时间或已结束",
    "unknown_booking": "服务器上没有这个预约",
    "not_yours": "这个预约不是在这台终端办理的",
    "wrong_phone": "手机号后四位不对",
    "booking_state": "这个预约的状态已经变了",
    "too_early": "还没到释放未签到预约的时间",
    "place_taken": "原来的座位或名额已经给了别人",
    "unknown_wish": "服务器上没有这个心愿",
    "unknown_volunteer": "服务器的志愿者名册里没有这个人",
    "wrong_pin": "原密码不对",
    "pin_locked": "原密码错误次数太多，请稍后再试或请工作人员帮助",
    "too_many": "一次同步中修改密码的请求太多",
    "still_waiting": "服务器上这个家庭仍在候补",
    "unknown_item_or_volunteer": "服务器上没有这个兑换物品或志愿者",
    "unknown_hold": "服务器上没有这个兑换申请",
    "unknown_entry": "服务器上没有要更正的积分记录",
    "already_closed": "这个兑换已经处理过了",
    "not_their_hold": "这个兑换申请不是这位志愿者的",
    "insufficient_points": "积分不够（可能已在另一台终端用掉）",
    "out_of_stock": "兑换物品已没有库存",
    "already_claimed": "这个心愿已被别人先认领",
    "wish_state": "这个心愿的状态已经变了",
}


def reason_words(reason: str | None) -> str:
    return REASON_WORDS.get(reason or "", f"服务器未接受（{reason or '原因未知'}）")
