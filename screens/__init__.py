"""The kiosk's screens, one module (+ its .kv) each, and their registry.

The registry is the single list of screens: the home tiles, the lazy screen
manager, the screenshot tool and the tests all read it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from kiosk.idle import DEFAULT_POLICY, IdlePolicy


@dataclass(frozen=True)
class Tile:
    badge: str  # one character, drawn as the tile's emblem
    subtitle: str
    accent: str  # a key of kiosk.ui.theme.ACCENTS


@dataclass(frozen=True)
class ScreenSpec:
    name: str
    title: str
    module: str
    cls: str
    tile: Tile | None = None
    idle: IdlePolicy = DEFAULT_POLICY
    # Staff only: the app's route guard opens it in staff mode only (kiosk/app.py _show)
    staff: bool = False

SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("home", "首页", "screens.home", "HomeScreen"),
    ScreenSpec("wish", "微心愿", "screens.wish", "WishScreen",
               Tile("愿", "写一张心愿卡，社区帮您实现", "red")),
    ScreenSpec("wish_wall", "心愿墙", "screens.wish_wall", "WishWallScreen",
               Tile("墙", "看看大家的心愿和认领进度", "orange")),
    ScreenSpec("study", "自习室预约", "screens.study", "StudyScreen",
               Tile("学", "共享自习室免费预约座位", "blue")),
    ScreenSpec("counseling", "恳谈室预约", "screens.counseling", "CounselingScreen",
               Tile("谈", "民情恳谈室、心理咨询预约", "teal")),
    ScreenSpec("points", "志愿积分", "screens.points", "PointsScreen",
               Tile("分", "爱心储蓄存折、积分兑换", "green"),
               # the next person in line must not find a passbook open: asked sooner than elsewhere
               idle=IdlePolicy(prompt_after=30, countdown=20, leaving="退出存折、回到首页")),
    ScreenSpec("books", "绘本馆报名", "screens.books", "BooksScreen",
               Tile("书", "妈妈绘本馆，2–10岁儿童", "purple")),
    # Also reached from each booking screen: a resident coming back with a receipt starts here.
    ScreenSpec("ticket", "签到 / 取消预约", "screens.ticket", "TicketScreen",
               Tile("签", "凭预约号签到，或取消预约", "slate")),
    ScreenSpec("center_info", "服务中心介绍", "screens.center_info", "CenterInfoScreen",
               Tile("介", "各功能室、开放时间", "brown")),
    # Opened by a long press on the center's name in the status bar.
    ScreenSpec("staff_signin", "工作人员登录", "screens.staff", "StaffSignInScreen"),
    ScreenSpec("staff_home", "工作人员", "screens.staff", "StaffHomeScreen", staff=True),
    ScreenSpec("staff_sync", "同步", "screens.staff", "StaffSyncScreen", staff=True),
    ScreenSpec("staff_bookings", "今日预约", "screens.staff", "StaffBookingsScreen", staff=True),
    ScreenSpec("staff_counseling", "恳谈室", "screens.staff", "StaffCounselingScreen", staff=True),
    ScreenSpec("staff_service", "记录志愿服务", "screens.staff", "StaffServiceScreen", staff=True),
    ScreenSpec("staff_handover", "兑换发放", "screens.staff", "StaffHandoverScreen", staff=True),
)

BY_NAME = {spec.name: spec for spec in SCREENS}


def build_screen(name: str):
    """Import a screen's module (loading its .kv) and make the screen."""
    spec = BY_NAME[name]
    cls = getattr(importlib.import_module(spec.module), spec.cls)
    return cls(name=spec.name, spec=spec)
