"""Dates behind the urgent-booking rule: scoring-cycle end (清分) and inspection due (年审).

The conventions here are marked *unverified* in docs/domain.md, so each is computed by exactly one
function, documented and tested; change it here and everything else follows.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from officer_console.domain.errors import RuleViolation, ValidationError

__all__ = [
    "VEHICLE_CLASSES",
    "UrgentEligibility",
    "anniversary",
    "format_cn_date",
    "inspection_due_date",
    "month_end",
    "scoring_cycle_end",
    "urgent_reason",
]

#: Vehicle classes with different inspection schedules ([SSTL] 16, 2022 reform).
VEHICLE_CLASSES: Final[dict[str, str]] = {
    "private_small": "非营运小微型载客汽车（9座以下）",
    "commercial_passenger": "营运载客汽车",
    "truck": "载货汽车",
}

UrgentReason = Literal["scoring_cycle", "inspection"]


def format_cn_date(day: date) -> str:
    """``2024年03月01日`` — the form used in messages and documents."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def anniversary(origin: date, year: int) -> date:
    """``origin``'s anniversary in ``year``; 29 February falls on 28 February in common years."""
    if origin.month == 2 and origin.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return origin.replace(year=year)


def month_end(year: int, month: int) -> date:
    """Last day of the month; months beyond 12 roll over into later years."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def scoring_cycle_end(first_issue: date, today: date) -> date:
    """Last day of the scoring cycle (记分周期) that contains ``today``.

    Cycles run 12 months from the licence first-issue date ([163] 3): the cycle containing
    ``today`` is ``[A_k, A_{k+1} - 1 day]`` where ``A_k`` are the anniversaries of
    ``first_issue``; the result is ``A_{k+1} - 1 day``. A 29 February first issue has its
    anniversary on 28 February in common years, so that cycle ends on 27 February.
    On the anniversary itself a new cycle has begun, so the end is a year away.
    This is the only place the convention is computed.
    """
    if today < first_issue:
        raise RuleViolation(
            f"驾驶证初次领证日期{format_cn_date(first_issue)}晚于今天，请核对",
            code="first_issue_in_future",
        )
    next_anniversary = anniversary(first_issue, today.year)
    if next_anniversary <= today:
        next_anniversary = anniversary(first_issue, today.year + 1)
    return next_anniversary - timedelta(days=1)


def _inspection_offsets(vehicle_class: str) -> Iterator[int]:
    """Months after registration at which an inspection (or sticker) falls due."""
    if vehicle_class == "private_small":
        # Years 2, 4, 8 sticker only, 6 and 10 tested; yearly after 10; half-yearly after 15.
        yield from (24, 48, 72, 96, 120, 132, 144, 156, 168, 180)
        start, step = 180, 6
    elif vehicle_class == "commercial_passenger":
        yield from (12, 24, 36, 48, 60)
        start, step = 60, 6
    elif vehicle_class == "truck":
        yield from range(12, 121, 12)
        start, step = 120, 6
    else:
        raise ValidationError("vehicle_class", f"未知的车辆类别“{vehicle_class}”")
    months = start
    while True:
        months += step
        yield months


def inspection_due_date(
    registration: date,
    today: date,
    *,
    vehicle_class: str = "private_small",
    inspection_valid_until: date | None = None,
) -> date:
    """Next inspection due date on or after ``today``.

    The 行驶证 states "检验有效期至 yyyy年mm月", so a due date is always a month end: the end of
    the month in which the scheduled anniversary (registration + N months) falls. A recorded
    ``inspection_valid_until`` wins when it is still current (its month end ≥ ``today``);
    a past one means the record is stale or the vehicle overdue, and the statutory schedule
    from ``registration`` is used instead.
    """
    if registration > today:
        raise RuleViolation(
            f"行驶证登记日期{format_cn_date(registration)}晚于今天，请核对",
            code="registration_in_future",
        )
    if inspection_valid_until is not None:
        recorded = month_end(inspection_valid_until.year, inspection_valid_until.month)
        if recorded >= today:
            return recorded
    for months in _inspection_offsets(vehicle_class):
        due = month_end(registration.year, registration.month + months)
        if due >= today:
            return due
    raise AssertionError("unreachable: the inspection schedule is infinite")


@dataclass(frozen=True, slots=True)
class UrgentEligibility:
    """Outcome of the urgent-booking check.

    ``reason`` and ``due_date`` describe the nearest computed date even when it is outside
    the window (so messages can say why), and are ``None`` only when no date was given.
    """

    eligible: bool
    reason: UrgentReason | None
    due_date: date | None
    message: str


_REASON_TEXT: Final[dict[str, str]] = {
    "scoring_cycle": "驾驶证记分周期届满（清分）日",
    "inspection": "机动车检验有效期截止日",
}


def urgent_reason(
    today: date,
    *,
    licence_first_issue: date | None,
    vehicle_registration: date | None,
    inspection_valid_until: date | None = None,
    vehicle_class: str = "private_small",
    window_days: int = 3,
) -> UrgentEligibility:
    """Whether an urgent booking is allowed: a cycle end or inspection due date within
    ``[today, today + window_days]`` (exactly ``window_days`` away still qualifies)."""
    candidates: list[tuple[date, UrgentReason]] = []
    if licence_first_issue is not None:
        candidates.append((scoring_cycle_end(licence_first_issue, today), "scoring_cycle"))
    if vehicle_registration is not None:
        due = inspection_due_date(
            vehicle_registration,
            today,
            vehicle_class=vehicle_class,
            inspection_valid_until=inspection_valid_until,
        )
        candidates.append((due, "inspection"))
    elif inspection_valid_until is not None:
        recorded = month_end(inspection_valid_until.year, inspection_valid_until.month)
        if recorded >= today:
            candidates.append((recorded, "inspection"))
    if not candidates:
        return UrgentEligibility(
            eligible=False,
            reason=None,
            due_date=None,
            message="请填写驾驶证初次领证日期或行驶证登记日期，系统据此判断是否可以加急预约",
        )
    candidates.sort()
    due, reason = candidates[0]
    days = (due - today).days
    if days <= window_days:
        when = "今天" if days == 0 else f"{days}天后"
        return UrgentEligibility(
            eligible=True,
            reason=reason,
            due_date=due,
            message=f"{_REASON_TEXT[reason]}为{format_cn_date(due)}（{when}），可以加急预约",
        )
    all_ = "均" if len(candidates) > 1 else ""
    parts = [
        f"{_REASON_TEXT[r]}为{format_cn_date(d)}（{(d - today).days}天后）" for d, r in candidates
    ]
    return UrgentEligibility(
        eligible=False,
        reason=reason,
        due_date=due,
        message=f"{'；'.join(parts)}，{all_}不在{window_days}天之内，不符合加急预约条件",
    )
