"""Start the 柳邻惠 lobby kiosk: python main.py [--fullscreen] [--screenshots DIR]."""
import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
