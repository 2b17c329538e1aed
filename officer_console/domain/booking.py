"""Citizen booking rules from the announcement: binding, booking window, capacity, slots.

All "days" are calendar days in the squad's local time zone (Asia/Shanghai by default):
datetimes are stored in UTC, so convert with :func:`local_day` before comparing days.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from officer_console.domain.dates import UrgentEligibility, format_cn_date, urgent_reason
from officer_console.domain.errors import RuleViolation, ValidationError
from officer_console.domain.masking import mask_phone
from officer_console.domain.validators import (
    validate_id_number,
    validate_mobile,
    validate_name,
    validate_plate,
    validate_text,
)

__all__ = [
    "DEFAULT_TZ",
    "BookingRequest",
    "Slot",
    "SlotTemplate",
    "check_binding",
    "check_booking_date",
    "check_booking_request",
    "check_capacity",
    "generate_slots",
    "local_day",
]

DEFAULT_TZ = "Asia/Shanghai"
WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def local_day(dt: datetime, tz: str = DEFAULT_TZ) -> date:
    """Calendar day of an aware datetime in the squad's time zone (naive is a bug)."""
    _require_aware("dt", dt)
    return dt.astimezone(ZoneInfo(tz)).date()


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """What the citizen submits; ``slot_start`` must be timezone-aware."""

    openid: str
    phone: str
    name: str
    id_number: str
    plate: str | None
    violation_ids: tuple[int, ...]
    squad_id: int
    slot_start: datetime
    urgent: bool = False
    licence_first_issue: date | None = None
    vehicle_registration: date | None = None
    inspection_valid_until: date | None = None
    vehicle_class: str = "private_small"

    def __post_init__(self) -> None:
        _require_aware("slot_start", self.slot_start)


def check_binding(
    existing_phone: str | None,
    existing_openid_for_phone: str | None,
    openid: str,
    phone: str,
) -> None:
    """The first booking binds phone ↔ WeChat account; later ones may change neither.

    ``existing_phone`` is the phone already bound to ``openid`` and
    ``existing_openid_for_phone`` the account already bound to ``phone`` (``None``: unbound).
    """
    phone = validate_mobile(phone)
    if existing_phone is not None and validate_mobile(existing_phone) != phone:
        raise RuleViolation(
            f"您的微信账号已绑定手机号{mask_phone(existing_phone)}，预约时不能更换手机号；"
            "如需更换，请到交警大队窗口办理",
            code="binding_conflict",
        )
    if existing_openid_for_phone is not None and existing_openid_for_phone != openid:
        raise RuleViolation(
            f"手机号{mask_phone(phone)}已绑定其他微信账号，不能使用本微信账号预约；"
            "请使用首次预约时的微信账号",
            code="binding_conflict",
        )


def check_booking_date(
    slot_day: date,
    today: date,
    *,
    urgent: bool,
    eligibility: UrgentEligibility | None,
    max_urgent_days: int = 3,
) -> None:
    """Normal bookings are for tomorrow only; urgent ones for tomorrow up to ``today + 3``.

    Same-day bookings are never allowed (the squad plans its day in advance). An urgent
    booking also needs a computed eligibility, and the slot may not lie after the due date
    (after the cycle end or inspection deadline the booking would serve no purpose).
    """
    tomorrow = today + timedelta(days=1)
    if not urgent:
        if slot_day != tomorrow:
            raise RuleViolation(
                f"普通预约只能预约明天（{format_cn_date(tomorrow)}）的时段",
                code="normal_tomorrow_only",
            )
        return
    if eligibility is None or not eligibility.eligible:
        detail = eligibility.message if eligibility is not None else "未计算加急条件"
        raise RuleViolation(f"不符合加急预约条件：{detail}", code="urgent_not_eligible")
    last = today + timedelta(days=max_urgent_days)
    if not tomorrow <= slot_day <= last:
        raise RuleViolation(
            f"加急预约只能预约{format_cn_date(tomorrow)}至{format_cn_date(last)}之间的时段"
            f"（不能预约当天）",
            code="urgent_out_of_window",
        )
    if eligibility.due_date is not None and slot_day > eligibility.due_date:
        raise RuleViolation(
            f"预约日期{format_cn_date(slot_day)}晚于截止日{format_cn_date(eligibility.due_date)}，"
            "请选择截止日当天或之前的时段",
            code="urgent_after_due",
        )


