"""Set Kivy's environment before Kivy is imported (Kivy-free module).

Kivy reads KIVY_* and KCFG_* variables at import time and creates the window
from them, so this must run first; ``kiosk.cli`` and the tests call it.
"""
from __future__ import annotations

import os
from pathlib import Path


def prepare(kivy_home: Path, width: int, height: int, borderless: bool = False) -> None:
    env = os.environ
    env.setdefault("KIVY_NO_ARGS", "1")  # our own argparse owns the command line
    env.setdefault("KIVY_LOG_MODE", "PYTHON")  # tracebacks reach the journal
    kivy_home.mkdir(parents=True, exist_ok=True)
    env["KIVY_HOME"] = str(kivy_home)  # never write to ~/.kivy
    # Kivy is configured from the KCFG_ variables below alone: no config.ini is
    # read or written, so a fresh data folder no longer logs "Older
    # configuration version detected" while Kivy writes one to upgrade.
    env["KIVY_NO_CONFIG"] = "1"
    env["KCFG_GRAPHICS_WIDTH"] = str(width)
    env["KCFG_GRAPHICS_HEIGHT"] = str(height)
    env["KCFG_GRAPHICS_RESIZABLE"] = "0"
    env["KCFG_GRAPHICS_FULLSCREEN"] = "0"
    # Fullscreen that works without a window manager: a borderless window at
    # the screen's size, placed at the origin (fullscreen=auto is clipped there).
    env["KCFG_GRAPHICS_BORDERLESS"] = "1" if borderless else "0"
    if borderless:
        env["KCFG_GRAPHICS_POSITION"] = "custom"
        env["KCFG_GRAPHICS_LEFT"] = "0"
        env["KCFG_GRAPHICS_TOP"] = "0"
    env["KCFG_KIVY_EXIT_ON_ESCAPE"] = "0"  # a visitor's key must not close the kiosk
    # Touchscreens report as mice too; no multitouch emulation dots on right click.
    env["KCFG_INPUT_MOUSE"] = "mouse,disable_multitouch"


def display_available(env=os.environ) -> bool:
    """Whether a plain run can open a window on a real screen."""
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("SDL_VIDEODRIVER"))


def detect_screen_size(drm: Path = Path("/sys/class/drm")) -> tuple[int, int] | None:
    """The first connected output's preferred mode, read from the kernel."""
    for status in sorted(drm.glob("card*-*/status")):
        try:
            if status.read_text().strip() != "connected":
                continue
            first = (status.parent / "modes").read_text().split()[0]
            w, h = first.split("x")
            return int(w), int(h)
        except (OSError, ValueError, IndexError):
            continue
    return None
