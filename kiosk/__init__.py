"""柳邻惠 lobby kiosk.

Everything in this package outside ``kiosk.app`` and ``kiosk.ui`` is plain
Python and never imports Kivy, so services can be used from tests, scripts
and the central server.
"""
