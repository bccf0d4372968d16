"""Checks for what residents type, shared by the kiosk and (later) the server.

Each check returns the clean value or raises FieldError naming the field,
with a message in Chinese to show at that field. Nothing is stored until
every field has passed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiosk.charset import UNSHOWABLE

PHONE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers
NAME_MAX = 20
NOTE_MAX = 200


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


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def normalise_phone(text: str, field: str = "phone") -> str:
    """13812345678 from '138 1234 5678', '+86 138-1234-5678', fullwidth digits..."""
    raw = _clean(text)
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


def validate_name(text: str, field: str = "name") -> str:
    """1-20 characters: Chinese, letters and the middle dot (少数民族 names)."""
    name = _clean(text).replace("\u30fb", "·").replace("•", "·")
    if not name:
        raise FieldError(field, "请填写姓名")
    if len(name) > NAME_MAX:
        raise FieldError(field, f"姓名最多 {NAME_MAX} 个字")
    if not all(_name_char(c) for c in name):
        raise FieldError(field, "姓名只能包含汉字、字母和“·”")
    return name


def _name_char(char: str) -> bool:
    # CJK and Extension A are what the kiosk's font can show.
    return ("\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
            or (char.isascii() and char.isalpha()) or char == "·")


def validate_note(text: str, field: str = "note", limit: int = NOTE_MAX) -> str:
    note = _clean(text)
    if len(note) > limit:
        raise FieldError(field, f"最多 {limit} 个字，现在有 {len(note)} 个字")
    if UNSHOWABLE.search(note):
        raise FieldError(field, "含有无法显示的字符（如表情符号），请删去")
    return note


def validate_age(text, low: int, high: int, field: str = "age") -> int:
    try:
        age = int(_clean(str(text)))
    except ValueError:
        raise FieldError(field, "请填写年龄（数字）") from None
    if not low <= age <= high:
        raise FieldError(field, f"绘本馆面向 {low}–{high} 岁的孩子")
    return age
