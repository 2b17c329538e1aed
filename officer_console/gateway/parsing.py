"""Request parsing through the models in ``gateway.models``: JSON that ``json`` cannot take
safely, a wrong type or shape → 400; a missing, over-long or out-of-range value → 422 naming
the field. Messages are built from the model's field names and limits only — never from the
submitted value — so a hostile string can never break the error response."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from officer_console.gateway.errors import ApiError
from officer_console.gateway.state import GATEWAY

M = TypeVar("M", bound=BaseModel)
OPENID_HEADER = "X-WeChat-OpenId"
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
MAX_DEPTH = 16

# pydantic error types that mean "wrong JSON type or shape" (400) rather than "bad value" (422)
_TYPE_ERRORS = {
    "string_type": "{f} 应为字符串",
    "int_type": "{f} 应为整数",
    "bool_type": "{f} 应为 true 或 false",
    "list_type": "{f} 应为数组",
    "dict_type": "{f} 应为JSON对象",
    "model_type": "{f} 应为JSON对象",
    "model_attributes_type": "{f} 应为JSON对象",
    "date_type": "{f} 应为“年-月-日”格式的字符串",
    "datetime_type": "{f} 应为ISO 8601字符串（含时区）",
    "none_required": "{f} 应为空",
}
_VALUE_ERRORS = {
    "missing": "缺少必填项 {f}",
    "string_too_long": "{f} 过长（最多{max_length}个字符）",
    "string_too_short": "{f} 不能为空",
    "too_long": "{f} 最多{max_length}项",
    "too_short": "{f} 至少{min_length}项",
    "greater_than_equal": "{f} 超出范围",
    "less_than_equal": "{f} 超出范围",
    "greater_than": "{f} 超出范围",
    "less_than": "{f} 超出范围",
    "literal_error": "{f} 取值无效",
    "enum": "{f} 取值无效",
    "string_pattern_mismatch": "{f} 格式不正确",
    "string_unicode": "{f} 含有非法字符",
    "bad_chars": "{f} 含有非法字符",
}


def _field(error: ErrorDetails) -> str:
    names = [str(p) for p in error["loc"] if isinstance(p, str)]
    return names[0] if names else "body"


def translate(exc: ValidationError) -> ApiError:
    """The first error of ``exc`` as an ApiError; uses no part of the submitted input."""
    error = exc.errors(include_url=False, include_input=False, include_context=True)[0]
    name, kind = _field(error), error["type"]
    ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int)}
    if kind in _TYPE_ERRORS:
        return ApiError(400, "bad_request", _TYPE_ERRORS[kind].format(f=name), field=name)
    template = _VALUE_ERRORS.get(kind)
    if template is not None:
        try:
            message = template.format(f=name, **ctx)
        except (KeyError, IndexError):
            message = f"{name} 不正确"
    else:  # our own PydanticCustomError: a fixed Chinese message without the input
        message = error["msg"] if kind.startswith(("date", "datetime")) else f"{name} 不正确"
    return ApiError(422, "invalid_input", message, field=name)


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise translate(exc) from None


def _depth(value: Any, depth: int = 0) -> int:
    if depth > MAX_DEPTH:
        return depth
    if isinstance(value, dict):
        return max((_depth(v, depth + 1) for v in value.values()), default=depth)
    if isinstance(value, list):
        return max((_depth(v, depth + 1) for v in value), default=depth)
    return depth


async def read_json(request: web.Request) -> dict[str, Any]:
    """The JSON object body; 415 for another type, 400 for anything ``json`` refuses."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "请求内容应为JSON（application/json）")
    raw = await request.read()
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # incl. int digit limit
        raise ApiError(400, "bad_json", "请求内容不是有效的JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "请求内容应为JSON对象")
    if _depth(body) > MAX_DEPTH:
        raise ApiError(400, "bad_json", "请求内容嵌套过深")
    return body


async def body(request: web.Request, model: type[M]) -> tuple[M, dict[str, Any]]:
    """The validated body and the raw object (for the demo openid field)."""
    raw = await read_json(request)
    return validate(model, raw), raw


def query(request: web.Request, model: type[M]) -> M:
    return validate(model, _single(request.query))


def path(request: web.Request, model: type[M]) -> M:
    """Path parameters; the route patterns already restrict them, a wrong one is a 404."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        raw = request.match_info.get(name, "")
        values[name] = int(raw) if info.annotation is int and raw.isdigit() else raw
    try:
        return model.model_validate(values)
    except ValidationError:
        raise ApiError(404, "not_found", "请求的对象不存在") from None


def _single(items: Mapping[str, str]) -> dict[str, str]:
    return {k: items[k] for k in items}


def openid_of(request: web.Request, raw: Mapping[str, Any] | None = None) -> str:
    """The WeChat openid: the header the mini-program back end sets; a form field in demo."""
    value = request.headers.get(OPENID_HEADER, "")
    if not value and request.app[GATEWAY].demo:
        found = (raw or {}).get("openid") or request.query.get("openid", "")
        value = found if isinstance(found, str) else ""
    if not value:
        raise ApiError(401, "openid_required", "缺少微信身份标识，请从小程序进入")
    if not _OPENID.fullmatch(value):
        raise ApiError(400, "bad_openid", "微信身份标识格式不正确")
    return value
