"""What is said for what a screen shows: the text a voice reads, with every
number written out the way it is meant. A code, a phone or a ticket is read
digit by digit (三八二九一五, not 三十八万…); a time as 八点三十分; a date
as 十二月三日; a count as a number (余 12 座 → 余十二座). Symbols drawn for the
eye (‹ › · ● ■) are dropped; a full-width space is a pause.

The G2P that follows (misaki) never sees a digit or a Latin letter: it would
read them in its own ways (a phone as 亿, a letter not at all)."""
from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
# Latin letters as a Mandarin speaker says them (codes such as LJY-0001)
LETTERS = dict(zip(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ("诶 比 西 迪 伊 艾弗 吉 艾尺 艾 杰 开 艾勒 艾姆 艾恩 欧 披 秋 阿 艾斯 提 优 维 达布溜 艾克斯 歪 贼"
     ).split()))
_UNITS = ("", "十", "百", "千")

# drawn for the eye, not said; a gap between words becomes a short pause
_DROPPED = str.maketrans({c: "" for c in "‹›●■□✓·•→←↑↓▶◀「」《》【】"})
_PAUSES = str.maketrans({"\u3000": "，", "\n": "。", "|": "，"})


def digit_by_digit(digits: str) -> str:
    return "".join(DIGITS[int(d)] if d.isdigit() else LETTERS.get(d.upper(), "") for d in digits)


def number(n: int) -> str:
    """An integer as counted: 0 → 零, 12 → 十二, 105 → 一百零五, 20000 → 两万."""
    if n < 0:
        return "负" + number(-n)
    if n == 0:
        return "零"
    if n >= 100_000_000:
        return digit_by_digit(str(n))  # nothing on a kiosk counts that high: read it out
    high, low = divmod(n, 10_000)
    if high:
        said = _below_10k(high) + "万"
        if low:
            said += ("零" if low < 1000 else "") + _below_10k(low)
    else:
        said = _below_10k(low)
    if said.startswith("一十"):
        said = said[1:]  # 十二, not 一十二
    if said.startswith("二") and (said[1:2] in ("百", "千", "万") and len(said) > 1):
        said = "两" + said[1:]  # 两百, 两千, 两万 (but 二十, 十二)
    return said


def _below_10k(n: int) -> str:
    out, zero = [], False
    for power in (3, 2, 1, 0):
        d = n // 10 ** power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + _UNITS[power])
    return "".join(out)


def decimal(text: str) -> str:
    whole, _, frac = text.partition(".")
    return number(int(whole)) + ("点" + digit_by_digit(frac) if frac else "")


def clock_time(hours: str, minutes: str) -> str:
    h, m = int(hours), int(minutes)
    said = number(h).replace("二", "两") if h == 2 else number(h)
    said += "点"
    if m == 30:
        return said + "三十分"
    if m:
        said += ("零" if m < 10 else "") + number(m) + "分"
    return said


_RULES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"\d{1,3}(?:,\d{3})+"), lambda m: m[0].replace(",", "")),  # 1,250 分
    # 2026-12-03 or 2026年12月3日: a year is read digit by digit
    (re.compile(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?"),
     lambda m: f"{digit_by_digit(m[1])}年{number(int(m[2]))}月{number(int(m[3]))}日"),
    (re.compile(r"(\d{1,2})月(\d{1,2})日"), lambda m: f"{number(int(m[1]))}月{number(int(m[2]))}日"),
    # a time range, then a lone time
    (re.compile(r"(\d{1,2}):(\d{2})\s*[–—~-]\s*(\d{1,2}):(\d{2})"),
     lambda m: f"{clock_time(m[1], m[2])}到{clock_time(m[3], m[4])}"),
    (re.compile(r"(\d{1,2}):(\d{2})"), lambda m: clock_time(m[1], m[2])),
    # a masked phone (138****5678) or a code of letters and digits (LJY-0001, W3829)
    (re.compile(r"(\d{3})\*{4}(\d{4})"), lambda m: f"{digit_by_digit(m[1])}，尾号{digit_by_digit(m[2])}"),
    (re.compile(r"([\u3400-\u9fff])\*+"), lambda m: m[1] + "某某"),  # a name on the wall, 张**
    (re.compile(r"\b([A-Za-z]{1,4})-?(\d{2,})\b"), lambda m: digit_by_digit(m[1].upper()) + digit_by_digit(m[2])),
    # five digits or more, or a leading zero: a phone, a ticket, a code — digit by digit
    (re.compile(r"\d{5,}|0\d+"), lambda m: digit_by_digit(m[0])),
    # a range of numbers: 2–10 岁 → 二到十岁
    (re.compile(r"(\d+)\s*[–—~]\s*(\d+)"), lambda m: f"{number(int(m[1]))}到{number(int(m[2]))}"),
    (re.compile(r"(\d+)\s*%"), lambda m: f"百分之{number(int(m[1]))}"),
    (re.compile(r"\d+\.\d+"), lambda m: decimal(m[0])),
    (re.compile(r"\d+"), lambda m: number(int(m[0]))),
    (re.compile(r"[A-Za-z]+"), lambda m: digit_by_digit(m[0].upper()) if m[0].isupper() or len(m[0]) < 4 else m[0]),
]

_SPACES = re.compile(r"(?<=[\u3400-\u9fff，。：；！？、）”])\s+|\s+(?=[\u3400-\u9fff，。：；！？、（“])")


def spoken(text: str) -> str:
    """The words a voice reads for ``text`` (shown text, in Chinese)."""
    said = text.translate(_DROPPED).translate(_PAUSES)
    for pattern, replace in _RULES:
        said = pattern.sub(replace, said)
    said = _SPACES.sub("", said).replace("*", "")
    said = re.sub(r"[，。]{2,}", lambda m: "。" if "。" in m[0] else "，", said)
    return said.strip("，、 ")


# where a sentence may be cut into clips: after these, a voice pauses anyway
_CLAUSE_END = re.compile(r"(?<=[。！？；：])")


def clauses(text: str) -> list[str]:
    """``text`` (already spoken()) cut into sentences: each is one clip, fixed
    sentences shipped, the rest synthesised while the first ones play."""
    return [c.strip("，、 ") for c in _CLAUSE_END.split(text) if c.strip("，、。 ")]
