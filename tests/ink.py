"""Handwriting to test the recogniser with: strokes as a finger would leave them
in the ink box (points in box units, y upwards, as Kivy gives them).

Two kinds, both deterministic: characters written by hand here as the centre
lines of their strokes (a finger's strokes, a little uneven), and characters
traced from the bundled font's outlines (each contour a stroke: what the
recogniser then draws is the character in outline, inked thick).
"""
from __future__ import annotations

from functools import lru_cache

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from kiosk.paths import FONT_REGULAR

# Centre lines of each stroke, in a unit square (y upwards), in writing order:
# roughly as a resident writes them with a finger, not as a font draws them.
WRITTEN: dict[str, list[list[tuple[float, float]]]] = {
    "一": [[(0.1, 0.52), (0.5, 0.54), (0.9, 0.52)]],
    "二": [[(0.22, 0.72), (0.78, 0.72)], [(0.08, 0.28), (0.92, 0.27)]],
    "三": [[(0.2, 0.85), (0.8, 0.85)], [(0.28, 0.52), (0.72, 0.52)], [(0.1, 0.15), (0.9, 0.14)]],
    "十": [[(0.08, 0.55), (0.92, 0.56)], [(0.5, 0.92), (0.5, 0.06)]],
    "人": [[(0.5, 0.92), (0.46, 0.6), (0.3, 0.3), (0.08, 0.08)], [(0.5, 0.62), (0.68, 0.32), (0.94, 0.08)]],
    "大": [[(0.08, 0.62), (0.92, 0.62)], [(0.5, 0.94), (0.47, 0.6), (0.3, 0.28), (0.08, 0.06)],
          [(0.5, 0.58), (0.68, 0.3), (0.94, 0.06)]],
    "口": [[(0.16, 0.84), (0.16, 0.12)], [(0.16, 0.84), (0.84, 0.84), (0.84, 0.12)], [(0.16, 0.14), (0.84, 0.14)]],
    "中": [[(0.14, 0.72), (0.14, 0.32)], [(0.14, 0.72), (0.86, 0.72), (0.86, 0.32)], [(0.14, 0.34), (0.86, 0.34)],
          [(0.5, 0.96), (0.5, 0.04)]],
    "王": [[(0.14, 0.86), (0.86, 0.86)], [(0.2, 0.5), (0.8, 0.5)], [(0.5, 0.86), (0.5, 0.12)],
          [(0.08, 0.12), (0.92, 0.12)]],
    "山": [[(0.5, 0.92), (0.5, 0.12)], [(0.14, 0.66), (0.14, 0.12), (0.86, 0.12)], [(0.86, 0.66), (0.86, 0.12)]],
    "日": [[(0.22, 0.9), (0.22, 0.08)], [(0.22, 0.9), (0.78, 0.9), (0.78, 0.08)], [(0.22, 0.5), (0.78, 0.5)],
          [(0.22, 0.1), (0.78, 0.1)]],
    "土": [[(0.18, 0.6), (0.82, 0.6)], [(0.5, 0.92), (0.5, 0.12)], [(0.08, 0.12), (0.92, 0.12)]],
    "工": [[(0.16, 0.86), (0.84, 0.86)], [(0.5, 0.86), (0.5, 0.14)], [(0.08, 0.14), (0.92, 0.14)]],
    "上": [[(0.44, 0.94), (0.44, 0.1)], [(0.44, 0.54), (0.8, 0.54)], [(0.08, 0.1), (0.92, 0.1)]],
}

# Traced from the font: the characters the kiosk's residents write most
# (common words and names, the surnames 张 李 刘 陈 杨 黄 赵 周 吴 徐 孙 马 朱 胡 林 郭 何 高 罗).
TRACED = "中大心水山月日天国家文明张李刘陈杨黄赵周吴徐孙马朱胡林郭何高罗华英红明丽芳伟"


def written(char: str, box: tuple[float, float] = (600, 600), inset: float = 0.1) -> list[list[tuple[float, float]]]:
    """A character of WRITTEN as strokes in a box of that size (a margin ``inset`` of its side)."""
    side = min(box) * (1 - 2 * inset)
    x0, y0 = (box[0] - side) / 2, (box[1] - side) / 2
    return [[(x0 + x * side, y0 + y * side) for x, y in stroke] for stroke in WRITTEN[char]]


class _Flatten(BasePen):
    """Contours as polylines: curves sampled in short straight pieces."""

    def __init__(self, glyphs, steps: int = 6):
        super().__init__(glyphs)
        self.contours: list[list[tuple[float, float]]] = []
        self.steps = steps

    def _moveTo(self, pt):
        self.contours.append([pt])

    def _lineTo(self, pt):
        self.contours[-1].append(pt)

    def _qCurveToOne(self, pt1, pt2):
        (x0, y0), (x1, y1), (x2, y2) = self._getCurrentPoint(), pt1, pt2
        for i in range(1, self.steps + 1):
            t = i / self.steps
            u = 1 - t
            self.contours[-1].append((u * u * x0 + 2 * u * t * x1 + t * t * x2,
                                      u * u * y0 + 2 * u * t * y1 + t * t * y2))

    def _curveToOne(self, pt1, pt2, pt3):
        p0 = self._getCurrentPoint()
        for i in range(1, self.steps + 1):
            t = i / self.steps
            u = 1 - t
            self.contours[-1].append(tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * d
                                           for a, b, c, d in zip(p0, pt1, pt2, pt3)))

    def _closePath(self):
        if self.contours and self.contours[-1][0] != self.contours[-1][-1]:
            self.contours[-1].append(self.contours[-1][0])


@lru_cache(maxsize=1)
def _font():
    font = TTFont(str(FONT_REGULAR))
    return font, font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm


def traced(char: str, box: tuple[float, float] = (600, 600)) -> list[list[tuple[float, float]]]:
    """The font's outline of ``char`` as strokes, the em square filling the box's smaller side."""
    font, glyphs, cmap, em = _font()
    pen = _Flatten(glyphs)
    glyphs[cmap[ord(char)]].draw(pen)
    scale = min(box) / em
    descent = font["hhea"].descent  # negative: the em square's bottom sits below the baseline
    return [[(x * scale + (box[0] - min(box)) / 2, (y - descent) * scale) for x, y in contour]
            for contour in pen.contours]
