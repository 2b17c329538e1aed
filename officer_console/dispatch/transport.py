"""HTTP sending with bounded, *safe* retries for the external-service adapters.

Neither SMS vendor deduplicates reliably (Aliyun ``OutId`` and Tencent ``SessionContext`` are
only echoed back in delivery reports), so a retried request that the vendor had already
processed sends the citizen a second message. Retries are therefore limited to cases where
the vendor most likely did not act on the request:

* the TCP/TLS connection could not be opened (refused, unreachable, DNS, connect timeout) —
  the request was never written, retrying is safe;
* the vendor answered HTTP 5xx — it failed before accepting the message. A rare 5xx after
  acceptance could still duplicate; the idempotency key we send lets an operator reconcile
  that in the vendor's delivery log.

A read timeout or a connection dropped after the request was written is NOT retried: the
outcome is unknown (:class:`OutcomeUnknownError`) and the officer is told to check before resending.
A 4xx or a vendor business error is never retried either — the same request would fail again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

__all__ = [
    "HttpConfig",
    "HttpSender",
    "OutcomeUnknownError",
    "RequestNotSentError",
    "RetryPolicy",
    "TransportError",
    "send_with_retries",
]

log = logging.getLogger("officer_console.dispatch.transport")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry; ``attempts`` counts the first try too."""

    attempts: int = 3
    backoff: float = 0.5
    multiplier: float = 2.0
    max_backoff: float = 5.0
    retry_5xx: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.backoff < 0 or self.multiplier < 1 or self.max_backoff < 0:
            raise ValueError("backoff values must be non-negative, multiplier >= 1")

    def delay(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        return float(min(self.max_backoff, self.backoff * self.multiplier ** (retry_number - 1)))


class TransportError(Exception):
    """No usable HTTP answer came back; ``attempts`` says how many requests were tried."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class RequestNotSentError(TransportError):
    """The request never reached the service: sending it again later is safe."""


class OutcomeUnknownError(TransportError):
    """The request may have been processed (read timeout, connection dropped mid-answer)."""


def _never_sent(exc: requests.RequestException) -> bool:
    """True when urllib3 failed while *opening* the connection, before writing the request."""
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # handled separately: not sent, but retrying cannot help
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        inner = exc.args[0]
        if isinstance(inner, MaxRetryError):
            return isinstance(inner.reason, NewConnectionError | ConnectTimeoutError)
    return False


def send_with_retries(
    attempt: Callable[[], requests.Response],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    what: str = "request",
) -> requests.Response:
    """Call ``attempt`` until it gives a non-5xx answer, retrying only where that is safe.

    ``attempt`` must build (and re-sign: nonces and timestamps must be fresh) and send one
    request. Returns the last response, which may still be a 5xx once attempts run out.
    Raises :class:`RequestNotSentError` or :class:`OutcomeUnknownError` when no answer came back.
    """
    number = 0
    while True:
        number += 1
        try:
            response = attempt()
        except requests.exceptions.SSLError as exc:
            log.warning("%s: TLS handshake failed (attempt %d)", what, number)
            message = f"TLS handshake failed: {type(exc).__name__}"
            raise RequestNotSentError(message, attempts=number) from exc
        except requests.RequestException as exc:
            if not _never_sent(exc):
                log.warning(
                    "%s: no answer after the request was sent (%s), not retrying",
                    what,
                    type(exc).__name__,
                )
                raise OutcomeUnknownError(type(exc).__name__, attempts=number) from exc
            if number >= policy.attempts:
                log.warning("%s: connection failed, giving up after %d attempts", what, number)
                raise RequestNotSentError(type(exc).__name__, attempts=number) from exc
            log.info("%s: connection failed (attempt %d), retrying", what, number)
        else:
            if not (policy.retry_5xx and response.status_code >= 500):
                return response
            if number >= policy.attempts:
                log.warning("%s: HTTP %d after %d attempts", what, response.status_code, number)
                return response
            log.info("%s: HTTP %d (attempt %d), retrying", what, response.status_code, number)
            response.close()
        sleep(policy.delay(number))


class HttpConfig(Protocol):
    """What every HTTP adapter's configuration has (read-only: the configs are frozen)."""

    @property
    def retry(self) -> RetryPolicy: ...
    @property
    def connect_timeout(self) -> float: ...
    @property
    def read_timeout(self) -> float: ...


ConfigT = TypeVar("ConfigT", bound=HttpConfig)


class HttpSender(Generic[ConfigT]):
    """The shared part of the HTTP adapters (SMS vendors, the call-centre webhook): the
    config, an injectable ``sleep`` for the back-off, one POST with the config's timeouts,
    and :func:`send_with_retries` under the config's policy."""

    def __init__(self, config: ConfigT, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self._sleep = sleep

    def _http_post(self, url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        with requests.Session() as session:
            return session.post(url, data=body, headers=headers, timeout=timeout)

    def _send_with_retries(
        self, attempt: Callable[[], requests.Response], what: str
    ) -> requests.Response:
        return send_with_retries(attempt, self.config.retry, sleep=self._sleep, what=what)
