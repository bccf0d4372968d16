"""The append-only audit of every change staff make, at the console or at a
kiosk: who, what, when, from where, before and after (database triggers
refuse UPDATE and DELETE). A password, a PIN, a token or a hash of one is
never written, however a caller names it."""
from __future__ import annotations

import json

from sync.mutations import REGISTRY
from sync.server.shared import Shared

# Keys whose values are secrets (password, password_hash, pin_hash, staff_proof, sealed, token ...);
# the words "set" and "reset" say that one was changed without saying what to.
SECRET_KEYS = ("password", "pin", "hash", "token", "proof", "sealed", "private")
SECRET_VALUES = ("$argon2", "pbkdf2_", "scrypt$")  # a hash under any other name
NOT_WRITTEN = "（不记录）"
MARKERS = ("set", "reset")

# What an action is, for the console's 操作记录 (the registry names the kiosks' own types).
ACTION_WORDS = {
    "center.publish": "发布中心信息和开放安排", "bookings.pause": "暂停或恢复预约", "limits.set": "设定值班积分上限",
    "volunteer.put": "登记或修改志愿者", "volunteer.import": "导入志愿者名册", "catalogue.put": "登记兑换物品",
    "hold.release": "释放兑换申请",
    "booking.cancelled": "取消预约", "booking.checked_in": "签到", "booking.no_show": "未签到释放",
    "kiosk.add": "添加终端", "kiosk.revoke": "停用终端", "kiosk.rotate": "更换终端令牌",
    "staff.add": "添加工作人员", "staff.edit": "修改工作人员", "staff.deactivate": "停用工作人员账号",
    "staff.reactivate": "恢复工作人员账号", "staff.password": "重设后台密码", "staff.pin": "设置值班密码",
    "staff.unlock": "解除账号锁定", "duty.today": "值班员在终端查看今日预约",
}


def action_words(action: str) -> str:
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    return REGISTRY[action].words if action in REGISTRY else action


def _secret(key: str, value) -> bool:
    return any(part in key.lower() for part in SECRET_KEYS) and value not in MARKERS and value is not None


def scrubbed(value):
    """The value with every secret replaced (at any depth)."""
    if isinstance(value, dict):
        return {k: NOT_WRITTEN if _secret(str(k), v) else scrubbed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrubbed(v) for v in value]
    if isinstance(value, str) and value.startswith(SECRET_VALUES):
        return NOT_WRITTEN
    return value


def write(shared: Shared, staff_id: str, center_id: str | None, action: str, target: str | None,
          before=None, after=None, kiosk_id: str = "", address: str = "") -> None:
    shared.conn.execute(
        "INSERT INTO audit (at, staff_id, center_id, action, target, kiosk_id, address, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [shared.stamp(), staff_id, center_id, action, target, kiosk_id or None, address or None,
         None if before is None else json.dumps(scrubbed(before), ensure_ascii=False),
         None if after is None else json.dumps(scrubbed(after), ensure_ascii=False)])


def history(shared: Shared, center_id: str | None = None, target: str | None = None) -> list[dict]:
    where, args = [], []
    if center_id:
        where.append("center_id = ?")
        args.append(center_id)
    if target:
        where.append("target = ?")
        args.append(target)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
    rows = list(shared.db.query(sql, args))
    return [dict(r, before=json.loads(r["before"]) if r["before"] else None,
                 after=json.loads(r["after"]) if r["after"] else None) for r in rows]
