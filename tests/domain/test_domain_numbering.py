"""Decision document numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officer_console.domain.errors import ValidationError
from officer_console.domain.numbering import DecisionNumberFormat, format_number


def test_default_format() -> None:
    assert format_number("370102", 2024, 1) == "37010220240000001"
    assert format_number("370102", 2024, 9_999_999) == "37010220249999999"


def test_custom_format() -> None:
    fmt = DecisionNumberFormat("鲁公交决字〔{year}〕{division}-{serial:05d}号", max_serial=99_999)
    assert fmt.format_number("370100", 2024, 42) == "鲁公交决字〔2024〕370100-00042号"
    with pytest.raises(ValidationError):
        fmt.format_number("370100", 2024, 100_000)


@pytest.mark.parametrize(
    ("division", "year", "serial", "field"),
    [
        ("37010", 2024, 1, "division_code"),
        ("37010A", 2024, 1, "division_code"),
        ("370100", 1999, 1, "year"),
        ("370100", 2024, 0, "serial"),
        ("370100", 2024, 10_000_000, "serial"),
    ],
)
def test_invalid_parts(division: str, year: int, serial: int, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        format_number(division, year, serial)
    assert info.value.field == field


@pytest.mark.parametrize(
    "pattern",
    [
        "{division}{year}",
        "{division}{serial}",
        "{division.__class__}{year}{serial}",
        "{other}{year}{serial}",
        "{year}{serial",
        "{year}{serial:q}",
    ],
)
def test_unsafe_or_ambiguous_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValidationError):
        DecisionNumberFormat(pattern)


@given(st.integers(min_value=1, max_value=9_999_999), st.integers(min_value=1, max_value=9_999_999))
def test_numbers_are_unique_and_fixed_width(a: int, b: int) -> None:
    first, second = format_number("370100", 2024, a), format_number("370100", 2024, b)
    assert len(first) == 17
    assert (first == second) == (a == b)