def check_capacity(booked: int, capacity: int) -> None:
    """Refuse a booking when the slot already holds ``capacity`` appointments."""
    if booked >= capacity:
        raise RuleViolation("该时段已约满，请选择其他时段", code="slot_full")


def check_booking_request(
    request: BookingRequest, today: date, *, tz: str = DEFAULT_TZ, max_urgent_days: int = 3
) -> tuple[BookingRequest, UrgentEligibility | None]:
    """Validate every field and the booking window; return the normalised request.

    Binding and capacity need stored state, so callers check them separately with
    :func:`check_binding` and :func:`check_capacity` inside their transaction.
    """
    openid = validate_text("openid", request.openid, 128, label="微信账号标识", multiline=False)
    if not request.violation_ids:
        raise ValidationError("violation_ids", "请至少选择一条违法记录")
    if len(set(request.violation_ids)) != len(request.violation_ids):
        raise ValidationError("violation_ids", "违法记录不能重复选择")
    if any(vid <= 0 for vid in request.violation_ids):
        raise ValidationError("violation_ids", "违法记录编号无效")
    normalised = replace(
        request,
        openid=openid,
        phone=validate_mobile(request.phone),
        name=validate_name(request.name),
        id_number=validate_id_number(request.id_number, today=today),
        plate=validate_plate(request.plate) if request.plate else None,
    )
    eligibility = None
    if request.urgent:
        eligibility = urgent_reason(
            today,
            licence_first_issue=request.licence_first_issue,
            vehicle_registration=request.vehicle_registration,
            inspection_valid_until=request.inspection_valid_until,
            vehicle_class=request.vehicle_class,
            window_days=max_urgent_days,
        )
    check_booking_date(
        local_day(request.slot_start, tz),
        today,
        urgent=request.urgent,
        eligibility=eligibility,
        max_urgent_days=max_urgent_days,
    )
    return normalised, eligibility


@dataclass(frozen=True, slots=True)
class SlotTemplate:
    """A weekly schedule line: on ``weekday`` (0 = Monday … 6 = Sunday, as ``date.weekday()``)
    from ``start`` to ``end`` local time, slots of ``slot_minutes`` each holding ``capacity``."""

    weekday: int
    start: time
    end: time
    slot_minutes: int
    capacity: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValidationError("weekday", "星期应为0（周一）至6（周日）")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValidationError("start", "时段模板的时间应为本地时间，不带时区")
        if self.start >= self.end:
            raise ValidationError("end", "结束时间应晚于开始时间")
        if not 5 <= self.slot_minutes <= 480:
            raise ValidationError("slot_minutes", "每个时段应为5至480分钟")
        if self.capacity < 1:
            raise ValidationError("capacity", "每个时段至少可预约1人")


@dataclass(frozen=True, slots=True)
class Slot:
    """One bookable time slot; ``start``/``end`` are aware UTC datetimes."""

    start: datetime
    end: datetime
    capacity: int


def generate_slots(
    day: date, templates: list[SlotTemplate] | tuple[SlotTemplate, ...], tz: str = DEFAULT_TZ
) -> list[Slot]:
    """Slots for ``day`` from the templates of its weekday, sorted, in UTC.

    A trailing remainder shorter than ``slot_minutes`` is dropped. Overlapping templates are
    refused: two slots covering the same time would double the squad's real capacity.
    """
    zone = ZoneInfo(tz)
    slots: list[Slot] = []
    for template in templates:
        if template.weekday != day.weekday():
            continue
        step = timedelta(minutes=template.slot_minutes)
        start = datetime.combine(day, template.start)
        end_of_window = datetime.combine(day, template.end)
        while start + step <= end_of_window:
            slots.append(
                Slot(
                    start=start.replace(tzinfo=zone).astimezone(UTC),
                    end=(start + step).replace(tzinfo=zone).astimezone(UTC),
                    capacity=template.capacity,
                )
            )
            start += step
    slots.sort(key=lambda slot: slot.start)
    for earlier, later in itertools.pairwise(slots):
        if later.start < earlier.end:
            local = later.start.astimezone(zone).strftime("%H:%M")
            raise ValidationError(
                "templates", f"{WEEKDAY_LABELS[day.weekday()]}的时段模板在{local}处重叠，请调整"
            )
    return slots
