"""Where a line of Chinese text may break, and the lines a width gives (no Kivy).

Kivy wraps only at spaces and splits anything else at the character that
overflows, so a Chinese paragraph breaks anywhere (…“长辈模式 / ”。, 尽/力).
Here the break opportunities come from UAX #14 (uniseg, with its East Asian
rules), tightened as Chinese typesetting does it (W3C clreq, GB/T 15834):

- 避头尾: no line starts with closing punctuation or ends with opening
  punctuation, whatever UAX #14's classes say (“ ” are its ambiguous QU);
- words stay whole: between two Han characters UAX #14 breaks anywhere, so a
  break inside a word is taken back; the words and their frequencies are the
  pinyin keyboard's own index (assets/ime/pinyin.sqlite), read on disk;
- a number keeps its unit and its range (第3步, 2–10岁, 19:00–21:30), and a short
  quotation stays whole (“长辈模式”);
- the last line of a paragraph is never a single character (后四/位。): the
  break before it moves back one opportunity.

Lines are filled greedily with a caller's ``measure`` (text -> width), the
same measure the renderer uses, so a line that fits here fits there.
"""
from __future__ import annotations

import math
import sqlite3
import unicodedata
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Callable

from uniseg.graphemecluster import grapheme_cluster_breakables
from uniseg.linebreak import line_break_breakables

from kiosk.paths import ASSETS

INDEX = ASSETS / "ime" / "pinyin.sqlite"

# 避头: never first on a line.  避尾: never last on a line.  Characters the kiosk's font
# lacks (・ U+30FB, € U+20AC) are escaped: they may come in typed or synced text, never from the UI.
CLOSING = frozenset("，。、；：？！）》〉」』】〕〗〙〛”’…‥·\u30fb‧％‰℃°"
                    "，．：；？！）］｝｠｣"
                    ",.;:?!)]}%")
OPENING = frozenset("（《〈「『【〔〖〘〚“‘·\u30fb‧"
                    "（［｛｟｢￥＄"
                    "([{$¥£\u20ac#")
DASHES = frozenset("-–—~～")  # 2–10, 19:00–21:30, ——
PAIRS = {"“": "”", "‘": "’", "《": "》", "（": "）", "「": "」", "『": "』", "【": "】", "(": ")"}
SHORT_QUOTE = 8  # characters inside a pair that stay on one line: “长辈模式”, （急）
MAX_WORD = 4  # characters in the longest word looked up (words of 5+ are 1.5 % of the index)
CACHE = 4096


def is_han(char: str) -> bool:
    cp = ord(char)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF
            or 0x20000 <= cp <= 0x3FFFF)


def content_chars(text: str) -> int:
    """Letters and digits: what a reader counts as characters on a line."""
    return sum(1 for c in text if unicodedata.category(c)[0] in "LN")


class Lexicon:
    """Word frequencies from the IME's index, looked up on disk (its words_word
    key) as needed; ~100 MB as Python objects, so never loaded. Answers are
    cached: a screen's texts repeat."""

    def __init__(self, index: Path = INDEX):
        self.db = sqlite3.connect(f"file:{index}?mode=ro&immutable=1", uri=True,
                                  check_same_thread=False)
        total = dict(self.db.execute("SELECT key, value FROM meta"))["total_freq"]
        self.log_total = math.log(total)
        self._freq: OrderedDict[str, int] = OrderedDict()

    def freq(self, word: str) -> int:
        """How often ``word`` occurs in the index's counts; 0 if it is no word there."""
        found = self._freq.get(word)
        if found is None:
            (found,) = self.db.execute("SELECT coalesce(max(freq), 0) FROM words WHERE word = ?",
                                       (word,)).fetchone()
            self._freq[word] = found
            if len(self._freq) > CACHE * 8:
                self._freq.popitem(last=False)
        return found

    def words(self, run: str) -> list[str]:
        """The likeliest split of a run of Han characters into words (unigram
        Viterbi, as jieba does); a character of no known word stands alone."""
        n = len(run)
        best = [0.0] + [-math.inf] * n
        back = [0] * (n + 1)
        for end in range(1, n + 1):
            for start in range(max(0, end - MAX_WORD), end):
                piece = run[start:end]
                f = self.freq(piece)
                if not f and len(piece) > 1:
                    continue
                score = best[start] + math.log(max(f, 1)) - self.log_total
                if score > best[end]:
                    best[end], back[end] = score, start
        words, end = [], n
        while end:
            words.append(run[back[end]:end])
            end = back[end]
        return words[::-1]

    def close(self) -> None:
        self.db.close()


_shared: Lexicon | None = None


def lexicon() -> Lexicon:
    """The kiosk's one lexicon, opened on first use."""
    global _shared
    if _shared is None:
        _shared = Lexicon()
    return _shared


def forget() -> None:
    """Drop what is kept by a text shown (a visitor's name, a receipt line):
    the break opportunities and the words looked up. The chunks' flags stay:
    they are kept by shape (一, 0, a), not by text."""
    opportunities.cache_clear()
    if _shared is not None:
        _shared._freq.clear()


def _uax14(text: str) -> list[int]:
    """UAX #14's break flags (1: a line may start here), asked chunk by chunk.

    uniseg costs ~0.1 ms a character, so it is asked as seldom as it can be:
    between two Han ideographs UAX #14 always allows a break and no rule looks
    across such a pair, so the text is cut there (and between words at a
    space, below); every Han ideograph has the same properties (ID, wide, Lo),
    so each stands in a chunk as 一 (忙，谢 and 好，您 are one question, cached),
    and so do ASCII digits and letters (``_shape``).
    tests/test_linebreak.py checks that this gives what the whole text gives.
    """
    flags: list[int] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or (is_han(text[i - 1]) and is_han(text[i])) or _after_a_word_space(text, i):
            chunk = _chunk_flags("".join(map(_shape, text[start:i])))
            flags.extend((1,) + chunk[1:] if start else chunk)
            start = i
    return flags


