"""Rebuild the kiosk's Simplified Chinese fonts in assets/fonts/.

Kivy's SDL2 text provider only opens face 0 of a .ttc, and face 0 of Noto Sans
CJK is the Japanese face, so we extract the SC face (index 2) into standalone
files, subset to the blocks the kiosk needs to keep them small.

The CFF outlines are converted to TrueType (glyf) outlines: SDL2_ttf opens
the font once per text size, and for this 30,000-glyph font that costs
~4.6 ms per size with CFF against ~0.9 ms with glyf (measured with Kivy
2.3.1), which shows directly in the kiosk's time to first frame.

Usage (Debian): apt-get install fonts-noto-cjk && pip install fonttools
    python tools/build_font.py
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
SC_FACE = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
OUT = Path(__file__).resolve().parent.parent / "assets" / "fonts"

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kiosk.charset import RANGES  # noqa: E402  (the blocks the kiosk shows)


def build(weight: str) -> Path:
    font = TTFont(SOURCE.format(weight=weight), fontNumber=SC_FACE)
    options = subset.Options()
    options.layout_features = ["kern"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    to_truetype(font)
    out = OUT / f"NotoSansSC-{weight}.ttf"
    font.save(out)
    return out


def to_truetype(font: TTFont) -> None:
    """Replace CFF cubic outlines by TrueType quadratic ones (max error 1 unit)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                  "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                  "maxComponentElements", "maxPoints", "maxContours", "maxCompositePoints",
                  "maxCompositeContours", "maxComponentDepth"):
        setattr(maxp, field, 0)  # recomputed from glyf on save
    maxp.maxZones = 1
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: they only add size
    font.sfntVersion = "\x00\x01\x00\x00"


if __name__ == "__main__":
    for weight in sys.argv[1:] or ["Regular", "Bold"]:
        print(build(weight))
