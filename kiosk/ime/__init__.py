"""Offline pinyin input for the kiosk (no Kivy): segmentation of what was
typed, candidate lookup in the shipped index, a name mode, bounded learning.

    from kiosk.ime import PinyinEngine
    engine = PinyinEngine()
    engine.candidates("xlzx")[0].text  # '心理咨询'
"""
from kiosk.ime.engine import Candidate, PinyinEngine
from kiosk.ime.segment import Unit, segmentations

__all__ = ["Candidate", "PinyinEngine", "Unit", "segmentations"]
