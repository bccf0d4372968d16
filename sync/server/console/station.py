"""What the 志愿者 pages share (the volunteer station's roster, points,
catalogue and exchange requests): their tabs, the words after a change,
how a number reads and the center's rate."""
from __future__ import annotations

from fastapi import Request

from sync.server.console.web import Here, page

TABS = (("", "名册"), ("/ledger", "积分台账"), ("/catalogue", "兑换物品"), ("/holds", "兑换申请"))

# After a change the page is reloaded (303) with ?done=<key>: these words, never text from the URL.
DONE = {
    "added": "已登记新志愿者。请为他（她）设置密码，志愿者才能在大厅终端查看爱心储蓄存折。",
    "saved": "已保存。",
    "service": "已记录服务和积分。大厅终端同步后即可看到。",
    "reversed": "已冲正：新增了一条抵消原记录的冲正记录，原记录保留不变。",
    "item": "兑换物品已保存。",
    "handed_over": "已记录发放，所冻结的积分已扣除。",
    "released": "已释放这个兑换申请，冻结的积分和物品都已退回。",
}


def base(where: Here) -> str:
    return f"/console/{where.center_id}/volunteers"


def show(request: Request, name: str, where: Here, tab: str, context: dict, status: int = 200):
    """A volunteer page: its tab in the section's own navigation and the words of ?done=."""
    return page(request, name, {"tabs": TABS, "tab": tab, "base": base(where),
                                "done": DONE.get(request.query_params.get("done", "")), **context},
                status=status, where=where)


def number(value: float | int | None):
    """Hours as a spreadsheet keeps them: 3 not 3.0, 1.5 as it is."""
    if value is None:
        return 0
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def points_per_hour(store, center_id: str) -> int:
    """The center's rate (its published document, else the shipped one), read under the store's lock."""
    with store.shared.lock:
        return store.centers.document(center_id).points_per_hour
