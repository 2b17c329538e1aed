"""OpenAPI 3 description of the gateway (``/api/v1/openapi.json``); the fuzz test drives
requests from these schemas, so they are the contract, not decoration."""

from __future__ import annotations

from typing import Any

from aiohttp import web

DATE = {"type": "string", "format": "date", "example": "2024-03-01"}
NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}
DATETIME = {"type": "string", "format": "date-time"}


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {
            "error": _obj(
                {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                },
                ("code", "message"),
            )
        },
        ("error",),
    ),
    "Health": _obj(
        {"status": {"type": "string"}, "time": DATETIME, "rooms": {"type": "integer"}},
        ("status",),
    ),
    "Squad": _obj(
        {"id": {"type": "integer"}, "name": {"type": "string"}, "unit_name": {"type": "string"}},
        ("id", "name"),
    ),
    "Slot": _obj(
        {
            "start": DATETIME,
            "end": DATETIME,
            "capacity": {"type": "integer"},
            "remaining": {"type": "integer"},
            "bookable": {"type": "boolean"},
        },
        ("start", "end", "capacity", "remaining"),
    ),
    "SlotDay": _obj(
        {
            "date": DATE,
            "normal": {"type": "boolean", "description": "普通预约只能约这一天（明天）"},
            "slots": {"type": "array", "items": _ref("Slot")},
        }
    ),
    "Violation": _obj(
        {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "behaviour": {"type": "string"},
            "occurred_at": DATETIME,
            "location": {"type": "string"},
            "fine": {"type": "integer"},
            "points": {"type": "integer"},
        }
    ),
    "UrgentCheckRequest": _obj(
        {
            "licence_first_issue": {**NULLABLE_DATE, "description": "驾驶证初次领证日期"},
            "vehicle_registration": {**NULLABLE_DATE, "description": "行驶证登记日期"},
            "inspection_valid_until": {**NULLABLE_DATE, "description": "检验有效期至"},
            "vehicle_class": {
                "type": "string",
                "enum": ["private_small", "commercial_passenger", "truck"],
            },
        }
    ),
    "UrgentCheck": _obj(
        {
            "eligible": {"type": "boolean"},
            "reason": {"type": "string", "nullable": True},
            "due_date": NULLABLE_DATE,
            "message": {"type": "string"},
            "last_day": DATE,
        }
    ),
    "BookingRequest": _obj(
        {
            "openid": {
                "type": "string",
                "maxLength": 64,
                "description": "演示模式下的微信身份（正式环境用 X-WeChat-OpenId 请求头）",
            },
            "phone": {"type": "string", "maxLength": 20, "example": "13800000000"},
            "name": {"type": "string", "maxLength": 40},
            "id_number": {"type": "string", "maxLength": 24, "description": "GB 11643"},
            "plate": {"type": "string", "maxLength": 16, "example": "鲁A12345"},
            "violation_ids": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "minItems": 1,
                "maxItems": 20,
            },
            "squad_id": {"type": "integer", "minimum": 1},
            "slot_start": {**DATETIME, "description": "时段开始时间（来自 slots 接口，含时区）"},
            "urgent": {"type": "boolean"},
            "licence_first_issue": NULLABLE_DATE,
            "vehicle_registration": NULLABLE_DATE,
            "inspection_valid_until": NULLABLE_DATE,
            "vehicle_class": {
                "type": "string",
                "enum": ["private_small", "commercial_passenger", "truck"],
            },
        },
        ("phone", "name", "id_number", "plate", "violation_ids", "squad_id", "slot_start"),
    ),
    "Booking": _obj(
        {
            "id": {"type": "integer"},
            "squad_id": {"type": "integer"},
            "squad_name": {"type": "string"},
            "slot_start": DATETIME,
            "slot_end": DATETIME,
            "urgent": {"type": "boolean"},
            "urgent_reason": {"type": "string", "nullable": True},
            "urgent_due_date": NULLABLE_DATE,
            "status": {"type": "string"},
            "status_label": {"type": "string"},
            "plate": {"type": "string"},
            "violation_count": {"type": "integer"},
            "cancellable": {"type": "boolean"},
        }
    ),
    "Me": _obj(
        {
            "bound": {"type": "boolean"},
            "phone_masked": {"type": "string", "nullable": True},
            "name_masked": {"type": "string", "nullable": True},
            "bookings": {"type": "array", "items": _ref("Booking")},
        }
    ),
    "JoinRequest": _obj(
        {
            "phone": {"type": "string", "maxLength": 20},
            "code": {"type": "string", "maxLength": 12, "pattern": "^[0-9]{6}$"},
        },
        ("phone", "code"),
    ),
    "Join": _obj(
        {
            "room_id": {"type": "string"},
            "token": {"type": "string"},
            "ws_url": {"type": "string"},
            "expires_at": DATETIME,
            "ice_servers": {"type": "array", "items": {"type": "object"}},
            "hints": {"type": "array", "items": {"type": "string"}},
        }
    ),
}

