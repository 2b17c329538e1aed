"""The dialer interface: softphone hand-off, PBX originate or a call-centre webhook.

``place_call`` is a coroutine so the console's one asyncio loop (qasync, on the Qt thread) can
await it; adapters that block run their blocking part in a thread. Like the SMS providers,
dialers report trouble as a :class:`CallResult` with a clear Chinese message instead of raising;
:class:`DialerError` is for configuration mistakes.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from typing import Literal

from officer_console.domain.errors import DomainError
from officer_console.domain.masking import mask_phone

__all__ = ["CallRequest", "CallResult", "CallStatus", "Dialer", "DialerError", "check_token"]

CallStatus = Literal["handed_off", "originated", "failed"]

_TOKEN = re.compile(r"[A-Za-z0-9_.:@+-]{1,64}")


class DialerError(DomainError):
    """The dialer is not configured correctly (no PBX host, bad URL…)."""

    code = "dialer_config"


def check_token(value: str, what: str) -> str:
    """Reject values that could break a line-based protocol or a URI (CR/LF, spaces…)."""
    if not _TOKEN.fullmatch(value):
        raise DialerError(f"{what}格式不正确：只能包含字母、数字和 _ . : @ + -，最多64位。")
    return value


@dataclass(frozen=True)
class CallRequest:
    """Call the citizen at ``phone`` for ``appointment_id`` from the officer's extension."""

    phone: str
    appointment_id: str
    officer_extension: str = ""

    def __repr__(self) -> str:
        return (
            f"CallRequest(phone={mask_phone(self.phone)!r},"
            f" appointment_id={self.appointment_id!r},"
            f" officer_extension={self.officer_extension!r})"
        )


@dataclass(frozen=True)
class CallResult:
    """What the dialer did; ``message_zh`` is shown to the officer as it is.

    ``handed_off``: the URI went to the workstation's softphone (we cannot know more);
    ``originated``: the PBX or call centre started the call; ``failed``: see the message.
    ``retryable`` means placing the call again is safe and may succeed; ``detail`` is a short
    technical note for the log (no personal data).
    """

    status: CallStatus
    message_zh: str
    retryable: bool
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class Dialer(abc.ABC):
    """Places one call; implementations never block the event loop."""

    name: str = "abstract"

    @abc.abstractmethod
    async def place_call(self, req: CallRequest) -> CallResult:
        """Start a call to the citizen and report what happened."""
