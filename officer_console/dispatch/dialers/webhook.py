"""Generic HTTP click-to-call webhook for cloud call centres.

POSTs ``{"caller", "callee", "appointment_id", "timestamp", "request_id"}`` as JSON; with a
shared secret the body is signed with HMAC-SHA256 in ``X-Signature: sha256=<hex>`` (the
timestamp and request id inside the signed body let the receiver reject replays and
duplicates). 2xx means the call centre originated the call. Runs ``requests`` in a thread so
the event loop never blocks. Retries only when the request cannot have arrived — a 5xx is not
retried here, because a second originate would ring the citizen twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from officer_console.dispatch.dialers.base import (
    CallRequest,
    CallResult,
    Dialer,
    DialerError,
    check_token,
)
from officer_console.dispatch.transport import (
    HttpSender,
    OutcomeUnknownError,
    RetryPolicy,
    TransportError,
)
from officer_console.domain.errors import ValidationError
from officer_console.domain.masking import mask_phone
from officer_console.domain.validators import validate_mobile

__all__ = ["WebhookConfig", "WebhookDialer", "sign_body"]

log = logging.getLogger("officer_console.dispatch.dialers.webhook")


def sign_body(secret: str, body: bytes) -> str:
    """The ``X-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookConfig:
    """Where to POST and how to sign; the secret never appears in ``repr``."""

    url: str
    secret: str = field(default="", repr=False)
    signature_header: str = "X-Signature"
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(retry_5xx=False))

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise DialerError(f"外呼接口地址无效：{self.url}")


class WebhookDialer(Dialer, HttpSender[WebhookConfig]):
    """Asks a call centre to connect the officer's extension with the citizen (config, the
    POST and its safe retries: :class:`HttpSender`, shared with the SMS vendors)."""

    name = "webhook"

    def __init__(
        self,
        config: WebhookConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(config, sleep=sleep)
        self._clock = clock

    async def place_call(self, req: CallRequest) -> CallResult:
        try:
            number = validate_mobile(req.phone)
            check_token(req.officer_extension, "民警分机号")
        except ValidationError as exc:
            return CallResult(
                "failed", f"手机号码无效，未发起呼叫：{exc.message}", False, "invalid"
            )
        except DialerError as exc:
            return CallResult("failed", f"未发起呼叫：{exc.message}", False, "bad extension")
        body = json.dumps(
            {
                "caller": req.officer_extension,
                "callee": f"+86{number}",
                "appointment_id": req.appointment_id,
                "timestamp": int(self._clock()),
                "request_id": uuid.uuid4().hex,
            },
            ensure_ascii=False,
        ).encode()
        return await asyncio.to_thread(self._post, body, mask_phone(number))

    def _post(self, body: bytes, masked: str) -> CallResult:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.config.secret:
            headers[self.config.signature_header] = sign_body(self.config.secret, body)

        def attempt() -> requests.Response:
            return self._http_post(self.config.url, body, headers)

        what = f"webhook call to {masked}"
        try:
            response = self._send_with_retries(attempt, what)
        except OutcomeUnknownError:
            return CallResult(
                "failed",
                "呼叫中心响应超时，呼叫可能已经发起。请先确认话机是否振铃，再决定是否重拨。",
                False,
                "outcome unknown",
            )
        except TransportError as exc:
            return CallResult(
                "failed",
                f"无法连接呼叫中心（已尝试 {exc.attempts} 次），未发起呼叫，请检查网络后重试。",
                True,
                "not sent",
            )
        with response:
            status = response.status_code
        log.info("%s: HTTP %d", what, status)
        if 200 <= status < 300:
            return CallResult("originated", f"呼叫中心已发起呼叫，正在接通 {masked}。", True)
        if status in {401, 403}:
            text = "呼叫中心拒绝请求：签名或密钥错误，请联系管理员检查外呼接口配置。"
            return CallResult("failed", text, False, f"HTTP {status}")
        if status >= 500:
            text = f"呼叫中心暂时故障（HTTP {status}），请确认话机未振铃后重试。"
            return CallResult("failed", text, True, f"HTTP {status}")
        text = f"呼叫中心拒绝了请求（HTTP {status}），未发起呼叫，请联系管理员。"
        return CallResult("failed", text, False, f"HTTP {status}")
