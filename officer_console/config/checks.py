"""Value checks of single settings: each returns the problem in Chinese, or None.

Kept apart from the :class:`~officer_console.config.settings.Settings` declaration so the
field list stays readable; a check is attached to its field as metadata and run at load time
(:mod:`officer_console.config.validation`), so a bad file is reported at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Check = Callable[[Any], str | None]  # the problem in Chinese, or None when the value is fine

DIGITS = re.compile(r"[0-9]{1,16}")
HOST = re.compile(r"[A-Za-z0-9.:-]{1,253}")  # host name, IPv4 or IPv6 address
SIP_DOMAIN = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")
PRINTABLE = re.compile(r"[!-~]{1,128}")  # ASCII, no blanks or line breaks (AMI is line-based)
AMI_CONTEXT = re.compile(r"[A-Za-z0-9_.-]{1,80}")
ALIYUN_TEMPLATE = re.compile(r"[A-Za-z0-9_-]{1,64}")
TENCENT_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
S3_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
S3_PREFIX = re.compile(r"[A-Za-z0-9_./-]{1,200}")


def http_url(what: str) -> Check:
    """A full http(s) address or empty: a vendor endpoint typed without its scheme fails
    only at the first send, far from the settings."""

    def check(value: str) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.hostname
            or any(c.isspace() for c in value)
        ):
            return f"{what}应为以 http:// 或 https:// 开头的完整网址"
        return None

    return check


def digits(what: str, *, required: bool = False) -> Check:
    """Digits only (ids, extensions, line prefixes): a blank or dash would be dialled."""

    def check(value: str) -> str | None:
        if not value and not required:
            return None
        if not DIGITS.fullmatch(value):
            return f"{what}只能包含数字（1–16 位）"
        return None

    return check


def pattern(regex: re.Pattern[str], problem: str, *, required: bool = False) -> Check:
    """The whole value matches ``regex``; empty passes unless ``required``."""

    def check(value: str) -> str | None:
        if not value and not required:
            return None
        return None if regex.fullmatch(value) else problem

    return check


def one_of(*choices: str) -> Check:
    """A closed choice (backends, schemes): a typo must not fall back silently."""

    def check(value: str) -> str | None:
        return None if value in choices else f"应为 {' 或 '.join(choices)}"

    return check


def in_range(low: int, high: int, what: str) -> Check:
    """An integer within bounds the vendor or the procedure can live with."""

    def check(value: int) -> str | None:
        return None if low <= value <= high else f"{what}应为 {low}–{high} 之间的整数"

    return check


def port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "端口应为 1–65535 之间的整数"


def ami_channel(value: str) -> str | None:
    """A channel template that formats with ``{extension}`` alone (AMI is line-based)."""
    if not PRINTABLE.fullmatch(value):
        return "通道模板不能为空，也不能含空格或换行（如 PJSIP/{extension}）"
    try:
        value.format(extension="8001")
    except (KeyError, IndexError, AttributeError, ValueError):
        return "通道模板只能使用变量 {extension}（民警分机号），花括号须成对，如 PJSIP/{extension}"
    return None
