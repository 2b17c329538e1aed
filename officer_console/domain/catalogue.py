"""The violation catalogue (违法行为代码表) as data: parsed from CSV, looked up by region+code.

Fines differ by province and codes were re-issued in 2022, so nothing here is hard-coded:
admins import and edit the table, and every row carries its own effective dates.
Validity is the half-open interval ``[effective_from, effective_to)``: a replacement row
starts on the day the old one's ``effective_to`` names.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from officer_console.domain.errors import NotFoundError, ValidationError
from officer_console.domain.penalties import POINTS_LIMIT, PenaltyKind

__all__ = [
    "CATALOGUE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "CatalogueEntry",
    "CatalogueRowError",
    "lookup",
    "parse_catalogue_csv",
]

CATALOGUE_COLUMNS: Final = (
    "region",
    "code",
    "behaviour",
    "conduct_basis",
    "penalty_basis",
    "fine_min",
    "fine_max",
    "fine_default",
    "points",
    "points_expressway",
    "effective_from",
    "effective_to",
    "note",
    "penalty_kind",
)
#: Columns an older file may lack; ``penalty_kind`` then reads as ``fine`` (files written
#: before warnings were catalogued).
OPTIONAL_COLUMNS: Final = frozenset({"penalty_kind"})

_LABELS: Final = {
    "region": "行政区划代码",
    "code": "违法代码",
    "behaviour": "违法行为",
    "conduct_basis": "违法依据",
    "penalty_basis": "处罚依据",
    "fine_min": "最低罚款",
    "fine_max": "最高罚款",
    "fine_default": "默认罚款",
    "points": "记分",
    "points_expressway": "高速公路记分",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
    "note": "备注",
    "penalty_kind": "处罚种类",
}


class CatalogueRowError(ValidationError):
    """A catalogue row is invalid; ``row`` is the line number in the file (header = 1)."""

    def __init__(self, row: int, field: str, message: str) -> None:
        super().__init__(field, f"第{row}行“{_LABELS.get(field, field)}”：{message}")
        self.row = row


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    region: str
    code: str
    behaviour: str
    conduct_basis: str
    penalty_basis: str
    fine_min: int
    fine_max: int
    fine_default: int
    points: int
    points_expressway: int | None
    effective_from: date
    effective_to: date | None
    note: str
    penalty_kind: PenaltyKind = PenaltyKind.FINE

    def effective_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def points_for(self, *, expressway: bool) -> int:
        """Points for this behaviour; expressway values apply where the row has one."""
        if expressway and self.points_expressway is not None:
            return self.points_expressway
        return self.points


def _text(row: int, field: str, raw: str, *, required: bool, max_len: int) -> str:
    value = raw.strip()
    if required and not value:
        raise CatalogueRowError(row, field, "不能为空")
    if len(value) > max_len:
        raise CatalogueRowError(row, field, f"不能超过{max_len}个字")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise CatalogueRowError(row, field, "含有控制字符")
    return value


def _int(row: int, field: str, raw: str, low: int, high: int) -> int:
    value = raw.strip()
    if not re.fullmatch(r"[0-9]+", value):
        raise CatalogueRowError(row, field, f"应为不小于0的整数，当前为“{value}”")
    number = int(value)
    if not low <= number <= high:
        raise CatalogueRowError(row, field, f"应在{low}至{high}之间，当前为{number}")
    return number


def _date(row: int, field: str, raw: str) -> date:
    value = raw.strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise CatalogueRowError(
            row, field, f"应为有效日期（如2022-04-01），当前为“{value}”"
        ) from None


def _parse_row(row: int, raw: dict[str, str]) -> CatalogueEntry:
    region = raw["region"].strip()
    if not re.fullmatch(r"[0-9]{6}", region):
        raise CatalogueRowError(row, "region", f"应为6位数字，当前为“{region}”")
    code = raw["code"].strip()
    if not re.fullmatch(r"[0-9]{4,5}", code):
        raise CatalogueRowError(row, "code", f"应为4至5位数字，当前为“{code}”")
    fine_min = _int(row, "fine_min", raw["fine_min"], 0, 1_000_000)
    fine_max = _int(row, "fine_max", raw["fine_max"], 0, 1_000_000)
    fine_default = _int(row, "fine_default", raw["fine_default"], 0, 1_000_000)
    if fine_min > fine_max:
        raise CatalogueRowError(row, "fine_max", f"最高罚款{fine_max}元低于最低罚款{fine_min}元")
    if not fine_min <= fine_default <= fine_max:
        raise CatalogueRowError(
            row, "fine_default", f"默认罚款{fine_default}元不在{fine_min}至{fine_max}元之间"
        )
    expressway_raw = raw["points_expressway"].strip()
    effective_from = _date(row, "effective_from", raw["effective_from"])
    effective_to_raw = raw["effective_to"].strip()
    effective_to = _date(row, "effective_to", effective_to_raw) if effective_to_raw else None
    if effective_to is not None and effective_to <= effective_from:
        raise CatalogueRowError(row, "effective_to", "失效日期应晚于生效日期")
    kind_raw = raw.get("penalty_kind", "").strip() or PenaltyKind.FINE.value
    try:
        kind = PenaltyKind(kind_raw)
    except ValueError:
        allowed = "、".join(k.value for k in PenaltyKind)
        raise CatalogueRowError(
            row, "penalty_kind", f"应为{allowed}之一，当前为“{kind_raw}”"
        ) from None
    if kind is PenaltyKind.WARNING and fine_max != 0:
        raise CatalogueRowError(row, "fine_max", "处罚种类为警告（warning）的条目罚款应为0元")
    if kind is not PenaltyKind.WARNING and fine_min == 0 and fine_max == 0:
        raise CatalogueRowError(row, "penalty_kind", "罚款为0元的条目处罚种类应为警告（warning）")
    return CatalogueEntry(
        region=region,
        code=code,
        behaviour=_text(row, "behaviour", raw["behaviour"], required=True, max_len=200),
        conduct_basis=_text(row, "conduct_basis", raw["conduct_basis"], required=True, max_len=200),
        penalty_basis=_text(row, "penalty_basis", raw["penalty_basis"], required=True, max_len=200),
        fine_min=fine_min,
        fine_max=fine_max,
        fine_default=fine_default,
        points=_int(row, "points", raw["points"], 0, POINTS_LIMIT),
        points_expressway=(
            _int(row, "points_expressway", expressway_raw, 0, POINTS_LIMIT)
            if expressway_raw
            else None
        ),
        effective_from=effective_from,
        effective_to=effective_to,
        note=_text(row, "note", raw["note"], required=False, max_len=500),
        penalty_kind=kind,
    )


def parse_catalogue_csv(text: str) -> list[CatalogueEntry]:
    """Parse and validate a whole catalogue file; the first bad row raises with its number.

    Rows for the same region and code must not overlap in time, or a lookup would be
    ambiguous.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ValidationError("catalogue", "违法行为代码表为空")
    columns = [name.strip() for name in header]
    missing = [n for n in CATALOGUE_COLUMNS if n not in columns and n not in OPTIONAL_COLUMNS]
    unknown = [name for name in columns if name not in CATALOGUE_COLUMNS]
    if missing or unknown or len(set(columns)) != len(columns):
        raise ValidationError(
            "catalogue",
            f"违法行为代码表表头不正确：缺少{missing or '无'}，多余{unknown or '无'}；"
            f"应为{','.join(CATALOGUE_COLUMNS)}",
        )
    entries: list[CatalogueEntry] = []
    row_of: dict[CatalogueEntry, int] = {}
    for values in reader:
        row = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(columns):
            raise CatalogueRowError(
                row, "catalogue", f"应有{len(columns)}列，当前为{len(values)}列"
            )
        entry = _parse_row(row, dict(zip(columns, values, strict=True)))
        for other in entries:
            if (other.region, other.code) == (entry.region, entry.code) and _overlap(other, entry):
                raise CatalogueRowError(
                    row,
                    "effective_from",
                    f"代码{entry.code}的有效期与第{row_of[other]}行重叠",
                )
        entries.append(entry)
        row_of[entry] = row
    return entries


def _overlap(a: CatalogueEntry, b: CatalogueEntry) -> bool:
    a_ends_after_b_starts = a.effective_to is None or a.effective_to > b.effective_from
    b_ends_after_a_starts = b.effective_to is None or b.effective_to > a.effective_from
    return a_ends_after_b_starts and b_ends_after_a_starts


def lookup(entries: Iterable[CatalogueEntry], region: str, code: str, on: date) -> CatalogueEntry:
    """The entry for ``region`` + ``code`` in force on ``on``."""
    matches = [e for e in entries if e.region == region and e.code == code and e.effective_on(on)]
    if not matches:
        raise NotFoundError(
            f"违法代码{code}在地区{region}于{on.isoformat()}没有有效的处罚标准，请检查违法行为代码表"
        )
    return max(matches, key=lambda entry: entry.effective_from)
