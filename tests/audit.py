"""Accessibility audit of whatever the kiosk shows now (MIIT elderly-friendly
rules, WCAG contrast). Walks every visible widget; returns the violations.

Later screens are held to the same rules by tests/test_ui_audit.py, which
runs this over every screen in the registry in both modes.
"""
from __future__ import annotations

from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.checkbox import CheckBox
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.slider import Slider
from kivy.uix.switch import Switch
from kivy.uix.textinput import TextInput

from functools import cache

from fontTools.ttLib import TTFont

from kiosk.linebreak import CLOSING, OPENING, content_chars
from kiosk.paths import FONT_REGULAR
from kiosk.ui.theme import HEADING_ROLES

# (body, heading) minimum text size in dp; minimum touch-target side in dp.
TEXT_MIN = {True: (18, 30), False: (16, 24)}
TARGET_MIN = {True: 60, False: 44}
CONTRAST_MIN = 4.5
TOUCHABLE = (ButtonBehavior, TextInput, Slider, Switch, CheckBox)
PACKING_LAYOUTS = (BoxLayout, GridLayout, AnchorLayout)


@cache
def font_chars() -> frozenset[int]:
    return frozenset(TTFont(FONT_REGULAR, lazy=True).getBestCmap())


def relative_luminance(rgb) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg, bg) -> float:
    hi, lo = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _over(top, under):
    a = top[3] if len(top) > 3 else 1
    return [top[i] * a + under[i] * (1 - a) for i in range(3)] + [1]


def background_of(widget):
    """The colour behind a widget: its own or its ancestors' bg_color, composed."""
    layers = []
    node = widget
    while node is not None and node is not Window:
        color = getattr(node, "bg_color", None)
        if color is not None and color[3] > 0:
            layers.append(color)
            if color[3] >= 1:
                break
        node = node.parent
    result = list(Window.clearcolor)
    for color in reversed(layers):
        result = _over(color, result)
    return result


def _visible(widget) -> bool:
    node = widget
    while node is not None and node is not Window:
        if node.opacity == 0:
            return False
        node = node.parent
    return widget.width > 0 and widget.height > 0


def _name(widget) -> str:
    text = getattr(widget, "text", "")
    return f"{type(widget).__name__}({text[:16]!r})" if text else type(widget).__name__


def rendered_paragraphs(label) -> list[list[str]]:
    """The lines Kivy laid out for a label, grouped by the paragraphs of its
    text: a rendered line either continues the text where the last one ended
    (a wrap, maybe after spaces) or follows one of the text's line breaks."""
    text = label.text
    paragraphs: list[list[str]] = [[]]
    pos = 0
    for line in label._label._cached_lines:
        shown = "".join(word.text for word in line.words)
        while pos < len(text) and text[pos] == " ":
            pos += 1
        if pos < len(text) and text[pos] == "\n":
            pos += 1
            paragraphs.append([])
        if text.startswith(shown, pos):
            pos += len(shown)
        paragraphs[-1].append(shown)
    return [p for p in paragraphs if p]


def line_breaking(label) -> list[str]:
    """Chinese line breaking as a reader sees it (kiosk/linebreak.py decides it)."""
    problems = []
    for lines in rendered_paragraphs(label):
        if len(lines) < 2:
            continue
        for before, line in zip(lines, lines[1:]):
            if line[:1] in CLOSING:
                problems.append(f"{_name(label)}: a line starts with closing punctuation ({before!r} / {line!r})")
            if before[-1:] in OPENING:
                problems.append(f"{_name(label)}: a line ends with opening punctuation ({before!r} / {line!r})")
        if content_chars(lines[-1]) < 2:
            problems.append(f"{_name(label)}: a single character stranded on the last line "
                            f"({lines[-2]!r} / {lines[-1]!r})")
    return problems


def audit(widgets, elder: bool) -> list[str]:
    body_min, heading_min = TEXT_MIN[elder]
    target_min = TARGET_MIN[elder]
    problems = []
    for w in widgets:
        if not _visible(w):
            continue
        text = getattr(w, "text", "")
        if isinstance(w, Label) and text.strip():
            heading = getattr(w, "role", "body") in HEADING_ROLES
            minimum = heading_min if heading else body_min
            if w.font_size < dp(minimum) - 0.01:
                problems.append(f"{_name(w)}: text {w.font_size / dp(1):.1f}dp < {minimum}dp")
            # A disabled label draws in disabled_color; alpha blends into the background.
            background = background_of(w)
            ink = _over(w.disabled_color if w.disabled else w.color, background)
            ratio = contrast_ratio(ink, background)
            if ratio < CONTRAST_MIN:
                problems.append(f"{_name(w)}: contrast {ratio:.2f}:1 < {CONTRAST_MIN}:1")
            missing = sorted({c for c in text if not c.isspace() and ord(c) not in font_chars()})
            if missing:
                problems.append(f"{_name(w)}: no glyph for {''.join(missing)!r} (renders as a box)")
            tw, th_ = w.texture_size
            if tw > w.width + 2 or th_ > w.height + 2:
                problems.append(f"{_name(w)}: text {tw:.0f}x{th_:.0f} overflows its "
                                f"{w.width:.0f}x{w.height:.0f} box")
            if w.text_size[0] is not None and not w.shorten:
                problems.extend(line_breaking(w))
        if isinstance(w, TOUCHABLE) and not w.disabled:
            if w.width < dp(target_min) - 0.5 or w.height < dp(target_min) - 0.5:
                problems.append(f"{_name(w)}: touch target {w.width:.0f}x{w.height:.0f} "
                                f"< {target_min}x{target_min}dp")
        if hasattr(w, "meaning_color") and not text.strip():
            problems.append(f"{_name(w)}: a state shown by colour alone, with no words")
        parent = w.parent
        if isinstance(parent, PACKING_LAYOUTS) and _visible(parent):
            if (w.x < parent.x - 1 or w.y < parent.y - 1 or w.right > parent.right + 1
                    or w.top > parent.top + 1):
                problems.append(f"{_name(w)}: sticks out of its {_name(parent)}")
    return problems
