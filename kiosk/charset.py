"""The characters the kiosk can show: the blocks its bundled font covers.

tools/build_font.py subsets the font to these blocks, and text a resident
enters is checked against them, so nothing stored shows up as a box.
"""
import re
import unicodedata
from bisect import bisect_right

RANGES = (  # inclusive, sorted
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (middle dot, ×, ÷)
    (0x2000, 0x206F),  # general punctuation (—, …, “”)
    (0x2100, 0x214F),  # letterlike symbols (℃, №)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics (①)
    (0x25A0, 0x25FF),  # geometric shapes (●, ○, ■)
    (0x2600, 0x26FF),  # misc symbols (☆)
    (0x2700, 0x27BF),  # dingbats (✓)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK letters and months
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)
_STARTS = [lo for lo, _hi in RANGES]
HIDDEN = ("Cc", "Cf", "Zl", "Zp")  # control, format, line and paragraph separators


def displayable(char: str) -> bool:
    code = ord(char)
    i = bisect_right(_STARTS, code) - 1
    return i >= 0 and code <= RANGES[i][1]


def _unshowable_pattern() -> re.Pattern:
    """Any character outside RANGES, or an invisible format/control one
    inside them (zero-width space, soft hyphen, bidi marks, the line and
    paragraph separators U+2028/U+2029; "\\n" is the one line break): one
    regex, so checking a text costs one search instead of a call per character."""
    shown = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in RANGES)
    hidden = "".join(f"\\U{c:08x}" for lo, hi in RANGES if hi < 0x3000  # none in the CJK blocks
                     for c in range(lo, hi + 1) if unicodedata.category(chr(c)) in HIDDEN)
    return re.compile(f"[^{shown}\n]|[{hidden}]")


UNSHOWABLE = _unshowable_pattern()
