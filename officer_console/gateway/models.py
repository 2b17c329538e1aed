"""Every request body, query and path of the HTTP API, declared once (pydantic v2, strict).

Handlers validate with these models (``gateway.parsing``) and ``gateway.openapi`` generates
the served OpenAPI document from the same classes, so the documented contract and the
enforced one cannot drift. Content rules (ID checksum, plate, phone, booking windows) stay
the domain validators' — they give the Chinese 422 messages naming the field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from officer_console.domain.dates import VEHICLE_CLASSES
from officer_console.gateway.fields import AwareDateTime, Id, IsoDate, Text

OPENID_PATTERN = r"^[A-Za-z0-9_-]{6,64}$"
MAX_VIOLATIONS = 20
VehicleClass = Literal["private_small", "commercial_passenger", "truck"]
assert set(VehicleClass.__args__) == set(VEHICLE_CLASSES)  # type: ignore[attr-defined]


class Model(BaseModel):
    """Strict: no silent coercion ("1" is not 1); unknown fields are ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class UrgentDates(Model):
    licence_first_issue: IsoDate | None = Field(None, description="驾驶证初次领证日期")
    vehicle_registration: IsoDate | None = Field(None, description="行驶证登记日期")
    inspection_valid_until: IsoDate | None = Field(None, description="检验有效期至")
    vehicle_class: VehicleClass | None = Field(None, description="车辆类别")


class UrgentCheckRequest(UrgentDates):
    """``POST /api/v1/urgent-check``."""


class BookingRequest(UrgentDates):
    """``POST /api/v1/bookings``; the first booking binds openid ↔ phone ↔ ID number."""

    openid: Annotated[Text, MaxLen(64)] | None = Field(
        None, description="演示模式下的微信身份（正式环境用 X-WeChat-OpenId 请求头）"
    )
    phone: Annotated[Text, MaxLen(20)] = Field(examples=["13800000000"])
    name: Annotated[Text, MaxLen(40)]
    id_number: Annotated[Text, MaxLen(24)] = Field(description="GB 11643")
    plate: Annotated[Text, MaxLen(16)] = Field(examples=["鲁A12345"])
    violation_ids: list[Id] = Field(max_length=MAX_VIOLATIONS)
    squad_id: Id
    slot_start: AwareDateTime = Field(description="时段开始时间（来自 slots 接口，含时区）")
    urgent: bool = False


class CancelRequest(Model):
    """``POST /api/v1/bookings/{id}/cancel`` (body optional)."""

    openid: Annotated[Text, MaxLen(64)] | None = Field(None, description="演示模式下的微信身份")


class JoinRequest(Model):
    """``POST /api/v1/join``: the SMS code admits the citizen to the appointment's room."""

    phone: Annotated[Text, MaxLen(20)]
    code: Annotated[Text, MaxLen(12)]


class PlateQuery(Model):
    plate: Annotated[Text, MaxLen(16)]
    openid: Annotated[Text, MaxLen(64)] | None = None


class PhoneQuery(Model):
    phone: Annotated[Text, MaxLen(20)]


class OpenIdQuery(Model):
    openid: Annotated[Text, MaxLen(64)] | None = None


class SquadPath(Model):
    squad_id: Id


class BookingPath(Model):
    booking_id: Id


class TokenPath(Model):
    token: Annotated[Text, MaxLen(128), StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")]


class RoomPath(Model):
    room: Annotated[Text, MinLen(8), MaxLen(64), StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")]
