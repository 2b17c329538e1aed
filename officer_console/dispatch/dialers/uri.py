"""Hand the call to the workstation's softphone with a ``tel:`` or ``sip:`` URI (the default).

The GUI supplies the opener, so this module has no Qt import and is testable with a plain
function. An opener returns ``True``/``False`` (``QDesktopServices.openUrl``) or an
:data:`~officer_console.dispatch.dialers.xdg.OpenOutcome`, directly or as an awaitable
(:class:`~officer_console.dispatch.dialers.xdg.XdgOpener`, which tells "no softphone" from
"softphone failed"). It is called on the caller's thread: with qasync that is the Qt thread,
where ``openUrl`` must run. When no softphone took the call the officer is told to dial by hand.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Literal, TypeAlias

from officer_console.dispatch.dialers.base import (
    CallRequest,
    CallResult,
    Dialer,
    DialerError,
    check_token,
)
from officer_console.dispatch.dialers.xdg import OpenOutcome
from officer_console.domain.errors import ValidationError
from officer_console.domain.masking import mask_phone
from officer_console.domain.validators import validate_mobile

__all__ = ["MANUAL_DIAL", "Opener", "UriDialer", "build_call_uri"]

log = logging.getLogger("officer_console.dispatch.dialers.uri")

Opened: TypeAlias = bool | OpenOutcome
Opener: TypeAlias = Callable[[str], Opened | Awaitable[Opened]]
MANUAL_DIAL = "请手动拨打"


def build_call_uri(
    phone: str,
    *,
    scheme: Literal["tel", "sip"] = "tel",
    sip_domain: str = "",
    dial_prefix: str = "",
) -> str:
    """``tel:+8613812341234`` (RFC 3966 global number) or ``sip:<prefix>13812341234@domain``.

    Raises :class:`~officer_console.domain.errors.ValidationError` for a bad number.
    """
    number = validate_mobile(phone)
    if scheme == "tel":
        return f"tel:+86{number}"
    if not sip_domain:
        raise DialerError("使用 sip: 呼叫时必须配置 SIP 域名。")
    return f"sip:{dial_prefix}{number}@{sip_domain}"


class UriDialer(Dialer):
    """Opens a call URI with the system's registered softphone."""

    name = "uri"

    def __init__(
        self,
        opener: Opener,
        *,
        scheme: Literal["tel", "sip"] = "tel",
        sip_domain: str = "",
        dial_prefix: str = "",
    ) -> None:
        if scheme not in {"tel", "sip"}:
            raise DialerError(f"不支持的呼叫协议：{scheme}（应为 tel 或 sip）")
        if scheme == "sip":
            check_token(sip_domain, "SIP 域名")
        if dial_prefix and not dial_prefix.isdigit():
            raise DialerError("外线前缀只能包含数字。")
        self._opener = opener
        self._scheme: Literal["tel", "sip"] = scheme
        self._sip_domain = sip_domain
        self._dial_prefix = dial_prefix

    async def place_call(self, req: CallRequest) -> CallResult:
        try:
            uri = build_call_uri(
                req.phone,
                scheme=self._scheme,
                sip_domain=self._sip_domain,
                dial_prefix=self._dial_prefix,
            )
        except ValidationError as exc:
            return CallResult(
                "failed", f"手机号码无效，未发起呼叫：{exc.message}", False, "invalid"
            )
        masked = mask_phone(req.phone)
        try:
            got = self._opener(uri)
            opened: Opened = await got if inspect.isawaitable(got) else got
        except Exception as exc:  # the opener is GUI code we do not control
            log.warning("opener raised %s for %s", type(exc).__name__, masked)
            opened = "failed"
        if opened is False or opened == "no_handler":
            log.warning("no softphone accepted the %s: URI for %s", self._scheme, masked)
            return CallResult(
                "failed",
                f"未找到软电话，{MANUAL_DIAL} {masked}（本机未关联 {self._scheme}: 协议的电话软件，"
                "请联系管理员安装或配置）。",
                True,
                "no handler",
            )
        if opened == "failed":
            log.warning("the softphone failed to take the %s: URI for %s", self._scheme, masked)
            return CallResult(
                "failed",
                f"软电话未能打开，{MANUAL_DIAL} {masked}。",
                True,
                "handler failed",
            )
        log.info("handed %s: URI for %s to the softphone", self._scheme, masked)
        return CallResult(
            "handed_off", f"已将号码 {masked} 交给软电话拨打，请在软电话中确认接通。", True
        )