OPENID_HEADER = {
    "name": "X-WeChat-OpenId",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{6,64}$"},
    "description": "小程序用户的 openid（演示模式下也可用 openid 字段/参数）",
}


def _errors(*codes: int) -> dict[str, Any]:
    content = {"application/json": {"schema": _ref("Error")}}
    return {str(c): {"description": "错误", "content": content} for c in codes}


def _ok(
    schema: dict[str, Any], status: int = 200, media: str = "application/json"
) -> dict[str, Any]:
    return {str(status): {"description": "成功", "content": {media: {"schema": schema}}}}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": responses, **extra}


INT_PATH = {"type": "integer", "minimum": 1}

PATHS: dict[str, Any] = {
    "/api/v1/health": {"get": _op("健康检查", _ok(_ref("Health")))},
    "/api/v1/openapi.json": {"get": _op("本接口文档", _ok({"type": "object"}))},
    "/api/v1/squads": {
        "get": _op(
            "可预约的大队",
            {**_ok(_obj({"squads": {"type": "array", "items": _ref("Squad")}})), **_errors(429)},
        )
    },
    "/api/v1/squads/{squad_id}/slots": {
        "get": _op(
            "明天至三天内的时段及余量",
            {
                **_ok(
                    _obj(
                        {
                            "squad_id": {"type": "integer"},
                            "today": DATE,
                            "days": {"type": "array", "items": _ref("SlotDay")},
                        }
                    )
                ),
                **_errors(404, 429),
            },
            parameters=[{"name": "squad_id", "in": "path", "required": True, "schema": INT_PATH}],
        )
    },
    "/api/v1/violations": {
        "get": _op(
            "车牌的未处理违法记录（尚未预约的）",
            {
                **_ok(
                    _obj(
                        {
                            "plate": {"type": "string"},
                            "violations": {"type": "array", "items": _ref("Violation")},
                        }
                    )
                ),
                **_errors(400, 401, 422, 429),
            },
            parameters=[
                OPENID_HEADER,
                {
                    "name": "plate",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 16},
                },
            ],
        )
    },
    "/api/v1/urgent-check": {
        "post": _op(
            "根据领证/登记日期判断能否加急预约",
            {**_ok(_ref("UrgentCheck")), **_errors(400, 415, 422, 429)},
            requestBody=_body("UrgentCheckRequest"),
        )
    },
    "/api/v1/me": {
        "get": _op(
            "绑定状态与本人预约",
            {**_ok(_ref("Me")), **_errors(400, 401, 429)},
            parameters=[OPENID_HEADER],
        )
    },
    "/api/v1/bookings": {
        "post": _op(
            "预约（首次预约绑定手机号与微信）",
            {
                **_ok(_obj({"booking": _ref("Booking")}), 201),
                **_errors(400, 401, 404, 409, 413, 415, 422, 429),
            },
            parameters=[OPENID_HEADER],
            requestBody=_body("BookingRequest"),
        )
    },
    "/api/v1/bookings/{booking_id}/cancel": {
        "post": _op(
            "取消本人预约（民警联系前）",
            {
                **_ok(_obj({"cancelled": {"type": "integer"}})),
                **_errors(400, 401, 404, 409, 415, 429),
            },
            parameters=[
                OPENID_HEADER,
                {"name": "booking_id", "in": "path", "required": True, "schema": INT_PATH},
            ],
        )
    },
    "/api/v1/join": {
        "post": _op(
            "输入短信验证码进入视频，返回房间凭证",
            {**_ok(_ref("Join")), **_errors(400, 404, 409, 415, 422, 429)},
            requestBody=_body("JoinRequest"),
        )
    },
    "/api/v1/rooms/{room}/ws": {
        "get": _op(
            "信令WebSocket（先发 hello；详见 docs/gateway.md）",
            {"101": {"description": "WebSocket"}, **_errors(400, 404, 429)},
            parameters=[
                {
                    "name": "room",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                }
            ],
        )
    },
    "/api/v1/documents/{token}": {
        "get": _op(
            "下载已送达的处罚决定书（短信中的链接）",
            {
                **_ok({"type": "string", "format": "binary"}, media="application/pdf"),
                **_errors(404, 409, 429),
            },
            parameters=[
                {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
        )
    },
    "/api/v1/demo/sms": {
        "get": _op(
            "演示模式：该手机号最近一条演示短信",
            {**_ok(_obj({"text": {"type": "string"}, "at": DATETIME})), **_errors(404, 422, 429)},
            parameters=[
                {"name": "phone", "in": "query", "required": True, "schema": {"type": "string"}}
            ],
        )
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Officer Console 群众端网关",
            "version": "1",
            "description": "预约、验证码入会、信令与文书送达。错误统一为 "
            '{"error": {"code": "...", "message": "..."}}。',
        },
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


async def openapi_handler(request: web.Request) -> web.Response:
    return web.json_response(document())
