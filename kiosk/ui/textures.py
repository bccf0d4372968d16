"""Rendered label textures kept by their text and look, for labels that show
them again.

Drawing a label's text (SDL_ttf rasterising every CJK glyph) and uploading
it to the renderer was most of a step's time to its frame in software
rendering (bench/tap_latency.py: wall p50 128 → 15 ms), and a kiosk shows
the same texts over and over: every step's title, 姓名, 手机号, 确认预约, the
seats, the keyboard's keys. A label whose
text and options (font, size, colour, width, alignment…) match a texture
drawn before takes that texture (and the lines it was laid out in) instead
of drawing it again.

A texture handed to the cache is filled at once and taken from its label's
renderer (which would otherwise draw the next text into the same texture
when the size matches), so a cached texture never changes. The cache holds
at most ``BUDGET`` bytes of pixels, least recently used first out.
"""
from __future__ import annotations

from collections import OrderedDict

from kivy.cache import Cache

from kiosk import linebreak

BUDGET = 24 * 1024 * 1024  # bytes of RGBA pixels: a few hundred labels of a 1080p kiosk


def _frozen(value):
    return tuple(value) if isinstance(value, list) else value


def key_of(text: str, core) -> tuple:
    """What a label's texture depends on: its text (as given: its lines follow
    from it and the rest), the core label's size box and options."""
    return (text, _frozen(core.text_size),
            tuple(sorted((name, _frozen(v)) for name, v in core.options.items()
                         if name != "font_name_r")))  # the file font_name resolves to, once drawn


class TextureCache:
    def __init__(self, budget: int = BUDGET):
        self.budget = budget
        self.used = 0
        self.hits = self.misses = 0
        self._textures: OrderedDict[tuple, object] = OrderedDict()

    def __len__(self) -> int:
        return len(self._textures)

    def get(self, key: tuple):
        """(texture, its laid-out lines), or None."""
        drawn = self._textures.get(key)
        if drawn is None:
            self.misses += 1
            return None
        self.hits += 1
        self._textures.move_to_end(key)
        return drawn

    def keep(self, key: tuple, core) -> None:
        """Take the texture ``core`` has just made for ``key``."""
        texture = core.texture
        if texture is None or texture is core.texture_1px:
            return
        size = texture.width * texture.height * 4
        if size > self.budget // 4:
            return  # a huge label is drawn each time rather than crowding out the rest
        texture.bind()  # filled now, from the text it was made for
        core.texture = None  # the renderer makes a new one for its next text
        self._textures[key] = texture, core._cached_lines
        self.used += size
        while self.used > self.budget:
            _old, (dropped, _lines) = self._textures.popitem(last=False)
            self.used -= dropped.width * dropped.height * 4

    def clear(self) -> None:
        self._textures.clear()
        self.used = 0


textures = TextureCache()


def forget_texts() -> None:
    """Every cache kept by a text the kiosk showed, emptied when the kiosk is
    idle (the attract loop starts, a visitor walked away) and when staff mode
    starts or ends: a kept texture is a visitor's name as much as the text is."""
    textures.clear()
    linebreak.forget()
    Cache.remove("textinput.label")  # Kivy's own, of the text typed in a field
