"""Booking rules: binding, booking window, capacity and slot generation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from officer_console.domain.booking import (
    BookingRequest,
    SlotTemplate,
    check_binding,
    check_booking_date,
    check_booking_request,
    check_capacity,
    generate_slots,
    local_day,
)
from officer_console.domain.dates import UrgentEligibility
from officer_console.domain.errors import RuleViolation, ValidationError

TODAY = date(2024, 6, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ELIGIBLE = UrgentEligibility(True, "scoring_cycle", TODAY + timedelta(days=3), "可以加急预约")
NOT_ELIGIBLE = UrgentEligibility(
    False, "scoring_cycle", TODAY + timedelta(days=40), "记分周期届满日为2024年07月20日"
)


def code_of(excinfo: pytest.ExceptionInfo[RuleViolation]) -> str:
    return excinfo.value.code


# --- binding ---------------------------------------------------------------------------


def test_first_booking_binds() -> None:
    check_binding(None, None, "openid-1", "13812341234")


def test_same_binding_again_is_fine() -> None:
    check_binding("13812341234", "openid-1", "openid-1", "138-1234-1234")


def test_openid_bound_to_another_phone() -> None:
    with pytest.raises(RuleViolation) as info:
        check_binding("13900001111", None, "openid-1", "13812341234")
    assert info.value.code == "binding_conflict"
    assert "139****1111" in info.value.message
    assert "不能更换手机号" in info.value.message


def test_phone_bound_to_another_openid() -> None:
    with pytest.raises(RuleViolation) as info:
        check_binding(None, "openid-2", "openid-1", "13812341234")
    assert info.value.code == "binding_conflict"
    assert "其他微信账号" in info.value.message


def test_binding_rejects_invalid_phone() -> None:
    with pytest.raises(ValidationError):
        check_binding(None, None, "openid-1", "12345")


# --- booking date ----------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "ok"), [(-1, False), (0, False), (1, True), (2, False)])
def test_normal_booking_is_tomorrow_only(offset: int, ok: bool) -> None:
    day = TODAY + timedelta(days=offset)
    if ok:
        check_booking_date(day, TODAY, urgent=False, eligibility=None)
        return
    with pytest.raises(RuleViolation) as info:
        check_booking_date(day, TODAY, urgent=False, eligibility=None)
    assert code_of(info) == "normal_tomorrow_only"
    assert "2024年06月11日" in info.value.message


@pytest.mark.parametrize(
    ("offset", "code"),
    [(0, "urgent_out_of_window"), (1, None), (2, None), (3, None), (4, "urgent_out_of_window")],
)
def test_urgent_booking_window(offset: int, code: str | None) -> None:
    eligibility = UrgentEligibility(True, "inspection", TODAY + timedelta(days=10), "")
    day = TODAY + timedelta(days=offset)
    if code is None:
        check_booking_date(day, TODAY, urgent=True, eligibility=eligibility)
        return
    with pytest.raises(RuleViolation) as info:
        check_booking_date(day, TODAY, urgent=True, eligibility=eligibility)
    assert code_of(info) == code


@pytest.mark.parametrize("eligibility", [None, NOT_ELIGIBLE])
def test_urgent_needs_eligibility(eligibility: UrgentEligibility | None) -> None:
    with pytest.raises(RuleViolation) as info:
        check_booking_date(TODAY + timedelta(days=1), TODAY, urgent=True, eligibility=eligibility)
    assert code_of(info) == "urgent_not_eligible"
    if eligibility is not None:
        assert "2024年07月20日" in info.value.message


def test_urgent_slot_may_not_be_after_due_date() -> None:
    eligibility = UrgentEligibility(True, "scoring_cycle", TODAY + timedelta(days=2), "")
    check_booking_date(TODAY + timedelta(days=2), TODAY, urgent=True, eligibility=eligibility)
    with pytest.raises(RuleViolation) as info:
        check_booking_date(TODAY + timedelta(days=3), TODAY, urgent=True, eligibility=eligibility)
    assert code_of(info) == "urgent_after_due"


def test_local_day_uses_squad_time_zone() -> None:
    late_evening_utc = datetime(2024, 6, 10, 17, 30, tzinfo=UTC)  # 01:30 on the 11th in Jinan
    assert local_day(late_evening_utc) == date(2024, 6, 11)
    assert local_day(late_evening_utc, "UTC") == date(2024, 6, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2024, 6, 10, 12, 0))


def test_capacity() -> None:
    check_capacity(2, 3)
    with pytest.raises(RuleViolation) as info:
        check_capacity(3, 3)
    assert code_of(info) == "slot_full"


# --- whole request ---------------------------------------------------------------------


def make_request(**changes: object) -> BookingRequest:
    fields: dict[str, object] = {
        "openid": "o-abc",
        "phone": "+86 138 1234 1234",
        "name": " 张三 ",
        "id_number": "11010519491231002x",
        "plate": "鲁a12345",
        "violation_ids": (1, 2),
        "squad_id": 7,
        "slot_start": datetime(2024, 6, 11, 9, 0, tzinfo=SHANGHAI),
        "urgent": False,
    }
    fields.update(changes)
    return BookingRequest(**fields)  # type: ignore[arg-type]


def test_booking_request_is_normalised() -> None:
    request, eligibility = check_booking_request(make_request(), TODAY)
    assert eligibility is None
    assert request.phone == "13812341234"
    assert request.name == "张三"
    assert request.id_number == "11010519491231002X"
    assert request.plate == "鲁A12345"


def test_urgent_request_computes_eligibility_itself() -> None:
    urgent = make_request(
        urgent=True,
        slot_start=datetime(2024, 6, 12, 9, 0, tzinfo=SHANGHAI),
        licence_first_issue=date(2015, 6, 13),  # cycle ends 2024-06-12
    )
    _, eligibility = check_booking_request(urgent, TODAY)
    assert eligibility is not None
    assert eligibility.eligible
    with pytest.raises(RuleViolation) as info:
        check_booking_request(
            make_request(urgent=True, licence_first_issue=date(2015, 9, 1)), TODAY
        )
    assert code_of(info) == "urgent_not_eligible"


def test_booking_request_field_errors() -> None:
    with pytest.raises(ValidationError) as info:
        check_booking_request(make_request(violation_ids=()), TODAY)
    assert info.value.field == "violation_ids"
    with pytest.raises(ValidationError) as info:
        check_booking_request(make_request(violation_ids=(1, 1)), TODAY)
    assert info.value.field == "violation_ids"
    with pytest.raises(ValidationError) as info:
        check_booking_request(make_request(id_number="110105194912310021"), TODAY)
    assert info.value.field == "id_number"
    with pytest.raises(ValueError, match="timezone-aware"):
        make_request(slot_start=datetime(2024, 6, 11, 9, 0))


# --- slots -----------------------------------------------------------------------------


def test_generate_slots_in_utc() -> None:
    monday = date(2024, 6, 10)
    templates = [
        SlotTemplate(0, time(14, 0), time(15, 0), 30, 2),
        SlotTemplate(0, time(9, 0), time(10, 45), 30, 3),  # 10:30-10:45 remainder dropped
        SlotTemplate(1, time(9, 0), time(10, 0), 30, 3),  # Tuesday: not generated
    ]
    slots = generate_slots(monday, templates)
    starts = [slot.start.astimezone(SHANGHAI).strftime("%H:%M") for slot in slots]
    assert starts == ["09:00", "09:30", "10:00", "14:00", "14:30"]
    assert slots[0].start == datetime(2024, 6, 10, 1, 0, tzinfo=UTC)
    assert slots[0].end - slots[0].start == timedelta(minutes=30)
    assert all(slot.start.utcoffset() == timedelta(0) for slot in slots)
    assert [slot.capacity for slot in slots] == [3, 3, 3, 2, 2]
    assert generate_slots(date(2024, 6, 12), templates) == []


def test_overlapping_templates_are_refused() -> None:
    templates = [
        SlotTemplate(0, time(9, 0), time(10, 0), 30, 1),
        SlotTemplate(0, time(9, 45), time(11, 0), 30, 1),
    ]
    with pytest.raises(ValidationError, match="重叠"):
        generate_slots(date(2024, 6, 10), templates)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((7, time(9), time(10), 30, 1), "weekday"),
        ((0, time(10), time(9), 30, 1), "end"),
        ((0, time(9), time(10), 0, 1), "slot_minutes"),
        ((0, time(9), time(10), 30, 0), "capacity"),
    ],
)
def test_invalid_templates(args: tuple[int, time, time, int, int], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        SlotTemplate(*args)
    assert info.value.field == field
