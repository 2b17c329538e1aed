"""The retry helper retries only where the vendor cannot have acted on the request."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from officer_console.dispatch.transport import (
    OutcomeUnknownError,
    RequestNotSentError,
    RetryPolicy,
    send_with_retries,
)


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(attempts=6, backoff=0.5, multiplier=2, max_backoff=3)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


def _refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/", reason))  # type: ignore[arg-type]


def _script(
    *outcomes: BaseException | int,
) -> tuple[list[int], Callable[[], requests.Response]]:
    calls: list[int] = []

    def attempt() -> requests.Response:
        outcome = outcomes[len(calls)]
        calls.append(1)
        if isinstance(outcome, BaseException):
            raise outcome
        response = requests.Response()
        response.status_code = outcome
        response.raw = io.BytesIO(b"")
        return response

    return calls, attempt


@pytest.mark.parametrize(
    "error",
    [
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
        requests.exceptions.ChunkedEncodingError("cut"),
    ],
    ids=["read-timeout", "aborted-after-send", "cut-answer"],
)
def test_errors_after_sending_are_never_retried(error: requests.RequestException) -> None:
    calls, attempt = _script(error, 200)
    with pytest.raises(OutcomeUnknownError):
        send_with_retries(attempt, RetryPolicy(attempts=5), sleep=lambda _: None)
    assert len(calls) == 1


def test_connect_errors_are_retried_then_reported_not_sent() -> None:
    sleeps: list[float] = []
    _, attempt = _script(_refused(), requests.ConnectTimeout("slow"), _refused())
    with pytest.raises(RequestNotSentError) as info:
        send_with_retries(attempt, RetryPolicy(attempts=3, backoff=1), sleep=sleeps.append)
    assert info.value.attempts == 3
    assert sleeps == [1, 2]


def test_tls_failure_is_not_retried() -> None:
    calls, attempt = _script(requests.exceptions.SSLError("bad cert"), 200)
    with pytest.raises(RequestNotSentError):
        send_with_retries(attempt, RetryPolicy(), sleep=lambda _: None)
    assert len(calls) == 1


def test_4xx_is_returned_at_once_and_5xx_retried_only_when_asked() -> None:
    calls, attempt = _script(400, 200)
    assert send_with_retries(attempt, RetryPolicy(), sleep=lambda _: None).status_code == 400
    assert len(calls) == 1
    calls, attempt = _script(502, 200)
    assert send_with_retries(attempt, RetryPolicy(), sleep=lambda _: None).status_code == 200
    calls, attempt = _script(502, 200)
    no_5xx = RetryPolicy(retry_5xx=False)
    assert send_with_retries(attempt, no_5xx, sleep=lambda _: None).status_code == 502
