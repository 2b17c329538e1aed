"""Money and points rules around a penalty decision (amounts are whole yuan or ``Decimal``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from officer_console.domain.errors import ValidationError

__all__ = [
    "HEARING_THRESHOLD_YUAN",
    "LATE_PENALTY_RATE",
    "PAYMENT_DAYS",
    "POINTS_LIMIT",
    "POINTS_WARNING_THRESHOLD",
    "SIMPLE_PROCEDURE_MAX_FINE",
    "days_overdue",
    "hearing_right",
    "late_penalty",
    "payment_deadline",
    "points_warning",
]

#: Simple procedure: a warning or a fine of at most 200 yuan for an individual ([157] 43).
SIMPLE_PROCEDURE_MAX_FINE: Final = 200
#: An individual may ask for a hearing when the fine is 2000 yuan or more ([XZCF] 63).
HEARING_THRESHOLD_YUAN: Final = 2000
#: 3 % of the fine per day late, capped at the fine itself ([XZCF] 72).
LATE_PENALTY_RATE: Final = Decimal("0.03")
#: The fine is paid within 15 days of service ([DJF] 108).
PAYMENT_DAYS: Final = 15
#: A cycle total of 12 points means study and exam, never remote handling ([163] 14, 17).
POINTS_LIMIT: Final = 12
#: The decision carries "累积记分已达9分" from 9 points on.
POINTS_WARNING_THRESHOLD: Final = 9

_CENT = Decimal("0.01")


def _as_decimal(amount: int | Decimal) -> Decimal:
    if isinstance(amount, bool):
        raise TypeError("an amount of money cannot be a bool")
    value = Decimal(amount)
    if not value.is_finite() or value < 0:
        raise ValidationError("fine", "罚款金额不能为负数")
    return value


def late_penalty(fine_yuan: int | Decimal, days_late: int) -> Decimal:
    """Additional fine (加处罚款) for paying ``days_late`` days after the deadline.

    3 % of the fine per day, never more than the fine itself, rounded to the fen.
    Zero or negative ``days_late`` means paid in time.
    """
    fine = _as_decimal(fine_yuan)
    if days_late <= 0:
        return Decimal("0.00")
    penalty = min(fine * LATE_PENALTY_RATE * days_late, fine)
    return penalty.quantize(_CENT, rounding=ROUND_HALF_UP)


def payment_deadline(served_on: date) -> date:
    """Last day to pay: "十五日内" counted from the day after service."""
    return served_on + timedelta(days=PAYMENT_DAYS)


def days_overdue(served_on: date, paid_on: date) -> int:
    """Days after :func:`payment_deadline`, 0 when paid in time; feed to :func:`late_penalty`."""
    return max(0, (paid_on - payment_deadline(served_on)).days)


def hearing_right(fine: int | Decimal) -> bool:
    """Whether an individual may ask for a hearing (听证) for this fine."""
    return _as_decimal(fine) >= HEARING_THRESHOLD_YUAN


def points_warning(cycle_total: int) -> bool:
    """Whether the decision must warn "累积记分已达9分"."""
    return cycle_total >= POINTS_WARNING_THRESHOLD
