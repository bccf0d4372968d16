"""Checks for what residents type, shared by the kiosk and the server's push.

Each check returns the clean value or raises FieldError naming the field,
with a message in Chinese to show at that field. Nothing is stored until
every field has passed. A value of the wrong type (a list for a name, a
string for a seat) is refused the same way: a caller never meets TypeError.

What a resident wrote is kept as written. Only where the meaning requires
it is text normalised: the width of digits and letters in phones and codes
(１３８… is 138…), compatibility forms in names (ＺＨＡＮＧ, Kangxi
radicals); free text keeps its Chinese punctuation (，！“”（）) and is only
composed (NFC), which changes no character a reader sees.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiosk.charset import UNSHOWABLE

PHONE = re.compile(r"^1[3-9][0-9]{9}$")  # mainland mobile numbers; ASCII digits only (\d is any script's)
NAME_MAX = 20
NOTE_MAX = 200
# fullwidth ASCII (U+FF01-FF5E) and the ideographic space, as a Chinese keyboard in fullwidth mode types them
_HALFWIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}
# the middle dot of 少数民族 names as other keyboards type it: katakana, bullet, hyphenation point, operators
_DOTS = str.maketrans(dict.fromkeys("\u30fb\u2022\u2027\u2219\u22c5", "·"))
# name parts (Chinese, Latin letters) joined by one "·" or one space: never only, first or last a separator
_NAME_PART = "[\u4e00-\u9fff\u3400-\u4dbfA-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]+"
_NAME = re.compile(f"{_NAME_PART}(?:(?: ?· ?| ){_NAME_PART})*")
_NAME_CHARS = re.compile(f"(?:{_NAME_PART}|[· ])+")
NAME_CHARS_WORDS = "姓名只能包含汉字、字母、空格和“·”"
HOURS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3})?")
HOURS_WORDS = "请输入服务时长（小时），如 2 或 1.5"


@dataclass
class FieldError(ValueError):
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class FormError(ValueError):
    """Several fields failed; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def validate_all(**checks) -> dict:
    """Run every check (field name -> callable); all messages at once."""
    values, errors = {}, {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except FieldError as exc:
            errors[exc.field] = exc.message
    if errors:
        raise FormError(errors)
    return values


def _given(value, field: str, message: str) -> str:
    """The text a field was given; None is nothing typed, any other non-text is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError(field, message)
    return value


def normalise_code(value, field: str, message: str) -> str:
    """A ticket, wish code, the phone's last four or a volunteer number as
    typed (a scanner or keyboard in fullwidth mode types ４８０２１３): in
    ASCII, without the spaces around it."""
    return _given(value, field, message).translate(_HALFWIDTH).strip()


def normalise_phone(text, field: str = "phone") -> str:
    """13812345678 from '138 1234 5678', '+86 138-1234-5678', fullwidth digits..."""
    raw = normalise_code(text, field, "手机号只能是数字")
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits:
        raise FieldError(field, "请填写手机号")
    if not digits.isdigit() or not digits.isascii():
        raise FieldError(field, "手机号只能是数字")
    if not PHONE.match(digits):
        raise FieldError(field, "请填写 11 位手机号，以 1 开头")
    return digits


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "****"


def validate_name(text, field: str = "name") -> str:
    """1-20 characters: Chinese (what the kiosk's font shows: CJK and
    Extension A), Latin letters, parts joined by the middle dot (少数民族
    names) or a space ('Zhang Wei'). NFKC: a name's compatibility forms
    (fullwidth letters, Kangxi radicals) are the same name."""
    name = unicodedata.normalize("NFKC", _given(text, field, NAME_CHARS_WORDS)).translate(_DOTS)
    name = re.sub(" {2,}", " ", name).strip()
    if not name:
        raise FieldError(field, "请填写姓名")
    if len(name) > NAME_MAX:
        raise FieldError(field, f"姓名最多 {NAME_MAX} 个字")
    if not _NAME_CHARS.fullmatch(name):
        raise FieldError(field, NAME_CHARS_WORDS)
    if not _NAME.fullmatch(name):
        raise FieldError(field, "“·”和空格只能写在名字中间，不能单独使用")
    return name


def validate_note(text, field: str = "note", limit: int = NOTE_MAX, one_line: bool = False) -> str:
    """Free text as written. ``one_line``: a resident's text at the kiosk
    (its keyboards type no line break); the office's notes may have lines."""
    # a browser sends a textarea's line break as "\r\n" (HTML forms): one line break
    note = unicodedata.normalize("NFC", _given(text, field, "这里只能填写文字")).replace("\r\n", "\n").strip()
    if len(note) > limit:
        raise FieldError(field, f"最多 {limit} 个字，现在有 {len(note)} 个字")
    if UNSHOWABLE.search(note):
        raise FieldError(field, "含有无法显示的字符（如表情符号），请删去")
    if one_line and "\n" in note:
        raise FieldError(field, "请写成一段，不要换行")
    return note


def validate_age(value, low: int, high: int, field: str = "age") -> int:
    """A whole number of years, as an int or typed in ASCII or fullwidth
    digits (not '1_0' or another script's digits, which int() would take)."""
    if type(value) is int:  # not a bool
        age = value
    else:
        text = normalise_code(value, field, "请填写年龄（数字）")
        if not text.isascii() or not text.isdigit():
            raise FieldError(field, "请填写年龄（数字）")
        age = int(text) if len(text) <= 3 else high + 1  # no int() of a thousand digits
    if not low <= age <= high:
        raise FieldError(field, f"绘本馆面向 {low}–{high} 岁的孩子")
    return age


def validate_seat(value, seats: int, field: str = "seat") -> int:
    """A seat number 1..seats, as the seat map gives it: an int, never '3', 3.5 or True."""
    if type(value) is not int or not 1 <= value <= seats:
        raise FieldError(field, "没有这个座位")
    return value


def validate_hours(value, field: str = "hours") -> float:
    """Hours as typed ('2', '1.5'), not '1_0', 'inf', 'nan' or another script's digits,
    which float() would take."""
    text = normalise_code(value, field, HOURS_WORDS)
    if not HOURS.fullmatch(text):
        raise FieldError(field, HOURS_WORDS)
    return float(text)


def agreed(value) -> bool:
    """Consent as the form's box gives it (True) or as stored (1); 'no' is no consent."""
    return value is True or (type(value) is int and value == 1)
