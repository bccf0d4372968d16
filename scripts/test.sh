#!/bin/sh
# Set up (first time) and run the whole test suite with no display: Kivy's
# SDL2 renders offscreen (EGL + Mesa), so no X server is needed.
. "$(dirname "$0")/setup.sh"
# the console tests drive Debian's chromium, with CJK fonts to render Chinese
missing=""
[ -x /usr/lib/chromium/chromium ] || missing="$missing chromium"
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="$missing fonts-noto-cjk"
install_missing "$missing"
unset DISPLAY WAYLAND_DISPLAY
# one worker per core: each has its own Kivy window, browser and servers, so tests
# never share state (a UI test keeps one core busy on its own)
# the slowest tests are listed at the end: where the suite's time goes
exec .venv/bin/python -m pytest -n auto --durations=25 "$@"
