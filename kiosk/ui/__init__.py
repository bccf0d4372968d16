"""Kivy widgets shared by every screen (the only Kivy code besides app.py and screens/)."""
