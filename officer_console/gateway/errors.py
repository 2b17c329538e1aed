"""JSON errors for every failure, including unknown routes and methods: never HTML, never a
traceback, never a 500 for bad input. Domain errors map to 4xx by kind and code.

Every 429 carries ``Retry-After``. Once a handler has upgraded the connection to a WebSocket
(it marks the request with :data:`UPGRADED`), no HTTP response is ever written on it: an
escaping exception closes the socket with 1011 instead."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from officer_console.domain.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from officer_console.domain.masking import mask_text

log = logging.getLogger("officer_console.gateway")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Rule codes that are about existing state (a conflict) rather than the request's content.
_CONFLICT_RULES = {"binding_conflict", "slot_full", "identity_mismatch"}
_CODE_STATUS = {
    "code_invalid": 400,
    "no_active_code": 404,
    "code_expired": 409,
    "code_used": 409,
    "code_locked": 429,
    "rate_limited": 429,
}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}
#: Retry-After for database-backed 429s: the per-address failure window of the code check,
#: and the time an officer needs to send a fresh code after a locked one.
_RETRY_AFTER = {"rate_limited": 900, "code_locked": 60}
DEFAULT_RETRY_AFTER = 60
#: request key under which a handler stores its prepared WebSocketResponse
UPGRADED: web.RequestKey[web.WebSocketResponse] = web.RequestKey("upgraded", web.WebSocketResponse)
_HTTP_MESSAGES = {
    404: "请求的地址不存在",
    405: "不支持该请求方法",
    413: "请求内容过大",
    415: "请求内容应为JSON",
}


class ApiError(Exception):
    """An HTTP error raised by a handler with a code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    body = {"error": {"code": code, "message": message, **extra}}
    headers = dict(headers or {})
    if status == 429:
        headers.setdefault("Retry-After", str(_RETRY_AFTER.get(code, DEFAULT_RETRY_AFTER)))
    # a stray lone surrogate must not make the error itself unencodable
    data = json.dumps(body, ensure_ascii=False).encode("utf-8", "replace")
    return web.Response(
        status=status, body=data, content_type="application/json", headers=headers or None
    )


def domain_status(exc: DomainError) -> int:
    if exc.code in _CODE_STATUS:
        return _CODE_STATUS[exc.code]
    if isinstance(exc, ValidationError):
        return 422
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, RuleViolation):
        return 409 if exc.code in _CONFLICT_RULES else 422
    return 400


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as exc:
        upgraded = request.get(UPGRADED)
        if upgraded is not None and upgraded.prepared:
            return await _close_upgraded(request, upgraded, exc)
        return _to_response(request, exc)


async def _close_upgraded(
    request: web.Request, ws: web.WebSocketResponse, exc: Exception
) -> web.StreamResponse:
    """After the upgrade only WebSocket frames may be written: close, never answer HTTP."""
    log.error(
        "error after WebSocket upgrade on %s: %s", mask_text(request.path), type(exc).__name__
    )
    if not ws.closed:
        with contextlib.suppress(Exception):
            await ws.close(code=1011, message=b"internal_error")
    return ws


def _to_response(request: web.Request, exc: Exception) -> web.StreamResponse:
    if isinstance(exc, ApiError):
        extra = dict(exc.extra)
        wait = extra.pop("retry_after", None)
        headers = {"Retry-After": str(wait)} if wait is not None else {}
        if "content_range" in extra:  # a 416 names the document's size
            headers["Content-Range"] = str(extra.pop("content_range"))
        return error_response(exc.status, exc.code, exc.message, headers, **extra)
    if isinstance(exc, DomainError):
        extra = {"field": exc.field} if isinstance(exc, ValidationError) else {}
        return error_response(domain_status(exc), exc.code, exc.message, None, **extra)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        status = exc.status
        message = _HTTP_MESSAGES.get(status, exc.reason)
        allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return error_response(status, _HTTP_CODES.get(status, "http_error"), message, allow)
    log.error(
        "unhandled error on %s %s",
        request.method,
        mask_text(request.path),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_response(500, "internal_error", "服务器内部错误，请稍后重试")
