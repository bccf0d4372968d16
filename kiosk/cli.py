"""Command line of the kiosk: ``python main.py`` / ``liulinhui-kiosk``.

Kivy-free until the window is really needed, so argument and configuration
errors are reported in one line before Kivy starts.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from kiosk import kivy_env
from kiosk.center import PUBLISHED_KEY, CenterDataError, effective_center, load_center
from kiosk.config import ConfigError, load_config, parse_size
from kiosk.store import Store, StoreError

log = logging.getLogger("kiosk")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="liulinhui-kiosk", description="柳邻惠 lobby kiosk")
    p.add_argument("--config", type=Path, help="configuration file (TOML)")
    p.add_argument("--fullscreen", action="store_true",
                   help="borderless window filling the screen (for the lobby)")
    p.add_argument("--size", help="window size WxH, e.g. 1920x1080")
    p.add_argument("--screenshots", type=Path, metavar="DIR",
                   help="render every screen headless to DIR/<screen>.png and exit")
    p.add_argument("--elder", action="store_true", help="with --screenshots: in 长辈模式")
    p.add_argument("--only", metavar="NAMES",
                   help="with --screenshots: just these views, comma-separated (e.g. home,points_book)")
    p.add_argument("--demo-data", action="store_true",
                   help="fill an empty kiosk database with synthetic demo data (no real people)")
    p.add_argument("--rejected", action="store_true",
                   help="list what the central server refused (for staff) and exit")
    p.add_argument("--first-frame", action="store_true",
                   help="exit after the first frame (used by bench/startup.py)")
    return p.parse_args(argv)


def fail(message: str, code: int = 1) -> int:
    print(f"liulinhui-kiosk: {message}", file=sys.stderr)
    return code


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_config(args.config)
        if args.size:
            width, height = parse_size(args.size)
            settings = replace(settings, width=width, height=height)
        elif args.fullscreen:
            detected = kivy_env.detect_screen_size()
            if detected and "LIULINHUI_SIZE" not in os.environ:
                settings = replace(settings, width=detected[0], height=detected[1])
        center = load_center(settings.center_file)
    except (ConfigError, CenterDataError) as exc:
        return fail(str(exc))

    headless = args.screenshots is not None or args.first_frame or args.rejected
    if args.screenshots is not None:
        # Screenshots use throw-away data, never the lobby's database.
        settings = replace(settings, data_dir=Path(tempfile.mkdtemp(prefix="liulinhui-shots-")))
    if not headless and not kivy_env.display_available():
        return fail("no display to open (DISPLAY / WAYLAND_DISPLAY are not set); "
                    "run it on the kiosk's screen, or use --screenshots DIR", 2)

    try:
        store = Store(settings.db_path)
    except StoreError as exc:
        return fail(str(exc))
    center = effective_center(center, store.get_meta(PUBLISHED_KEY))
    if args.rejected:
        from kiosk.rejections import rejected
        rows = rejected(store)
        for row in rows:
            print(f"{row['at']}\t{row['what']}\t{row['reference']}\t{row['reason']}")
        print(f"共 {len(rows)} 条未被服务器接受")
        return 0
    if args.demo_data or args.screenshots is not None:
        from kiosk.demo import load_demo
        try:
            print("demo data:", load_demo(store))
        except ValueError as exc:
            return fail(str(exc))

    kivy_env.prepare(settings.data_dir / "kivy", settings.width, settings.height,
                     borderless=args.fullscreen or settings.fullscreen)
    if not headless:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from kiosk.app import launch  # the Kivy shell: importing it creates the window
    only = frozenset(args.only.split(",")) if args.only else None
    if only:
        from kiosk.ui.tour import names
        unknown = only - set(names())
        if unknown:
            store.close()
            return fail(f"--only: no view named {', '.join(sorted(unknown))}", 2)

    try:
        written = launch(settings, center, store, screenshots=args.screenshots, elder=args.elder,
                         first_frame=args.first_frame, only=only)
    finally:
        store.close()
    if args.screenshots is not None:
        print(f"{written} screenshots in {args.screenshots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
