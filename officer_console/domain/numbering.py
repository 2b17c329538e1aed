"""Decision document numbers (处罚决定书编号).

The official rule is *unverified* (docs/domain.md): real numbers look like a 6-digit division code,
the year and a serial, so the pattern is configuration. Uniqueness and gap-freeness per issuing
unit and year come from the store's counter; this module only turns a serial into text and
refuses patterns that could produce the same number twice.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from officer_console.domain.errors import ValidationError

__all__ = ["DEFAULT_PATTERN", "DecisionNumberFormat", "format_number"]

DEFAULT_PATTERN = "{division}{year}{serial:07d}"
_FIELDS = frozenset({"division", "year", "serial"})


@dataclass(frozen=True, slots=True)
class DecisionNumberFormat:
    """``pattern`` is a ``str.format`` template over ``division``, ``year`` and ``serial``.

    Only those three plain fields are allowed (no attribute or index access), ``serial`` and
    ``year`` must appear so numbers are unique per unit and year, and ``max_serial`` bounds the
    serial so the zero-padded width never overflows.
    """

    pattern: str = DEFAULT_PATTERN
    max_serial: int = 9_999_999

    def __post_init__(self) -> None:
        try:
            parsed = list(string.Formatter().parse(self.pattern))
        except ValueError as exc:
            raise ValidationError("pattern", f"编号格式无法解析：{exc}") from None
        names = [name for _, name, _, _ in parsed if name is not None]
        for name in names:
            if name not in _FIELDS:
                raise ValidationError(
                    "pattern", f"编号格式中只能使用division、year、serial，不能使用“{name}”"
                )
        if "serial" not in names or "year" not in names:
            raise ValidationError("pattern", "编号格式必须包含year（年份）和serial（序号）")
        if self.max_serial < 1:
            raise ValidationError("max_serial", "最大序号应为正整数")
        try:
            self.pattern.format(division="370100", year=2024, serial=1)
        except (ValueError, TypeError) as exc:
            raise ValidationError("pattern", f"编号格式无效：{exc}") from None

    def format_number(self, division_code: str, year: int, serial: int) -> str:
        """Render one number after checking its parts are in range."""
        if not re.fullmatch(r"[0-9]{6}", division_code):
            raise ValidationError("division_code", "行政区划代码应为6位数字")
        if not 2000 <= year <= 2099:
            raise ValidationError("year", f"年份应在2000至2099之间，当前为{year}")
        if not 1 <= serial <= self.max_serial:
            raise ValidationError("serial", f"序号应在1至{self.max_serial}之间，当前为{serial}")
        return self.pattern.format(division=division_code, year=year, serial=serial)


def format_number(
    division_code: str, year: int, serial: int, fmt: DecisionNumberFormat | None = None
) -> str:
    """Convenience wrapper using the default format (``370100`` + ``2024`` + ``0000001``)."""
    return (fmt or DecisionNumberFormat()).format_number(division_code, year, serial)
