"""The desk's reads from the server in staff mode (no Kivy): today's bookings
at every kiosk of the center, for 今日预约 and 恳谈室 (sync/server/duty.py).

Each answer is kept by the screen that asked, in memory only, until staff
mode ends. A staff member the server did not accept (locked, deactivated, a
PIN changed at the office) is not asked for again in the same staff mode
(the app keeps that): each ask would cost a PIN check that counts towards
their lockout.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.staffmode import OnDuty

log = logging.getLogger("kiosk.desk")
ALL_KIOSKS = "含本中心所有终端的预约"
ONLY_HERE = "只显示本机的预约"


@dataclass(frozen=True)
class DeskAnswer:
    bookings: list[dict] | None  # None: only this kiosk's own are shown
    words: str  # what the list says of whose bookings it shows
    refused: bool = False  # the server did not accept the staff member: ask no more this staff mode


STANDALONE = DeskAnswer(None, f"本机独立运行：{ONLY_HERE}")
ASKING = DeskAnswer(None, "正在向服务器查询其他终端的预约…")
REFUSED = DeskAnswer(None, f"服务器没有确认您的值班身份（可能已停用、锁定或更换了密码）：{ONLY_HERE}", True)
FAILED = DeskAnswer(None, f"查询出错：{ONLY_HERE}")


class DeskReads:
    def __init__(self, url: str, token: str):
        from sync.client import ServerLink  # with requests: not needed for the first frame
        self.link = ServerLink(url, token)

    def today(self, staff: OnDuty, which: str) -> DeskAnswer:
        """Ask the server (on a worker thread: it waits for the network and a PIN check)."""
        from sync.client import StaffRefused, SyncError
        try:
            answer = self.link.duty_today(staff, which)
        except StaffRefused:
            return REFUSED
        except SyncError as exc:
            if exc.unauthorized:
                return DeskAnswer(None, f"终端未授权，请联系管理员：{ONLY_HERE}")
            return DeskAnswer(None, f"暂时连不上服务器：{ONLY_HERE}")
        except Exception as exc:  # noqa: BLE001  (a bug: logged by type, the list still shows)
            log.error("desk read failed: %s", type(exc).__name__)
            return FAILED
        more = "（只显示前 %d 条）" % len(answer["bookings"]) if answer["truncated"] else ""
        return DeskAnswer(answer["bookings"], ALL_KIOSKS + more)
