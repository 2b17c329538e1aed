"""Typed extraction of request fields: a wrong type or shape is a 400 naming the field;
content rules (ID checksum, plate, phone, dates) are the domain validators' 422s."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from aiohttp import web

from officer_console.domain.validators import validate_date
from officer_console.gateway.app import GATEWAY
from officer_console.gateway.errors import ApiError

OPENID_HEADER = "X-WeChat-OpenId"
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
MAX_LIST = 20


def bad(field: str, message: str) -> ApiError:
    return ApiError(400, "bad_request", message, field=field)


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "请求内容应为JSON（application/json）")
    raw = await request.read()
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ApiError(400, "bad_json", "请求内容不是有效的JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "请求内容应为JSON对象")
    return body


def get_str(body: dict[str, Any], name: str, max_len: int, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(422, "invalid_input", f"缺少必填项 {name}", field=name)
        return ""
    if not isinstance(value, str):
        raise bad(name, f"{name} 应为字符串")
    if len(value) > max_len:
        raise ApiError(422, "invalid_input", f"{name} 过长（最多{max_len}个字符）", field=name)
    if "\x00" in value:
        raise ApiError(422, "invalid_input", f"{name} 含有非法字符", field=name)
    return value


def get_int(body: dict[str, Any], name: str, *, low: int = 1, high: int = 2**31 - 1) -> int:
    value = body.get(name)
    if value is None:
        raise ApiError(422, "invalid_input", f"缺少必填项 {name}", field=name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(name, f"{name} 应为整数")
    if not low <= value <= high:
        raise ApiError(422, "invalid_input", f"{name} 超出范围", field=name)
    return value


def get_bool(body: dict[str, Any], name: str, default: bool = False) -> bool:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad(name, f"{name} 应为 true 或 false")
    return value


def get_int_list(body: dict[str, Any], name: str) -> tuple[int, ...]:
    value = body.get(name)
    if value is None:
        raise ApiError(422, "invalid_input", "请至少选择一条违法记录", field=name)
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise bad(name, f"{name} 应为最多{MAX_LIST}个整数的数组")
    out: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item < 2**31:
            raise bad(name, f"{name} 应为正整数数组")
        out.append(item)
    return tuple(out)


def get_date(body: dict[str, Any], name: str, label: str) -> date | None:
    value = get_str(body, name, 10, required=False)
    if not value:
        return None
    return validate_date(name, value, label=label)


def parse_date(name: str, value: str, label: str = "日期") -> date:
    if len(value) > 10:
        raise ApiError(422, "invalid_input", f"{label}格式应为“年-月-日”", field=name)
    return validate_date(name, value, label=label)


def get_datetime(body: dict[str, Any], name: str) -> datetime:
    value = get_str(body, name, 40)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(
            422, "invalid_input", "时段时间格式应为ISO 8601（含时区）", field=name
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ApiError(422, "invalid_input", "时段时间应带时区", field=name)
    return parsed


def openid_of(request: web.Request, body: dict[str, Any] | None = None) -> str:
    """The WeChat openid: the header the mini-program back end sets; a form field in demo."""
    value = request.headers.get(OPENID_HEADER, "")
    if not value and request.app[GATEWAY].demo:
        raw = (body or {}).get("openid") or request.query.get("openid", "")
        value = raw if isinstance(raw, str) else ""
    if not value:
        raise ApiError(401, "openid_required", "缺少微信身份标识，请从小程序进入")
    if not _OPENID.fullmatch(value):
        raise ApiError(400, "bad_openid", "微信身份标识格式不正确")
    return value


def client_ip(request: web.Request) -> str:
    """The peer address; behind a proxy, configure it to set the real one (not trusted here)."""
    return request.remote or "unknown"