def _shape(char: str) -> str:
    """A character as it stands in a chunk: all Han ideographs as 一, all ASCII
    digits as 0 (class NU) and letters as a (AL): UAX #14 tells them apart by
    nothing else, so 138****5678 and 139****1111 are one question."""
    if is_han(char):
        return "一"
    if char.isascii() and char.isalnum():
        return "0" if char.isdigit() else "a"
    return char


def _after_a_word_space(text: str, i: int) -> bool:
    """A word after spaces after a word (Zhang Wei, 10 岁): UAX #14 breaks there
    (LB18) and its rules that look back across spaces (LB14-17) start from
    punctuation, so Latin text is cut into chunks too (uniseg is slower on
    long chunks than on many short ones)."""
    if text[i - 1] != " " or not text[i].isalnum():
        return False
    before = text[:i].rstrip(" ")
    return bool(before) and before[-1].isalnum()


@lru_cache(maxsize=CACHE)
def _chunk_flags(shape: str) -> tuple[int, ...]:
    return tuple(line_break_breakables(shape))


# How strictly lines break, strictest first. A piece too wide for a line at
# one level is broken at the next: every rule; then quotations and numbers
# may break; then words may too (UAX #14 and 避头尾 alone); last, any
# character boundary 避头尾 allows (a long number in a narrow box).
STRICT, LOOSE, BARE, ANY = range(4)


@lru_cache(maxsize=CACHE)
def opportunities(text: str, level: int = STRICT) -> tuple[int, ...]:
    """Where a line may start inside one paragraph (no line breaks in it), in order."""
    if not text:
        return ()
    flags = [int(b) for b in grapheme_cluster_breakables(text)] if level == ANY else _uax14(text)
    flags[0] = 0
    shown = ""  # the last character before i that is not a space
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        shown = before if before != " " else shown
        if after in CLOSING or shown in OPENING:
            flags[i] = 0
        elif before in DASHES and after in DASHES:
            flags[i] = 0  # —— is one mark
        elif level == STRICT and (before.isdigit() and (is_han(after) or after in DASHES)
                                  or after.isdigit() and (before == "第" or before in DASHES)):
            flags[i] = 0  # 30秒, 第3步, 2–10
    if level == STRICT:
        for i, char in enumerate(text):
            close = PAIRS.get(char)
            end = text.find(close, i + 1, i + SHORT_QUOTE + 2) if close else -1
            if end > 0:
                flags[i + 1:end + 1] = [0] * (end - i)  # a short quotation is one name
    if level <= LOOSE:
        _keep_words(text, flags)
    return tuple(i for i, flag in enumerate(flags) if flag)


def _keep_words(text: str, flags: list[int]) -> None:
    lex = lexicon()
    start = None
    for i in range(len(text) + 1):
        han = i < len(text) and is_han(text[i])
        if han and start is None:
            start = i
        elif not han and start is not None:
            if i - start > 1:
                at = start
                for word in lex.words(text[start:i]):
                    for inside in range(at + 1, at + len(word)):
                        flags[inside] = 0
                    at += len(word)
            start = None


def wrap(text: str, width: float, measure: Callable[[str], float], level: int = STRICT) -> list[str]:
    """``text`` as lines no wider than ``width``, its own line breaks kept
    (spaces at a break are dropped). A character wider than the line has a
    line to itself."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if measure(paragraph) <= width:
            lines.append(paragraph)
            continue
        starts = [0, *_fill(paragraph, 0, len(paragraph), width, measure, level)]
        _no_orphan(paragraph, starts, width, measure, level)
        ends = starts[1:] + [len(paragraph)]
        lines.extend(paragraph[s:e].rstrip(" ") for s, e in zip(starts, ends))
    return lines


def _fill(text: str, start: int, end: int, width, measure, level: int) -> list[int]:
    """Where lines start, after ``start``, to fill text[start:end] greedily."""
    starts = [start]
    fitted = start  # the end of the last piece that fits on the current line
    for cut in [c for c in opportunities(text, level) if start < c < end] + [end]:
        if measure(text[starts[-1]:cut].rstrip(" ")) <= width:
            fitted = cut
            continue
        if fitted > starts[-1]:
            starts.append(fitted)
            if measure(text[fitted:cut].rstrip(" ")) <= width:
                fitted = cut
                continue
        if level < ANY:  # one piece wider than a line: broken less strictly
            starts.extend(_fill(text, starts[-1], cut, width, measure, level + 1))
        fitted = cut
    return starts[1:]


def _no_orphan(text: str, starts: list[int], width, measure, level: int) -> None:
    """Move the last line's start back to the latest opportunity that leaves it
    two characters or more, if that still fits."""
    if len(starts) < 2 or content_chars(text[starts[-1]:]) >= 2:
        return
    # Each level's opportunities include the stricter ones'; a word is not split for this.
    for loosen in range(level, max(level, LOOSE) + 1):
        cut = max((c for c in opportunities(text, loosen)
                   if starts[-2] < c < starts[-1] and content_chars(text[c:]) >= 2), default=None)
        if cut is not None and measure(text[cut:].rstrip(" ")) <= width:
            starts[-1] = cut
            return
