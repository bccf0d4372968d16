#!/bin/sh
# Set up (first time) and run the whole test suite with no display: Kivy's
# SDL2 renders offscreen (EGL + Mesa), so no X server is needed.
. "$(dirname "$0")/setup.sh"
unset DISPLAY WAYLAND_DISPLAY
exec .venv/bin/python -m pytest "$@"
