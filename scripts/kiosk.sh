#!/bin/sh
# Set up (first time) and run the kiosk. Extra arguments go to main.py,
# e.g. --fullscreen, --screenshots DIR.
. "$(dirname "$0")/setup.sh"
exec .venv/bin/python main.py "$@"
