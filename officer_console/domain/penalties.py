"""Money and points rules around a penalty decision (amounts are whole yuan or ``Decimal``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from officer_console.domain.errors import ValidationError

__all__ = [
    "HEARING_PERIOD_DAYS",
    "HEARING_THRESHOLD_YUAN",
    "LATE_PENALTY_RATE",
    "PAYMENT_DAYS",
    "POINTS_LIMIT",
    "POINTS_WARNING_THRESHOLD",
    "SIMPLE_PROCEDURE_MAX_FINE",
    "PenaltyKind",
    "check_violation_penalty",
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
#: A hearing is requested within 5 days of the notice ([XZCF] 64(1)).
HEARING_PERIOD_DAYS: Final = 5
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


class PenaltyKind(StrEnum):
    """What the catalogue's penalty article allows for one behaviour.

    [DJF] 90 reads "处警告或者二十元以上二百元以下罚款": warning *or* fine, one of the two per
    violation — so a warning stands in place of the fine, never beside it.
    """

    FINE = "fine"
    WARNING = "warning"
    WARNING_OR_FINE = "warning_or_fine"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def allows_warning(self) -> bool:
        return self is not PenaltyKind.FINE

    @property
    def allows_fine(self) -> bool:
        return self is not PenaltyKind.WARNING


_KIND_LABELS: Final = {
    PenaltyKind.FINE: "罚款",
    PenaltyKind.WARNING: "警告",
    PenaltyKind.WARNING_OR_FINE: "警告或罚款",
}


def check_violation_penalty(
    kind: PenaltyKind, fine: int, *, warning: bool, fine_min: int, fine_max: int, code: str
) -> None:
    """One violation's penalty against its catalogue row: 警告 (fine 0) where the article
    allows a warning, otherwise a fine inside the row's range. A 0-yuan fine *is* a warning
    where one is allowed; it is refused only where the article knows no warning."""
    if isinstance(fine, bool) or not isinstance(fine, int) or fine < 0:
        raise ValidationError("fines", f"违法代码{code}的罚款应为不小于0的整数（元）")
    if fine == 0:
        if not (warning and kind.allows_warning):
            raise ValidationError(
                "fines",
                f"违法代码{code}的处罚种类为“{kind.label}”，"
                + (
                    "罚款为0元时须选择“警告”"
                    if kind.allows_warning
                    else f"不能给予警告，罚款应在{fine_min}至{fine_max}元之间"
                ),
            )
        return
    if not kind.allows_fine:
        raise ValidationError("fines", f"违法代码{code}的处罚种类为“警告”，不能处以罚款")
    if not fine_min <= fine <= fine_max:
        raise ValidationError("fines", f"违法代码{code}的罚款应在{fine_min}至{fine_max}元之间")
