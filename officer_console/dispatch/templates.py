"""The citizen's SMS as dispatch sends it: the text rules live in
:mod:`officer_console.domain.sms_text` (settings validate with them without importing
dispatch); this adds the provider message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from officer_console.domain.sms_text import (
    DEFAULT_ALIYUN_TEMPLATE_CODE,
    DEFAULT_SIGN_NAME,
    DEFAULT_TENCENT_TEMPLATE_ID,
    DEFAULT_TEXT,
    MAX_SMS_CHARS,
    VENDOR_PARAMS,
    SmsText,
)

if TYPE_CHECKING:
    from officer_console.dispatch.sms.base import SmsMessage

__all__ = [
    "DEFAULT_ALIYUN_TEMPLATE_CODE",
    "DEFAULT_SIGN_NAME",
    "DEFAULT_TENCENT_TEMPLATE_ID",
    "DEFAULT_TEXT",
    "MAX_SMS_CHARS",
    "VENDOR_PARAMS",
    "SmsTemplate",
]


@dataclass(frozen=True)
class SmsTemplate(SmsText):
    """The validated text plus what a provider needs to send it."""

    def message(
        self,
        *,
        provider: str,
        phone: str,
        code: str,
        squad: str,
        link: str,
        idempotency_key: str,
        minutes: int = 10,
    ) -> SmsMessage:
        """Build the provider message; renders once so an over-long text fails before sending."""
        from officer_console.dispatch.sms.base import SmsMessage

        params = self.params(code=code, squad=squad, link=link)
        self.render(params, minutes=minutes)
        return SmsMessage(
            phone=phone,
            template_code=self.template_code_for(provider),
            params=params,
            sign_name=self.sign_name,
            idempotency_key=idempotency_key,
        )
