"""The OpenAPI 3.1 document (``/api/v1/openapi.json``), generated from the same pydantic
models the handlers validate with (``gateway.models``, ``gateway.responses``,
``gateway.messages``): the documented contract and the enforced one cannot drift. The
fuzz tests drive hostile requests from this document."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from officer_console.gateway import messages, models, responses
from officer_console.gateway.parsing import OPENID_HEADER

REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    summary: str
    ok: type[BaseModel] | None
    errors: tuple[int, ...] = ()
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_model: type[BaseModel] | None = None
    openid: bool = False
    status: int = 200
    media: str = "application/json"


ROUTES = (
    Route("get", "/api/v1/health", "健康检查", responses.Health),
    Route("get", "/api/v1/openapi.json", "本接口文档", None),
    Route("get", "/api/v1/squads", "可预约的大队", responses.Squads, (429,)),
    Route(
        "get",
        "/api/v1/squads/{squad_id}/slots",
        "明天至三天内的时段及余量",
        responses.Slots,
        (404, 429),
        path_model=models.SquadPath,
    ),
    Route(
        "get",
        "/api/v1/violations",
        "车牌的未处理违法记录（尚未预约的）",
        responses.Violations,
        (400, 401, 422, 429),
        query=models.PlateQuery,
        openid=True,
    ),
    Route(
        "post",
        "/api/v1/urgent-check",
        "根据领证/登记日期判断能否加急预约",
        responses.UrgentCheck,
        (400, 415, 422, 429),
        body=models.UrgentCheckRequest,
    ),
    Route(
        "get",
        "/api/v1/me",
        "绑定状态与本人预约",
        responses.Me,
        (400, 401, 429),
        query=models.OpenIdQuery,
        openid=True,
    ),
    Route(
        "post",
        "/api/v1/bookings",
        "预约（首次预约绑定手机号与微信）",
        responses.Booked,
        (400, 401, 404, 409, 413, 415, 422, 429),
        body=models.BookingRequest,
        openid=True,
        status=201,
    ),
    Route(
        "post",
        "/api/v1/bookings/{booking_id}/cancel",
        "取消本人预约（民警联系前）",
        responses.Cancelled,
        (400, 401, 404, 409, 415, 429),
        body=models.CancelRequest,
        path_model=models.BookingPath,
        openid=True,
    ),
    Route(
        "post",
        "/api/v1/join",
        "输入短信验证码进入视频（民警未接通时进入等候），返回房间凭证",
        responses.Join,
        (400, 404, 409, 415, 422, 429),
        body=models.JoinRequest,
    ),
    Route(
        "get",
        "/api/v1/rooms/{room}/ws",
        "信令WebSocket（先发 hello；消息见 components 中的 Ws* 模型与 docs/gateway.md）",
        None,
        (400, 404, 429),
        path_model=models.RoomPath,
        status=101,
    ),
    Route(
        "get",
        "/api/v1/documents/{token}",
        "下载已送达的处罚决定书（短信中的链接；仅完整传输才记为送达，HEAD/部分Range不计）",
        None,
        (404, 409, 416, 429),
        path_model=models.TokenPath,
        media="application/pdf",
    ),
    Route(
        "get",
        "/api/v1/demo/sms",
        "演示模式：该手机号最近一条演示短信",
        responses.DemoSms,
        (404, 422, 429),
        query=models.PhoneQuery,
    ),
)


def _parameters(route: Route, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for where, model in (("path", route.path_model), ("query", route.query)):
        if model is None:
            continue
        schema = schemas[model.__name__]
        required = set(schema.get("required", ()))
        for name, prop in schema["properties"].items():
            params.append(
                {"name": name, "in": where, "required": where == "path" or name in required}
                | {"schema": prop}
            )
    if route.openid:
        params.append(
            {
                "name": OPENID_HEADER,
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": models.OPENID_PATTERN},
                "description": "小程序用户的 openid（演示模式下也可用 openid 字段/参数）",
            }
        )
    return params


def _operation(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "成功"}
    if route.status == 101:
        ok["description"] = "WebSocket"
    elif route.ok is not None:
        ok["content"] = {route.media: {"schema": {"$ref": REF.format(model=route.ok.__name__)}}}
    elif route.media == "application/pdf":
        ok["content"] = {route.media: {"schema": {"type": "string", "format": "binary"}}}
    else:
        ok["content"] = {route.media: {"schema": {"type": "object"}}}
    error = {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
    answers: dict[str, Any] = {str(route.status): ok}
    for status in route.errors:
        answers[str(status)] = {"description": "错误", "content": error}
        if status == 429:
            answers["429"]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "秒"}
            }
    op: dict[str, Any] = {"summary": route.summary, "responses": answers}
    if params := _parameters(route, schemas):
        op["parameters"] = params
    if route.body is not None:
        ref = {"$ref": REF.format(model=route.body.__name__)}
        op["requestBody"] = {
            "required": route.body is not models.CancelRequest,
            "content": {"application/json": {"schema": ref}},
        }
    return op


# Paths described by hand by modules outside the model table (the document verification
# upload is a PDF body, not a JSON model); added by their ``setup`` before the first request.
EXTRA_PATHS: dict[str, Any] = {}


def document() -> dict[str, Any]:
    """The whole document: the model routes plus the hand-described extra paths."""
    base = _model_document()
    return {**base, "paths": {**base["paths"], **EXTRA_PATHS}}


@cache
def _model_document() -> dict[str, Any]:
    """The routes declared by models (cached: they do not change while the process runs)."""
    used = {
        m
        for r in ROUTES
        for m in (r.ok, r.body, r.query, r.path_model)
        if m is not None and issubclass(m, BaseModel)
    } | {responses.Error}
    _, top = models_json_schema(
        [(m, "validation") for m in sorted(used, key=lambda m: m.__name__)], ref_template=REF
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas.update(messages.schemas())
    paths: dict[str, Any] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method] = _operation(route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Officer Console 群众端网关",
            "version": "1",
            "description": "预约、验证码入会、信令与文书送达。错误统一为 "
            '{"error": {"code": "...", "message": "..."}}；每个429都带 Retry-After。',
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


async def openapi_handler(request: web.Request) -> web.Response:
    return web.json_response(document())
