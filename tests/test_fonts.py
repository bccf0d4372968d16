"""Chinese renders everywhere: checked against the bundled font's own
character map, and by rendering, because a glyph the font lacks shows in
Kivy as blank space, not as a box."""
import io
import tokenize
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from kiosk.paths import ASSETS, FONT_BOLD, FONT_REGULAR, ROOT

NAME_CHARS = "喆堃燚犇昇赟玥翀"
BLOCKS = {
    "ASCII": (0x20, 0x7E),
    "CJK symbols and punctuation": (0x3000, 0x303F),
    "fullwidth forms": (0xFF01, 0xFF5E),
    "CJK unified ideographs": (0x4E00, 0x9FEF),  # up to Unicode 11, all of GB18030's
    "CJK extension A": (0x3400, 0x4DB5),
}


@pytest.fixture(scope="module", params=[FONT_REGULAR, FONT_BOLD], ids=["regular", "bold"])
def font(request):
    return TTFont(request.param, lazy=True)


def ui_strings() -> str:
    """Every string literal of the kiosk's code and every .kv/.toml text."""
    chunks = []
    for path in list(ROOT.glob("kiosk/**/*.py")) + list(ROOT.glob("screens/**/*.py")):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        chunks += [t.string for t in tokens if t.type == tokenize.STRING]
    for pattern in ("kiosk/**/*.kv", "screens/**/*.kv"):
        chunks += [p.read_text(encoding="utf-8") for p in ROOT.glob(pattern)]
    chunks += [p.read_text(encoding="utf-8") for p in ASSETS.glob("**/*.toml")]
    return "".join(chunks)


def test_font_is_the_simplified_chinese_face(font):
    family = font["name"].getDebugName(1)
    assert family.endswith(" SC"), family  # not the JP face 0 of a .ttc


def test_every_ui_character_is_in_the_font(font):
    cmap = font.getBestCmap()
    text = ui_strings()
    assert "柳邻惠" in text and "长辈模式" in text  # the scan does see the UI
    missing = sorted({c for c in text if ord(c) > 0x7E and not c.isspace()
                      and ord(c) not in cmap and unicodedata.category(c) != "Cf"})
    assert missing == []


def test_uncommon_name_characters_are_covered(font):
    cmap = font.getBestCmap()
    assert [c for c in NAME_CHARS if ord(c) not in cmap] == []


@pytest.mark.parametrize("block", BLOCKS)
def test_required_blocks_are_complete(font, block):
    lo, hi = BLOCKS[block]
    cmap = font.getBestCmap()
    missing = [hex(c) for c in range(lo, hi + 1) if c not in cmap]
    assert missing == []


def test_licence_ships_with_the_font():
    licence = (FONT_REGULAR.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def _render(text: str) -> bytes:
    from kivy.core.text import Label as CoreLabel
    label = CoreLabel(text=text, font_size=48)
    label.refresh()
    return bytes(label.texture.pixels)


def _ink(pixels: bytes) -> int:
    return sum(1 for alpha in pixels[3::4] if alpha > 0)


def test_kivy_draws_real_glyphs_for_the_name_characters(kiosk):
    # A character the font lacks (Extension B) is drawn as the font's .notdef
    # box; a covered one must have ink and must not be that box.
    notdef = _render("\U00020000")
    assert _render("\U00020001") == notdef  # the check can tell a missing glyph
    for char in NAME_CHARS + "柳邻惠长辈模式":
        pixels = _render(char)
        assert _ink(pixels) > 50 and pixels != notdef, f"{char} has no glyph"


def test_every_widget_uses_the_bundled_font(kiosk):
    from kivy.core.text import DEFAULT_FONT, LabelBase
    from kivy.uix.textinput import TextInput
    from kivy.uix.vkeyboard import VKeyboard
    assert Path(LabelBase._fonts[DEFAULT_FONT][0]) == FONT_REGULAR
    assert Path(LabelBase._fonts[DEFAULT_FONT][2]) == FONT_BOLD
    assert TextInput().font_name == DEFAULT_FONT
    assert Path(VKeyboard().font_name) == FONT_REGULAR
    named = {w.font_name for w in kiosk.walk() if hasattr(w, "font_name")}
    assert named == {DEFAULT_FONT}
