"""The citizen's SMS text, pure rules (dispatch sends it): one configurable Chinese text plus
the vendors' approved template ids.

Vendors only send pre-approved templates, so the text here must match what the administrator
had approved: Aliyun fills named variables (``TemplateParam`` ``{"code","squad","link"}``),
Tencent positional ones (``{1}``, ``{2}``…, order in ``param_order``). The local text is what the
outbox stores and what the length check measures (a long SMS is split and billed per part; the
vendors reject very long ones).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from officer_console.domain.errors import DomainError

__all__ = [
    "DEFAULT_ALIYUN_TEMPLATE_CODE",
    "DEFAULT_SIGN_NAME",
    "DEFAULT_TENCENT_TEMPLATE_ID",
    "DEFAULT_TEXT",
    "MAX_SMS_CHARS",
    "VENDOR_PARAMS",
    "SmsError",
    "SmsText",
]


class SmsError(DomainError):
    """The SMS provider is not configured correctly (missing key, bad endpoint…)."""

    code = "sms_config"


MAX_SMS_CHARS = 300
DEFAULT_SIGN_NAME = "济南交警"
DEFAULT_ALIYUN_TEMPLATE_CODE = "SMS_OFFICER_JOIN"
DEFAULT_TENCENT_TEMPLATE_ID = "1000001"
# Sent when the officer dispatches — on time, late or for an overdue slot alike — so it says
# the officer is waiting, never that the slot "is about to start".
DEFAULT_TEXT = (
    "{squad}民警正在等候您进行远程违法处理视频，验证码{code}，{minutes}分钟内有效。"
    "请点击 {link} 输入验证码进入视频。如非本人操作请忽略。"
)
VENDOR_PARAMS = ("code", "squad", "link")  # what the vendors' templates are given
_LOCAL_ONLY = ("minutes",)  # fixed in the approved vendor template, filled locally
_REQUIRED = ("code", "link")
# Worst case used to validate a template when it is configured (squad names are ≤ 64 chars).
_SAMPLE = {
    "code": "000000",
    "squad": "某" * 16,
    "link": "https://jj.example.cn/join",
    "minutes": "10",
}


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise SmsError(f"短信模板格式错误（花括号不匹配）：{exc}") from exc


@dataclass(frozen=True)
class SmsText:
    """Text, signature and vendor template ids; validated on construction (settings check
    them with this class; dispatch's ``SmsTemplate`` adds the provider message)."""

    text: str = DEFAULT_TEXT
    sign_name: str = DEFAULT_SIGN_NAME
    aliyun_template_code: str = DEFAULT_ALIYUN_TEMPLATE_CODE
    tencent_template_id: str = DEFAULT_TENCENT_TEMPLATE_ID
    param_order: tuple[str, ...] = VENDOR_PARAMS

    def __post_init__(self) -> None:
        names = _placeholders(self.text)
        unknown = names - set(VENDOR_PARAMS) - set(_LOCAL_ONLY)
        if unknown:
            raise SmsError(f"短信模板含未知变量：{', '.join(sorted(unknown))}")
        missing = [n for n in _REQUIRED if n not in names]
        if missing:
            raise SmsError(f"短信模板必须包含变量：{', '.join('{' + n + '}' for n in missing)}")
        if not self.sign_name.strip() or "【" in self.sign_name or "】" in self.sign_name:
            raise SmsError("短信签名不能为空，也不要带【】（发送时自动加上）。")
        if sorted(self.param_order) != sorted(VENDOR_PARAMS):
            raise SmsError("腾讯云模板参数顺序必须恰好包含 code、squad、link。")
        self.render(_SAMPLE)  # a template that cannot fit even typical values is refused now

    def params(self, *, code: str, squad: str, link: str) -> dict[str, str]:
        """Vendor template parameters, in ``param_order`` (Tencent sends them positionally)."""
        values = {"code": code, "squad": squad, "link": link}
        return {name: values[name] for name in self.param_order}

    def render(self, params: Mapping[str, str], *, minutes: int | str = 10) -> str:
        """The full text as the citizen reads it, signature first; raises when too long."""
        values = {**{"minutes": str(minutes)}, **params}
        body = self.text.format(**{k: values.get(k, "") for k in _placeholders(self.text)})
        text = f"【{self.sign_name}】{body}"
        if len(text) > MAX_SMS_CHARS:
            raise SmsError(f"短信内容过长（{len(text)} 字，上限 {MAX_SMS_CHARS} 字），请缩短模板。")
        return text

    def template_code_for(self, provider: str) -> str:
        """The vendor's template id; the outbox keeps the Aliyun-style code for its records."""
        return self.tencent_template_id if provider == "tencent" else self.aliyun_template_code
