"""Field types shared by every gateway model: bounded text, ids, dates and times in a window.

Lone surrogates and NUL are refused before any domain validator sees a string (they cannot be
encoded into a response or a log line); messages never repeat the submitted value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1
#: Dates citizens enter (licence issue, registration, inspection) lie in this window.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)
#: Times the gateway accepts (slot starts): far from datetime's year-1 / year-9999 edges.
TIME_MIN, TIME_MAX = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _clean(value: str) -> str:
    if "\x00" in value or (not value.isascii() and _BAD_CHARS.search(value)):
        raise PydanticCustomError("bad_chars", "含有非法字符")
    return value


#: A string free of NUL and lone surrogates; bound it with ``Annotated[Text, MaxLen(n)]``.
Text = Annotated[str, AfterValidator(_clean)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _parse_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "日期应为“年-月-日”格式的字符串")
    if len(value) != 10 or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "日期格式应为“年-月-日”，如2024-03-01")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_invalid", "不是有效日期") from None
    if not DATE_MIN <= parsed <= DATE_MAX:
        raise PydanticCustomError("date_range", "日期超出合理范围（1900年至2100年）")
    return parsed


def _parse_datetime(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "时段时间应为ISO 8601字符串（含时区）")
    if len(value) > 40 or not value.isascii():
        raise PydanticCustomError("datetime_format", "时段时间格式应为ISO 8601（含时区）")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("datetime_format", "时段时间格式应为ISO 8601（含时区）") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError("datetime_naive", "时段时间应带时区")
    if not TIME_MIN <= parsed <= TIME_MAX:
        raise PydanticCustomError("datetime_range", "时段时间超出合理范围")
    return parsed


IsoDate = Annotated[
    date,
    BeforeValidator(_parse_date),
    WithJsonSchema({"type": "string", "format": "date", "example": "2024-03-01"}),
]
AwareDateTime = Annotated[
    datetime,
    BeforeValidator(_parse_datetime),
    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 40}),
]
