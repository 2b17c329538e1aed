"""Aliyun SMS ``SendSms`` (API 2017-05-25) signed with ACS3-HMAC-SHA256 (signature V3).

The old HMAC-SHA1 scheme is discontinued and the official SDK is heavy, so the request is built
and signed here; :func:`acs3_sign` is checked against the vendor's worked example. Parameters go
in the query string (RPC style); the body is empty.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

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
from officer_console.dispatch.sms.messages import ALIYUN_ERRORS

__all__ = ["AliyunSmsConfig", "AliyunSmsProvider", "acs3_sign"]


ALGORITHM = "ACS3-HMAC-SHA256"
ENDPOINT = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"
_VENDOR_ZH = "阿里云短信平台"


def _encode(value: str) -> str:
    """RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return quote(value, safe="-_.~")


def canonical_query(query: Mapping[str, str]) -> str:
    """Sorted ``key=value`` pairs, both RFC 3986 encoded — also used to build the URL."""
    pairs = sorted((_encode(k), _encode(v)) for k, v in query.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def acs3_sign(  # noqa: PLR0917 (the inputs the vendor documents, in its order)
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    access_key_id: str,
    access_key_secret: str,
) -> tuple[str, str, str]:
    """Return ``(authorization_header, canonical_request, string_to_sign)``.

    Signed headers: ``host``, every ``x-acs-*`` header and ``content-type`` when present,
    lower-cased and sorted. ``headers`` must already hold ``x-acs-content-sha256`` (the hex
    SHA-256 of ``body``), ``x-acs-date``, ``x-acs-signature-nonce``, action and version.
    """
    signed: dict[str, str] = {"host": host.strip()}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-acs-") or lower == "content-type":
            signed[lower] = value.strip()
    names = sorted(signed)
    canonical_headers = "".join(f"{n}:{signed[n]}\n" for n in names)
    signed_headers = ";".join(names)
    canonical_request = "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query(query),
            canonical_headers,
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    signature = hmac.new(
        access_key_secret.encode(), string_to_sign.encode(), hashlib.sha256
    ).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},"
        f"Signature={signature}"
    )
    return authorization, canonical_request, string_to_sign


@dataclass(frozen=True)
class AliyunSmsConfig:
    """Credentials and endpoint; ``base_url`` is configurable so tests use a local server."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    base_url: str = ENDPOINT
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not self.access_key_id or not self.access_key_secret:
            raise SmsError("未配置阿里云短信 AccessKey ID 或 AccessKey Secret。")
        parts = urlsplit(self.base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise SmsError(f"阿里云短信接口地址无效：{self.base_url}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AliyunSmsProvider(VendorSmsProvider[AliyunSmsConfig, dict[str, str]]):
    """Sends through Aliyun ``SendSms``; every attempt is signed afresh (new nonce and date)."""

    name = "aliyun"
    vendor_zh = _VENDOR_ZH

    def __init__(
        self,
        config: AliyunSmsConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        super().__init__(config, sleep=sleep)
        self._clock = clock
        self._nonce = nonce

    def _request(self, msg: SmsMessage, number: str) -> dict[str, str]:
        return {
            "PhoneNumbers": number,
            "SignName": msg.sign_name,
            "TemplateCode": msg.template_code,
            "TemplateParam": json.dumps(msg.params, ensure_ascii=False, separators=(",", ":")),
            "OutId": msg.idempotency_key,
        }

    def _post(self, query: dict[str, str]) -> requests.Response:
        body = b""
        headers = {
            "x-acs-action": "SendSms",
            "x-acs-version": API_VERSION,
            "x-acs-date": self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "x-acs-signature-nonce": self._nonce(),
            "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        }
        authorization, _, _ = acs3_sign(
            "POST",
            self._host,
            "/",
            query,
            headers,
            body,
            self.config.access_key_id,
            self.config.access_key_secret,
        )
        url = f"{self._origin}/?{canonical_query(query)}"
        all_headers = {
            **headers,
            "Host": self._host,
            "Authorization": authorization,
            "Accept": "application/json",
        }
        return self._http_post(url, body, all_headers)

    def _interpret(self, response: requests.Response, attempts: int) -> SmsResult:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        code = payload.get("Code") if isinstance(payload, dict) else None
        if (
            not isinstance(payload, dict)
            or not isinstance(code, str)
            or response.status_code >= 500
        ):
            if response.status_code < 400:
                return unrecognised_response_result(_VENDOR_ZH, attempts)
            return http_error_result(response, _VENDOR_ZH, attempts)
        if code == "OK" and response.status_code == 200:
            return accepted_result(payload.get("BizId"), _VENDOR_ZH, attempts)
        return vendor_error_result(ALIYUN_ERRORS, code, _VENDOR_ZH, attempts)
