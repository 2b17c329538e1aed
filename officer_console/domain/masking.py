"""Masking of personal data for screens and logs (ID 110105********002X, phone 138****1234).

These functions never raise: a value that cannot be recognised is masked completely, because
showing too little is harmless and showing too much is a data leak.
"""

from __future__ import annotations

import re

__all__ = ["mask_id_number", "mask_name", "mask_phone", "mask_plate", "mask_text"]

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9Xx]")
_PHONE_SHAPE = re.compile(r"1[3-9][0-9]{9}")

# In free text: 18-character ID shapes (checksum not checked — over-masking is fine) and
# 11-digit mobiles, optionally +86-prefixed or split 3-4-4 by spaces or dashes.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_OLD_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{15}(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[- ]?)?(1[3-9][0-9])[- ]?([0-9]{4})[- ]?([0-9]{4})(?![0-9])"
)


def _stars(value: str) -> str:
    return "*" * len(value)


def mask_id_number(value: str | None) -> str:
    """``11010519491231002X`` → ``110105********002X``: region and sequence stay visible."""
    if not value:
        return ""
    number = re.sub(r"\s", "", value).upper()
    if _ID_SHAPE.fullmatch(number):
        return f"{number[:6]}{'*' * 8}{number[14:]}"
    return _stars(number)


def mask_phone(value: str | None) -> str:
    """``13812341234`` → ``138****1234``; separators and a +86 prefix are dropped first."""
    if not value:
        return ""
    digits = re.sub(r"[\s\-()]", "", value)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if _PHONE_SHAPE.fullmatch(digits):
        return f"{digits[:3]}****{digits[7:]}"
    return _stars(digits)


def mask_name(value: str | None) -> str:
    """Keep only the first character: 张三 → 张*, 欧阳娜娜 → 欧***, a single character → *.

    The family name alone is what an officer needs to greet the citizen on a call; compound
    surnames are not detected on purpose (no list is complete, and hiding more is safe).
    """
    if not value:
        return ""
    name = value.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_plate(value: str | None) -> str:
    """Return the plate unchanged.

    Plates are not masked: the product brief shows the plate on the squad queue so officers
    can match the appointment to the violation record, and a plate is printed on the car
    in public anyway. The function exists so that every display path goes through one place
    should that policy change.
    """
    return value or ""


def _mask_phone_match(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def mask_text(value: str | None) -> str:
    """Mask ID numbers (18- and old 15-digit) and mobile numbers found in free text.

    Meant for log messages and error texts. Names cannot be recognised in free text, so
    callers must not log names unmasked in the first place.
    """
    if not value:
        return ""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), value)
    text = _OLD_ID_IN_TEXT.sub(lambda m: f"{m.group(0)[:6]}{'*' * 9}", text)
    return _PHONE_IN_TEXT.sub(_mask_phone_match, text)
