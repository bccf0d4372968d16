"""The states a booking, a wish and an exchange request go through, defined once (no Kivy).

The kiosk's services, the server's appliers and the replica all import
these; a state or a move that is not here does not exist anywhere.
"""
from __future__ import annotations

# -- bookings ------------------------------------------------------------------
BOOKED, WAITING, CANCELLED, CHECKED_IN, NO_SHOW = "booked", "waiting", "cancelled", "checked_in", "no_show"
BOOKING_STATES = (BOOKED, WAITING, CANCELLED, CHECKED_IN, NO_SHOW)
BOOKING_MOVES = {
    BOOKED: {CHECKED_IN, CANCELLED, NO_SHOW},
    WAITING: {BOOKED, CANCELLED},  # waiting -> booked only by promotion, decided on the server
    CANCELLED: set(), CHECKED_IN: set(),
    NO_SHOW: {BOOKED},  # staff undid it (撤销未到, with a reason): the resident did not fail
}
HOLDS_PLACE = (BOOKED, CHECKED_IN)  # what a seat, a slot or a picture-book place is held by
AT_THE_DESK = (BOOKED, CHECKED_IN, NO_SHOW, WAITING)  # what staff see of today's bookings (今日预约)

# -- wishes ----------------------------------------------------------------------
SUBMITTED, APPROVED, CLAIMED, FULFILLED, DECLINED = "submitted", "approved", "claimed", "fulfilled", "declined"
WISH_STATES = (SUBMITTED, APPROVED, CLAIMED, FULFILLED, DECLINED)
WISH_MOVES = {
    SUBMITTED: {APPROVED, DECLINED},
    APPROVED: {CLAIMED},
    CLAIMED: {APPROVED, FULFILLED},  # back to approved: the claim was withdrawn
    FULFILLED: set(), DECLINED: set(),
}
ON_WALL = (APPROVED, CLAIMED, FULFILLED)  # past review: claimable; on the wall when public
WISH_WORDS = {SUBMITTED: "待审核", APPROVED: "待认领", CLAIMED: "已认领", FULFILLED: "已实现",
              DECLINED: "未通过"}

# -- exchange requests (积分兑换: a hold on the points until the item is handed out) --------
HELD, HANDED_OVER, RELEASED, WITHDRAWN = "held", "handed_over", "released", "withdrawn"
HOLD_STATES = (HELD, HANDED_OVER, RELEASED, WITHDRAWN)
HOLD_MOVES = {
    HELD: {HANDED_OVER, RELEASED, WITHDRAWN},  # staff hand it out, the office releases it, the volunteer withdraws
    HANDED_OVER: set(), RELEASED: set(), WITHDRAWN: set(),
}
HOLD_WORDS = {HELD: "待发放", HANDED_OVER: "已发放", RELEASED: "已释放", WITHDRAWN: "已撤回"}


def on_wall(status: str, public) -> bool:
    """Whether a wish shows on the public wall (the kiosks' and the server's feed to
    them): reviewed, and the resident agreed to show it. A private wish is
    reviewed, claimed and fulfilled like any other, at the office only."""
    return status in ON_WALL and bool(public)


def on_wall_sql(status: str, public: str) -> str:
    """on_wall as an SQL condition over the given columns (the states are constants)."""
    return f"{status} IN ({', '.join(repr(s) for s in ON_WALL)}) AND {public} = 1"


def can_move(moves: dict[str, set[str]], current: str, new: str) -> bool:
    return new in moves.get(current, ())
