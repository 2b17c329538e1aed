"""Response bodies of the HTTP API, declared as models only for the generated OpenAPI
document (handlers build plain dicts; tests check the served shapes against these)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class Error(BaseModel):
    """Every error: ``{"error": {"code", "message"[, "field"]}}``; 429 carries Retry-After."""

    error: ErrorBody


class Health(BaseModel):
    status: str
    time: datetime
    rooms: int
    demo: bool
    instance: str = Field(description="本网关实例标识（多实例部署时区分）")


class Squad(BaseModel):
    id: int
    name: str
    unit_name: str | None = None


class Squads(BaseModel):
    squads: list[Squad]


class Slot(BaseModel):
    start: datetime
    end: datetime
    capacity: int
    remaining: int
    bookable: bool


class SlotDay(BaseModel):
    date: date
    normal: bool = Field(description="普通预约只能约这一天（明天）")
    slots: list[Slot]


class Slots(BaseModel):
    squad_id: int
    today: date
    days: list[SlotDay]


class Violation(BaseModel):
    id: int
    code: str
    behaviour: str
    occurred_at: datetime
    location: str
    fine: int
    points: int


class Violations(BaseModel):
    plate: str
    violations: list[Violation]


class UrgentCheck(BaseModel):
    eligible: bool
    reason: str | None
    due_date: date | None
    message: str
    last_day: date


class Booking(BaseModel):
    id: int
    squad_id: int
    squad_name: str
    slot_start: datetime
    slot_end: datetime
    urgent: bool
    urgent_reason: str | None
    urgent_due_date: date | None
    status: str
    status_label: str
    plate: str | None
    violation_count: int
    cancellable: bool


class Booked(BaseModel):
    booking: Booking


class Me(BaseModel):
    bound: bool
    phone_masked: str | None
    name_masked: str | None
    bookings: list[Booking]


class Cancelled(BaseModel):
    cancelled: int


class IceServer(BaseModel):
    urls: str
    username: str | None = None  # TURN only: the browser takes credentials apart from the URL
    credential: str | None = None


class Join(BaseModel):
    room_id: str
    token: str
    ws_url: str
    expires_at: datetime
    ice_servers: list[IceServer]
    hints: list[str]
    waiting: bool = Field(description="民警尚未接通：群众在房间中等候")


class DemoSms(BaseModel):
    text: str
    at: datetime
