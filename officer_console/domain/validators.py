"""Input validators for the fields citizens and officers type in.

Each ``validate_*`` returns the normalised value or raises :class:`ValidationError` with a
specific Chinese message, so a view can show exactly what is wrong with the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from officer_console.domain.errors import ValidationError

__all__ = [
    "PLATE_PROVINCES",
    "birth_date_from_id",
    "is_valid_id_number",
    "is_valid_mobile",
    "is_valid_plate",
    "normalise_id_number",
    "normalise_mobile",
    "validate_date",
    "validate_id_number",
    "validate_mobile",
    "validate_name",
    "validate_plate",
    "validate_text",
]

# GB 11643-1999: weights of the first 17 digits and the check character for ``sum % 11``.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH = date(1900, 1, 1)

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# GA 36: serial characters are digits and letters except I and O (confusable with 1 and 0).
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
_PLATE_ORDINARY = re.compile(rf"{_PLATE_CHAR}{{5}}")
_PLATE_SUFFIXED = re.compile(rf"{_PLATE_CHAR}{{4}}[挂学警]")
_PLATE_NEV_SMALL = re.compile(r"[DF][A-HJ-NP-Z0-9][0-9]{4}")
_PLATE_NEV_LARGE = re.compile(r"[0-9]{5}[DF]")
# Separators people type between the issuing-authority letter and the serial: 京A·12345.
_PLATE_SEPARATORS = re.compile(r"[\s·•・.\-]")

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_SEPARATORS = re.compile(r"[\s\-()（）]")

_NAME_DOTS = re.compile(r"[•・‧∙⋅．.]")
_NAME_MIN, _NAME_MAX = 2, 30
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def normalise_id_number(value: str) -> str:
    """Strip whitespace and upper-case the check character; no validation."""
    return re.sub(r"\s", "", value).upper()


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Validate a resident ID number (GB 11643) and return it with an upper-case ``X``.

    ``today`` is injectable for tests; the birth date may not lie in the future.
    """
    number = normalise_id_number(value)
    if not number:
        raise ValidationError("id_number", "请输入身份证号码")
    if len(number) != 18:
        raise ValidationError("id_number", f"身份证号码应为18位，当前为{len(number)}位")
    if not _ID_SHAPE.fullmatch(number):
        raise ValidationError("id_number", "身份证号码前17位应为数字，最后一位应为数字或X")
    birth = _birth_date_or_none(number)
    if birth is None:
        raise ValidationError("id_number", f"身份证号码中的出生日期{number[6:14]}不是有效日期")
    if birth < _EARLIEST_BIRTH:
        raise ValidationError("id_number", "身份证号码中的出生日期早于1900年，请核对")
    if birth > (today or date.today()):
        raise ValidationError("id_number", "身份证号码中的出生日期晚于今天，请核对")
    if number[17] != _id_check_char(number[:17]):
        raise ValidationError("id_number", "身份证号码校验位错误，请核对号码")
    return number


