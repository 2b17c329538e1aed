"""Late penalty, payment deadline, hearing right and points warning."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officer_console.domain.errors import ValidationError
from officer_console.domain.penalties import (
    days_overdue,
    hearing_right,
    late_penalty,
    payment_deadline,
    points_warning,
)


@pytest.mark.parametrize(
    ("fine", "days", "expected"),
    [
        (200, 0, "0.00"),
        (200, -3, "0.00"),
        (200, 1, "6.00"),
        (200, 10, "60.00"),
        (200, 33, "198.00"),
        (200, 34, "200.00"),  # 204 capped at the fine
        (200, 1000, "200.00"),
        (50, 1, "1.50"),
        (Decimal("33.33"), 1, "1.00"),
    ],
)
def test_late_penalty(fine: int | Decimal, days: int, expected: str) -> None:
    assert late_penalty(fine, days) == Decimal(expected)


@given(st.integers(min_value=0, max_value=1_000_000), st.integers(min_value=-10, max_value=10_000))
def test_late_penalty_never_exceeds_the_fine(fine: int, days: int) -> None:
    penalty = late_penalty(fine, days)
    assert Decimal(0) <= penalty <= fine
    assert late_penalty(fine, days + 1) >= penalty


def test_negative_fine_is_refused() -> None:
    with pytest.raises(ValidationError):
        late_penalty(-1, 3)


def test_payment_deadline_and_overdue_days() -> None:
    served = date(2024, 6, 11)
    assert payment_deadline(served) == date(2024, 6, 26)
    assert days_overdue(served, date(2024, 6, 26)) == 0
    assert days_overdue(served, date(2024, 6, 27)) == 1
    assert days_overdue(served, date(2024, 6, 1)) == 0


def test_hearing_right_and_points_warning() -> None:
    assert not hearing_right(1999)
    assert hearing_right(2000)
    assert hearing_right(Decimal("2000.00"))
    assert not points_warning(8)
    assert points_warning(9)
    assert points_warning(11)
