"""The SMS provider interface shared by Aliyun, Tencent and the demo outbox.

``send`` is synchronous and uses ``requests``: the caller runs it in a worker thread, never on
the GUI thread. It never raises for vendor or network trouble — the officer gets an
:class:`SmsResult` with a clear Chinese message instead; :class:`SmsError` is reserved for
configuration mistakes found before anything is sent.

At-most-once: the dispatch service calls ``send`` once per dispatch with a stable
``idempotency_key`` and stores the result. Providers pass the key to the vendor where it has a
field for it (Aliyun ``OutId``, Tencent ``SessionContext``) so a suspected duplicate can be
traced in the vendor's delivery log, and retry only where the vendor cannot have acted (see
:mod:`officer_console.dispatch.transport`). A read timeout is reported as *outcome unknown*
(``outcome_unknown=True``, ``retryable=False``): check the vendor's log before resending.
"""

from __future__ import annotations

import abc
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar
from urllib.parse import urlsplit

import requests

from officer_console.dispatch.sms.errors import SmsError
from officer_console.dispatch.transport import (
    HttpConfig,
    HttpSender,
    OutcomeUnknownError,
    RequestNotSentError,
    RetryPolicy,
    TransportError,
    send_with_retries,
)
from officer_console.domain.errors import ValidationError
from officer_console.domain.masking import mask_phone
from officer_console.domain.validators import validate_mobile

__all__ = [
    "OutcomeUnknownError",
    "RequestNotSentError",
    "RetryPolicy",
    "SmsError",
    "SmsMessage",
    "SmsProvider",
    "SmsResult",
    "VendorSmsProvider",
    "send_with_retries",
]

_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@dataclass(frozen=True)
class SmsMessage:
    """One templated SMS; ``params`` hold the verification code, so they are never logged."""

    phone: str
    template_code: str
    params: dict[str, str] = field(repr=False)
    sign_name: str
    idempotency_key: str

    def __post_init__(self) -> None:
        if not _IDEMPOTENCY_KEY.fullmatch(self.idempotency_key):
            raise ValueError("idempotency_key must be 1-64 characters of [A-Za-z0-9_.:-]")

    def __repr__(self) -> str:
        return (
            f"SmsMessage(phone={mask_phone(self.phone)!r}, template_code={self.template_code!r},"
            f" idempotency_key={self.idempotency_key!r})"
        )


@dataclass(frozen=True)
class SmsResult:
    """What happened to one send; ``message_zh`` is shown to the officer as it is.

    ``retryable`` means sending the same message again is safe and may succeed (possibly
    later). ``outcome_unknown`` means the vendor may have sent it: check before resending.
    """

    accepted: bool
    provider_message_id: str | None
    error_code: str | None
    message_zh: str
    retryable: bool
    outcome_unknown: bool = False
    attempts: int = 1


class SmsProvider(abc.ABC):
    """Sends one SMS synchronously; implementations are safe to call from worker threads."""

    name: str = "abstract"

    @abc.abstractmethod
    def send(self, msg: SmsMessage) -> SmsResult:
        """Send ``msg`` once (with safe transport retries) and report what happened."""


class VendorConfig(HttpConfig, Protocol):
    """What every vendor's configuration has (read-only: the configs are frozen)."""

    @property
    def base_url(self) -> str: ...


ConfigT = TypeVar("ConfigT", bound=VendorConfig)
RequestT = TypeVar("RequestT")


