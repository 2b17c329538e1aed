"""Tencent Cloud SMS ``SendSms`` (API 2021-01-11) signed with TC3-HMAC-SHA256.

The official SDK unpacks to 170 MB, so the request is built and signed here; :func:`tc3_sign`
is checked against the vendor's worked example. Tencent answers HTTP 200 even for errors: the
outcome is in ``Response.Error`` or in ``Response.SendStatusSet[].Code``.

Tencent templates take positional parameters ({1}, {2}…): ``SmsMessage.params`` are sent in
their insertion order unless ``template_param_order`` names the keys for a template.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from officer_console.dispatch.sms.base import (
    RetryPolicy,
    SmsError,
    SmsMessage,
    SmsResult,
    VendorSmsProvider,
    accepted_result,
    http_error_result,
    unrecognised_response_result,
    vendor_error_result,
)
from officer_console.dispatch.sms.messages import TENCENT_ERRORS

__all__ = ["TencentSmsConfig", "TencentSmsProvider", "tc3_sign"]


ALGORITHM = "TC3-HMAC-SHA256"
ENDPOINT = "https://sms.tencentcloudapi.com"
API_VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"
_VENDOR_ZH = "腾讯云短信平台"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_sign(  # noqa: PLR0917 (the inputs the vendor documents, in its order)
    method: str,
    host: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    payload: bytes,
    service: str,
    timestamp: int,
    secret_id: str,
    secret_key: str,
) -> tuple[str, str, str]:
    """Return ``(authorization_header, canonical_request, string_to_sign)``.

    Signs ``host`` plus every header in ``headers`` (names and values lower-cased, as the
    vendor's canonical form requires; sorted by name); ``query`` is the
    canonical query string (empty for POST). The credential date is the UTC date of
    ``timestamp``, which must also be sent as ``X-TC-Timestamp``.
    """
    signed = {"host": host.strip().lower()}
    signed.update({k.lower(): v.strip().lower() for k, v in headers.items()})
    names = sorted(signed)
    signed_headers = ";".join(names)
    canonical_request = "\n".join(
        [
            method.upper(),
            path or "/",
            query,
            "".join(f"{n}:{signed[n]}\n" for n in names),
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, "
        f"Signature={signature}"
    )
    return authorization, canonical_request, string_to_sign


@dataclass(frozen=True)
class TencentSmsConfig:
    """Credentials, SMS application and endpoint; ``base_url`` is configurable for tests."""

    secret_id: str
    secret_key: str = field(repr=False)
    sdk_app_id: str = ""
    region: str = "ap-guangzhou"
    base_url: str = ENDPOINT
    template_param_order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not self.secret_id or not self.secret_key:
            raise SmsError("未配置腾讯云短信 SecretId 或 SecretKey。")
        if not self.sdk_app_id:
            raise SmsError("未配置腾讯云短信应用 SdkAppId。")
        parts = urlsplit(self.base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise SmsError(f"腾讯云短信接口地址无效：{self.base_url}")


class TencentSmsProvider(VendorSmsProvider[TencentSmsConfig, bytes]):
    """Sends through Tencent ``SendSms``; each attempt is signed with a fresh timestamp."""

    name = "tencent"
    vendor_zh = _VENDOR_ZH

    def __init__(
        self,
        config: TencentSmsConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(config, sleep=sleep)
        self._clock = clock

    def _param_list(self, msg: SmsMessage) -> list[str]:
        order = self.config.template_param_order.get(msg.template_code)
        if order is None:
            return list(msg.params.values())
        missing = [k for k in order if k not in msg.params]
        if missing:
            raise SmsError(f"短信模板 {msg.template_code} 缺少参数：{', '.join(missing)}")
        return [msg.params[k] for k in order]

    def _request(self, msg: SmsMessage, number: str) -> bytes:
        body = {
            "PhoneNumberSet": [f"+86{number}"],
            "SmsSdkAppId": self.config.sdk_app_id,
            "SignName": msg.sign_name,
            "TemplateId": msg.template_code,
            "TemplateParamSet": self._param_list(msg),
            "SessionContext": msg.idempotency_key,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def _post(self, payload: bytes) -> requests.Response:
        timestamp = int(self._clock())
        signed = {"content-type": CONTENT_TYPE, "x-tc-action": "SendSms"}
        authorization, _, _ = tc3_sign(
            "POST",
            self._host,
            "/",
            "",
            signed,
            payload,
            SERVICE,
            timestamp,
            self.config.secret_id,
            self.config.secret_key,
        )
        headers = {
            "Authorization": authorization,
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.config.region,
        }
        return self._http_post(self._origin + "/", payload, headers)

    def _interpret(self, response: requests.Response, attempts: int) -> SmsResult:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        body = payload.get("Response") if isinstance(payload, dict) else None
        if response.status_code != 200 or not isinstance(body, dict):
            if response.status_code < 400:
                return unrecognised_response_result(_VENDOR_ZH, attempts)
            return http_error_result(response, _VENDOR_ZH, attempts)
        error = body.get("Error")
        if isinstance(error, dict):
            return self._failure(str(error.get("Code", "")), attempts)
        statuses = body.get("SendStatusSet") or [{}]
        status = statuses[0] if isinstance(statuses[0], dict) else {}
        code = str(status.get("Code", ""))
        if code != "Ok":
            return self._failure(code, attempts)
        return accepted_result(status.get("SerialNo"), _VENDOR_ZH, attempts)

    @staticmethod
    def _failure(code: str, attempts: int) -> SmsResult:
        if code not in TENCENT_ERRORS and code.startswith("InternalError"):
            code_for_text = "InternalError"
            result = vendor_error_result(TENCENT_ERRORS, code_for_text, _VENDOR_ZH, attempts)
            return replace(result, error_code=code)
        return vendor_error_result(TENCENT_ERRORS, code, _VENDOR_ZH, attempts)