def _id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _birth_date_or_none(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def birth_date_from_id(id_number: str) -> date:
    """Birth date encoded in a valid ID number (characters 7–14)."""
    number = validate_id_number(id_number)
    birth = _birth_date_or_none(number)
    assert birth is not None  # validate_id_number checked it
    return birth


def validate_plate(value: str) -> str:
    """Validate a motor-vehicle plate (GA 36, including new-energy plates); upper-cased.

    Accepted forms after the province character and the issuing-authority letter:
    five serial characters (京A12345), four plus 挂/学/警 (鲁A1234学), small new-energy
    D/F + letter-or-digit + four digits (沪AD12345), large new-energy five digits + D/F
    (辽D46234F). Spaces and a separator dot (京A·12345) are removed.
    """
    plate = _PLATE_SEPARATORS.sub("", value).upper()
    if not plate:
        raise ValidationError("plate", "请输入车牌号码")
    if plate[0] not in PLATE_PROVINCES:
        raise ValidationError("plate", "车牌号码第一位应为省、自治区、直辖市简称，如“鲁”")
    if len(plate) < 2 or not ("A" <= plate[1] <= "Z"):
        raise ValidationError("plate", "车牌号码第二位应为发牌机关代号字母")
    if "I" in plate[1:] or "O" in plate[1:]:
        raise ValidationError("plate", "车牌号码不能包含字母I或O（请改为数字1或0）")
    serial = plate[2:]
    if len(serial) == 5:
        if _PLATE_ORDINARY.fullmatch(serial) or _PLATE_SUFFIXED.fullmatch(serial):
            return plate
        raise ValidationError("plate", "车牌号码序号应为5位数字或字母")
    if len(serial) == 6:
        if _PLATE_NEV_SMALL.fullmatch(serial) or _PLATE_NEV_LARGE.fullmatch(serial):
            return plate
        raise ValidationError(
            "plate",
            "新能源车牌号码格式不正确：小型车为D或F开头（如沪AD12345），"
            "大型车为D或F结尾（如辽D46234F）",
        )
    raise ValidationError(
        "plate", f"车牌号码长度不正确：应为7位（新能源车牌8位），当前为{len(plate)}位"
    )


def normalise_mobile(value: str) -> str:
    """Drop separators and a +86 / 0086 / 86 country prefix; no validation."""
    digits = _MOBILE_SEPARATORS.sub("", value)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def validate_mobile(value: str) -> str:
    """Validate a mainland mobile number (``^1[3-9]\\d{9}$``) and return its 11 digits."""
    number = normalise_mobile(value)
    if not number:
        raise ValidationError("phone", "请输入手机号码")
    if not number.isascii() or not number.isdigit():
        raise ValidationError("phone", "手机号码只能包含数字")
    if len(number) != 11:
        raise ValidationError("phone", f"手机号码应为11位，当前为{len(number)}位")
    if not _MOBILE.fullmatch(number):
        raise ValidationError("phone", "手机号码应以13至19开头")
    return number


def validate_name(value: str) -> str:
    """Validate a person's name: 2–30 characters, Chinese, with '·' for e.g. 买买提·艾力.

    Latin letters and single spaces are also accepted for foreign permanent residents.
    Look-alike dots are normalised to U+00B7 so that the same name is always stored the same.
    """
    name = _NAME_DOTS.sub("·", " ".join(value.split()))
    if not name:
        raise ValidationError("name", "请输入姓名")
    if not _NAME_MIN <= len(name) <= _NAME_MAX:
        raise ValidationError(
            "name", f"姓名应为{_NAME_MIN}至{_NAME_MAX}个字，当前为{len(name)}个字"
        )
    for char in name:
        if not (_is_cjk(char) or char in "· " or (char.isascii() and char.isalpha())):
            raise ValidationError("name", f"姓名中不能包含字符“{char}”")
    if name[0] == "·" or name[-1] == "·" or "··" in name:
        raise ValidationError("name", "姓名中的间隔号“·”只能位于两段姓名之间")
    return name


def _is_cjk(char: str) -> bool:
    return unicodedata.category(char) == "Lo" and "CJK" in unicodedata.name(char, "")


def validate_text(
    field: str,
    value: str | None,
    max_len: int,
    required: bool = True,
    *,
    label: str = "此项",
    multiline: bool = True,
) -> str:
    """Strip ``value`` and check it is present (if required), short enough and printable.

    Control characters are refused because they corrupt PDFs and logs; tabs and newlines are
    allowed in multi-line text (statements, Q&A) and ``\\r\\n`` is normalised to ``\\n``.
    """
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        if required:
            raise ValidationError(field, f"{label}不能为空")
        return ""
    if len(text) > max_len:
        raise ValidationError(field, f"{label}不能超过{max_len}个字，当前为{len(text)}个字")
    allowed = "\n\t" if multiline else ""
    for char in text:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs"):
            raise ValidationError(field, f"{label}中含有不可见的控制字符，请删除后重新输入")
    return text


def validate_date(field: str, value: str | date, *, label: str = "日期") -> date:
    """Parse an ISO ``yyyy-mm-dd`` string (or pass a ``date`` through) into a real date."""
    if isinstance(value, datetime):
        raise TypeError("validate_date expects a date, not a datetime")
    if isinstance(value, date):
        return value
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValidationError(field, f"{label}格式应为“年-月-日”，如2024-03-01")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"{label}{text}不是有效日期") from None


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


def is_valid_plate(value: str) -> bool:
    try:
        validate_plate(value)
    except ValidationError:
        return False
    return True


def is_valid_mobile(value: str) -> bool:
    try:
        validate_mobile(value)
    except ValidationError:
        return False
    return True
