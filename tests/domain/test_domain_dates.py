"""Scoring-cycle end, inspection due dates and urgent eligibility."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officer_console.domain.dates import (
    anniversary,
    inspection_due_date,
    month_end,
    scoring_cycle_end,
    urgent_reason,
)
from officer_console.domain.errors import RuleViolation, ValidationError

D = date


# --- scoring cycle ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_issue", "today", "end"),
    [
        (D(2015, 6, 15), D(2024, 3, 1), D(2024, 6, 14)),
        (D(2015, 6, 15), D(2024, 6, 14), D(2024, 6, 14)),  # last day of the cycle
        (D(2015, 6, 15), D(2024, 6, 15), D(2025, 6, 14)),  # anniversary starts a new cycle
        (D(2015, 6, 15), D(2015, 6, 15), D(2016, 6, 14)),  # the first-issue day itself
        (D(2010, 1, 1), D(2023, 12, 31), D(2023, 12, 31)),  # year boundary
        (D(2010, 1, 1), D(2024, 1, 1), D(2024, 12, 31)),
        (D(2010, 12, 31), D(2024, 1, 5), D(2024, 12, 30)),
        (D(2010, 12, 31), D(2023, 12, 31), D(2024, 12, 30)),
        # 29 February: the anniversary is 28 February in common years, so the cycle ends 27 Feb.
        (D(2004, 2, 29), D(2023, 2, 27), D(2023, 2, 27)),
        (D(2004, 2, 29), D(2023, 2, 28), D(2024, 2, 28)),  # 2024 is leap: anniversary 29 Feb
        (D(2004, 2, 29), D(2024, 2, 28), D(2024, 2, 28)),
        (D(2004, 2, 29), D(2024, 2, 29), D(2025, 2, 27)),
        (D(2004, 2, 29), D(2024, 3, 1), D(2025, 2, 27)),
        (D(2004, 2, 29), D(2004, 2, 29), D(2005, 2, 27)),
    ],
)
def test_scoring_cycle_end(first_issue: date, today: date, end: date) -> None:
    assert scoring_cycle_end(first_issue, today) == end


def test_scoring_cycle_before_first_issue_is_refused() -> None:
    with pytest.raises(RuleViolation) as info:
        scoring_cycle_end(D(2024, 3, 2), D(2024, 3, 1))
    assert info.value.code == "first_issue_in_future"


def is_anniversary(day: date, origin: date) -> bool:
    return anniversary(origin, day.year) == day


@given(
    st.dates(min_value=D(1950, 1, 1), max_value=D(2090, 12, 31)),
    st.integers(min_value=0, max_value=40 * 366),
)
def test_scoring_cycle_end_properties(first_issue: date, offset: int) -> None:
    today = first_issue + timedelta(days=offset)
    end = scoring_cycle_end(first_issue, today)
    assert today <= end
    assert (end - today).days < 366
    assert is_anniversary(end + timedelta(days=1), first_issue)
    # No anniversary lies strictly inside (today, end]: today's cycle really ends at ``end``.
    assert not any(
        is_anniversary(today + timedelta(days=i), first_issue)
        for i in range(1, (end - today).days + 1)
    )


# --- inspection ------------------------------------------------------------------------


def test_month_end() -> None:
    assert month_end(2024, 2) == D(2024, 2, 29)
    assert month_end(2023, 2) == D(2023, 2, 28)
    assert month_end(2023, 14) == D(2024, 2, 29)
    assert month_end(2023, 12) == D(2023, 12, 31)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (D(2020, 5, 20), D(2022, 5, 31)),  # year 2 (sticker)
        (D(2022, 5, 31), D(2022, 5, 31)),
        (D(2022, 6, 1), D(2024, 5, 31)),  # year 4
        (D(2025, 1, 1), D(2026, 5, 31)),  # year 6 (tested)
        (D(2029, 1, 1), D(2030, 5, 31)),  # year 10
        (D(2030, 6, 1), D(2031, 5, 31)),  # yearly after 10
        (D(2034, 6, 1), D(2035, 5, 31)),  # year 15
        (D(2035, 6, 1), D(2035, 11, 30)),  # half-yearly after 15
        (D(2035, 12, 1), D(2036, 5, 31)),
    ],
)
def test_private_car_schedule(today: date, due: date) -> None:
    assert inspection_due_date(D(2020, 5, 10), today) == due


def test_commercial_and_truck_schedules() -> None:
    reg = D(2020, 1, 15)
    assert inspection_due_date(reg, D(2020, 2, 1), vehicle_class="commercial_passenger") == D(
        2021, 1, 31
    )
    assert inspection_due_date(reg, D(2025, 2, 1), vehicle_class="commercial_passenger") == D(
        2025, 7, 31
    )
    assert inspection_due_date(reg, D(2029, 6, 1), vehicle_class="truck") == D(2030, 1, 31)
    assert inspection_due_date(reg, D(2030, 2, 1), vehicle_class="truck") == D(2030, 7, 31)
    with pytest.raises(ValidationError):
        inspection_due_date(reg, D(2024, 1, 1), vehicle_class="tractor")


def test_recorded_valid_until_wins_when_current() -> None:
    reg = D(2020, 5, 10)
    recorded = D(2024, 8, 1)
    assert inspection_due_date(reg, D(2024, 6, 1), inspection_valid_until=recorded) == D(
        2024, 8, 31
    )
    # A stale record falls back to the schedule.
    assert inspection_due_date(reg, D(2024, 9, 1), inspection_valid_until=recorded) == D(
        2026, 5, 31
    )


def test_registration_in_future_is_refused() -> None:
    with pytest.raises(RuleViolation) as info:
        inspection_due_date(D(2024, 3, 2), D(2024, 3, 1))
    assert info.value.code == "registration_in_future"


@given(
    st.dates(min_value=D(1990, 1, 1), max_value=D(2080, 12, 31)),
    st.integers(min_value=0, max_value=30 * 366),
    st.sampled_from(["private_small", "commercial_passenger", "truck"]),
)
def test_inspection_due_is_a_month_end_not_before_today(
    registration: date, offset: int, vehicle_class: str
) -> None:
    today = registration + timedelta(days=offset)
    due = inspection_due_date(registration, today, vehicle_class=vehicle_class)
    assert due >= today
    assert due.day == calendar.monthrange(due.year, due.month)[1]
    assert (due - today).days <= 2 * 366 + 31


# --- urgent eligibility ----------------------------------------------------------------


@pytest.mark.parametrize(("days", "eligible"), [(0, True), (1, True), (3, True), (4, False)])
def test_urgent_scoring_cycle_edge(days: int, eligible: bool) -> None:
    today = D(2024, 6, 14) - timedelta(days=days)  # cycle ends 2024-06-14
    result = urgent_reason(today, licence_first_issue=D(2015, 6, 15), vehicle_registration=None)
    assert result.eligible is eligible
    assert result.reason == "scoring_cycle"
    assert result.due_date == D(2024, 6, 14)
    assert "2024年06月14日" in result.message
    if not eligible:
        assert "不在3天之内" in result.message


@pytest.mark.parametrize(("days", "eligible"), [(3, True), (4, False)])
def test_urgent_inspection_edge(days: int, eligible: bool) -> None:
    today = D(2022, 5, 31) - timedelta(days=days)
    result = urgent_reason(today, licence_first_issue=None, vehicle_registration=D(2020, 5, 10))
    assert result.eligible is eligible
    assert result.reason == "inspection"
    assert result.due_date == D(2022, 5, 31)


def test_urgent_picks_the_nearest_and_explains_both() -> None:
    today = D(2024, 5, 1)
    result = urgent_reason(
        today, licence_first_issue=D(2015, 6, 15), vehicle_registration=D(2020, 5, 10)
    )
    assert not result.eligible
    assert result.reason == "inspection"
    assert result.due_date == D(2024, 5, 31)
    assert "2024年06月14日" in result.message
    assert "2024年05月31日" in result.message

    result = urgent_reason(
        D(2024, 6, 12), licence_first_issue=D(2015, 6, 15), vehicle_registration=D(2020, 5, 10)
    )
    assert result.eligible
    assert result.reason == "scoring_cycle"


def test_urgent_with_only_recorded_valid_until() -> None:
    result = urgent_reason(
        D(2024, 8, 29),
        licence_first_issue=None,
        vehicle_registration=None,
        inspection_valid_until=D(2024, 8, 1),
    )
    assert result.eligible
    assert result.due_date == D(2024, 8, 31)


def test_urgent_without_dates() -> None:
    result = urgent_reason(D(2024, 1, 1), licence_first_issue=None, vehicle_registration=None)
    assert not result.eligible
    assert result.reason is None
    assert result.due_date is None
    assert "驾驶证初次领证日期" in result.message


def test_urgent_window_is_configurable() -> None:
    today = D(2024, 6, 9)
    kwargs = {"licence_first_issue": D(2015, 6, 15), "vehicle_registration": None}
    assert not urgent_reason(today, **kwargs).eligible  # type: ignore[arg-type]
    assert urgent_reason(today, window_days=5, **kwargs).eligible  # type: ignore[arg-type]
