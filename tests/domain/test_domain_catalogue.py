"""Violation catalogue parsing, validation and effective-date lookup."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from officer_console.domain.catalogue import (
    CATALOGUE_COLUMNS,
    CatalogueRowError,
    lookup,
    parse_catalogue_csv,
)
from officer_console.domain.errors import NotFoundError, ValidationError

RESOURCE = Path(__file__).resolve().parents[2] / "resources" / "catalogue" / "violations_370100.csv"
HEADER = ",".join(CATALOGUE_COLUMNS)
GOOD = (
    "370100,1625,闯红灯,《道路交通安全法》第三十八条,《道路交通安全法》第九十条,"
    "200,200,200,6,,2022-04-01,,,"
)


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_shipped_jinan_catalogue_parses() -> None:
    entries = parse_catalogue_csv(RESOURCE.read_text(encoding="utf-8"))
    assert len(entries) == 19
    assert {e.region for e in entries} == {"370100"}
    red_light = lookup(entries, "370100", "1625", date(2024, 6, 1))
    assert (red_light.fine_default, red_light.points) == (200, 6)
    assert red_light.conduct_basis.endswith("第三十八条")
    speeding = lookup(entries, "370100", "1721", date(2024, 6, 1))
    assert (speeding.fine_min, speeding.fine_max) == (200, 2000)
    assert speeding.points_for(expressway=True) == 12
    assert speeding.points_for(expressway=False) == 6
    assert "unverified" in speeding.note
    assert lookup(entries, "370100", "1048", date(2024, 6, 1)).points_expressway is None


def test_bom_and_blank_lines_are_tolerated() -> None:
    entries = parse_catalogue_csv("\ufeff" + csv_text(GOOD, "", ",,,,,,,,,,,,"))
    assert len(entries) == 1


@pytest.mark.parametrize(
    ("row", "field", "fragment"),
    [
        (GOOD.replace(",1625,", ",16,"), "code", "4至5位"),
        (GOOD.replace("370100,", "3701,", 1), "region", "6位"),
        (GOOD.replace(",200,200,200,", ",200,100,200,"), "fine_max", "低于"),
        (GOOD.replace(",200,200,200,", ",100,200,250,"), "fine_default", "不在"),
        (GOOD.replace(",200,200,200,", ",-1,200,200,"), "fine_min", "整数"),
        (GOOD.replace(",200,200,200,6,", ",200,200,200,13,"), "points", "0至12"),
        (GOOD.replace(",6,,", ",6,x,"), "points_expressway", "整数"),
        (GOOD.replace("2022-04-01", "2022-02-30"), "effective_from", "有效日期"),
        (GOOD.replace("2022-04-01,", "2022-04-01,2022-04-01"), "effective_to", "晚于"),
        (GOOD.replace(",闯红灯,", ",,"), "behaviour", "不能为空"),
        (GOOD + ",extra", "catalogue", "列"),
    ],
)
def test_row_errors_name_row_and_field(row: str, field: str, fragment: str) -> None:
    with pytest.raises(CatalogueRowError) as info:
        parse_catalogue_csv(csv_text(GOOD.replace("1625", "1626"), row))
    assert info.value.row == 3
    assert info.value.field == field
    assert info.value.message.startswith("第3行")
    assert fragment in info.value.message


def test_header_must_match() -> None:
    with pytest.raises(ValidationError, match="表头"):
        parse_catalogue_csv("region,code\n370100,1625\n")
    with pytest.raises(ValidationError, match="为空"):
        parse_catalogue_csv("")


def test_overlapping_periods_are_refused_and_successive_ones_looked_up() -> None:
    old = GOOD.replace("2022-04-01,,", "2022-04-01,2024-01-01,")
    new = GOOD.replace(",200,200,200,", ",150,150,150,").replace("2022-04-01", "2024-01-01")
    entries = parse_catalogue_csv(csv_text(old, new))
    assert lookup(entries, "370100", "1625", date(2023, 12, 31)).fine_default == 200
    assert lookup(entries, "370100", "1625", date(2024, 1, 1)).fine_default == 150
    with pytest.raises(NotFoundError):
        lookup(entries, "370100", "1625", date(2022, 3, 31))
    with pytest.raises(NotFoundError):
        lookup(entries, "370200", "1625", date(2023, 1, 1))
    with pytest.raises(CatalogueRowError, match="重叠"):
        parse_catalogue_csv(csv_text(GOOD, new))


def test_penalty_kind_column_is_read_and_checked() -> None:
    from officer_console.domain.penalties import PenaltyKind

    header_without = ",".join(c for c in CATALOGUE_COLUMNS if c != "penalty_kind")
    older = parse_catalogue_csv(header_without + "\n" + GOOD[:-1] + "\n")
    assert older[0].penalty_kind is PenaltyKind.FINE  # files from before the column
    both = parse_catalogue_csv(csv_text(GOOD + "warning_or_fine"))
    assert both[0].penalty_kind is PenaltyKind.WARNING_OR_FINE
    warning_only = GOOD.replace(",200,200,200,", ",0,0,0,") + "warning"
    assert parse_catalogue_csv(csv_text(warning_only))[0].penalty_kind is PenaltyKind.WARNING
    with pytest.raises(CatalogueRowError, match="处罚种类"):
        parse_catalogue_csv(csv_text(GOOD + "scolding"))
    with pytest.raises(CatalogueRowError, match="应为0元"):
        parse_catalogue_csv(csv_text(GOOD + "warning"))
    with pytest.raises(CatalogueRowError, match="处罚种类应为警告"):
        parse_catalogue_csv(csv_text(GOOD.replace(",200,200,200,", ",0,0,0,")))
    shipped = parse_catalogue_csv(RESOURCE.read_text(encoding="utf-8"))
    kinds = {e.code: e.penalty_kind for e in shipped}
    assert kinds["1721"] is PenaltyKind.FINE  # [DJF] 99: fine only
    assert kinds["1625"] is PenaltyKind.WARNING_OR_FINE  # [DJF] 90: 警告或者罚款