class VendorSmsProvider(SmsProvider, HttpSender[ConfigT], Generic[ConfigT, RequestT], abc.ABC):
    """The one ``send`` of the HTTPS vendors (template method): check the number, build the
    request once, post it with safe retries (each attempt signed afresh by ``_post``), read
    the answer, log it masked. A vendor supplies ``_request``, ``_post`` and ``_interpret``."""

    vendor_zh: str = "短信平台"

    def __init__(self, config: ConfigT, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(config, sleep=sleep)
        parts = urlsplit(config.base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.netloc

    def send(self, msg: SmsMessage) -> SmsResult:
        try:
            number = validate_mobile(msg.phone)
        except ValidationError as exc:
            return invalid_phone_result(exc.message)
        request = self._request(msg, number)
        what = f"{self.name} SendSms {mask_phone(number)} key={msg.idempotency_key}"
        attempts = 0

        def attempt() -> requests.Response:
            nonlocal attempts
            attempts += 1
            return self._post(request)

        try:
            response = self._send_with_retries(attempt, what)
        except TransportError as exc:
            return transport_failure_result(exc, self.vendor_zh, msg.idempotency_key)
        with response:
            result = self._interpret(response, attempts)
        logging.getLogger(type(self).__module__).info(
            "%s: accepted=%s code=%s", what, result.accepted, result.error_code
        )
        return result

    @abc.abstractmethod
    def _request(self, msg: SmsMessage, number: str) -> RequestT:
        """What to send for ``msg`` to the validated ``number`` (the same on every attempt)."""

    @abc.abstractmethod
    def _post(self, request: RequestT) -> requests.Response:
        """One signed attempt."""

    @abc.abstractmethod
    def _interpret(self, response: requests.Response, attempts: int) -> SmsResult:
        """The vendor's answer as a result for the officer."""


def transport_failure_result(exc: TransportError, vendor_zh: str, key: str) -> SmsResult:
    """The officer-facing result when no answer came back from the vendor."""
    if isinstance(exc, OutcomeUnknownError):
        return SmsResult(
            accepted=False,
            provider_message_id=None,
            error_code="OUTCOME_UNKNOWN",
            message_zh=(
                f"{vendor_zh}响应超时，无法确认短信是否已发出。请先在短信平台发送记录中核实"
                f"（业务流水号 {key}），确认未发出后再重发。"
            ),
            retryable=False,
            outcome_unknown=True,
            attempts=exc.attempts,
        )
    return SmsResult(
        accepted=False,
        provider_message_id=None,
        error_code="NETWORK_UNREACHABLE",
        message_zh=(
            f"无法连接{vendor_zh}（已尝试 {exc.attempts} 次），短信未发出。"
            "请检查网络后重试；如持续失败请联系管理员。"
        ),
        retryable=True,
        attempts=exc.attempts,
    )


def http_error_result(response: requests.Response, vendor_zh: str, attempts: int) -> SmsResult:
    """Result for an HTTP status without a recognisable vendor error body."""
    status = response.status_code
    if status >= 500:
        return SmsResult(
            accepted=False,
            provider_message_id=None,
            error_code=f"HTTP_{status}",
            message_zh=(
                f"{vendor_zh}暂时故障（HTTP {status}），共尝试 {attempts} 次仍失败，请稍后重试。"
            ),
            retryable=True,
            attempts=attempts,
        )
    return SmsResult(
        accepted=False,
        provider_message_id=None,
        error_code=f"HTTP_{status}",
        message_zh=f"{vendor_zh}拒绝了请求（HTTP {status}），短信未发出，请联系管理员检查配置。",
        retryable=False,
        attempts=attempts,
    )


def unrecognised_response_result(vendor_zh: str, attempts: int) -> SmsResult:
    """A 2xx/3xx whose body we cannot read: the message may have been sent."""
    return SmsResult(
        accepted=False,
        provider_message_id=None,
        error_code="BAD_RESPONSE",
        message_zh=f"{vendor_zh}返回了无法识别的应答，无法确认短信是否已发出，请先核实发送记录再重发。",
        retryable=False,
        outcome_unknown=True,
        attempts=attempts,
    )


def accepted_result(message_id: object, vendor_zh: str, attempts: int) -> SmsResult:
    return SmsResult(
        accepted=True,
        provider_message_id=str(message_id) if message_id else None,
        error_code=None,
        message_zh=f"短信已提交{vendor_zh}。",
        retryable=False,
        attempts=attempts,
    )


def vendor_error_result(
    table: dict[str, tuple[str, bool]], code: str, vendor_zh: str, attempts: int
) -> SmsResult:
    """Map a vendor error code; an unknown code gets a generic message that names it."""
    text, retryable = table.get(
        code, (f"短信发送失败，{vendor_zh}返回错误码 {code or '（空）'}，请联系管理员。", False)
    )
    return SmsResult(
        accepted=False,
        provider_message_id=None,
        error_code=code or "UNKNOWN",
        message_zh=text,
        retryable=retryable,
        attempts=attempts,
    )


def invalid_phone_result(reason: str) -> SmsResult:
    """Result for a phone number that cannot be sent to; nothing went over the network."""
    return SmsResult(
        accepted=False,
        provider_message_id=None,
        error_code="INVALID_PHONE",
        message_zh=f"手机号码无效，短信未发出：{reason}",
        retryable=False,
        attempts=0,
    )
