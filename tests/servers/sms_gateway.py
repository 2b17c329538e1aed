"""A local stand-in for Aliyun's and Tencent's SendSms endpoints, on one port.

The vendor is recognised like the real front ends would see it: ``x-acs-action`` (Aliyun) or
``X-TC-Action`` (Tencent). Every request's signature is re-computed from the raw request with
the known secrets (:mod:`tests.servers.vendor_auth`) and rejected the vendor's way — Aliyun
with a 4xx JSON error, Tencent with HTTP 200 and ``Response.Error``. Accepted messages are
recorded; ``script()`` queues failure modes for the next requests (see :data:`MODES`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.servers.http_base import BaseHandler, LocalHttpServer
from tests.servers.vendor_auth import VendorAuthError, check_acs3, check_tc3

ALIYUN_KEYS = {"LTAItestkey0001": "aliyun-test-secret"}
TENCENT_KEYS = {"AKIDtestkey0001": "tencent-test-secret"}
TENCENT_APP_ID = "1400000001"

# mode → Aliyun business error (HTTP 200)
_ALIYUN_CODES = {
    "rate_limit": ("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10"),
    "rate_limit_30s": ("isv.BUSINESS_LIMIT_CONTROL", "触发号码分钟级流控Permits:1"),
    "bad_template": ("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)"),
    "missing_params": ("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值"),
    "balance": ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"),
    "bad_phone": ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
    "bad_sign": ("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法(不存在或被拉黑)"),
    "unknown_code": ("isv.SOMETHING_NEW", "a code the client has never seen"),
    "vendor_internal": ("isp.SYSTEM_ERROR", "System error"),
}
# mode → Tencent (code, where): per-number status or whole-request Response.Error
_TENCENT_CODES = {
    "rate_limit": ("LimitExceeded.PhoneNumberDailyLimit", "status"),
    "rate_limit_30s": ("LimitExceeded.PhoneNumberThirtySecondLimit", "status"),
    "bad_phone": ("InvalidParameterValue.IncorrectPhoneNumber", "status"),
    "bad_template": ("FailedOperation.TemplateIncorrectOrUnapproved", "error"),
    "missing_params": ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "error"),
    "balance": ("FailedOperation.InsufficientBalanceInSmsPackage", "error"),
    "bad_sign": ("FailedOperation.SignatureIncorrectOrUnapproved", "error"),
    "unknown_code": ("FailedOperation.SomethingNew", "error"),
    "vendor_internal": ("InternalError.BackendTimeout", "error"),
}
# "slow" processes the message and answers after ``slow_seconds``; "drop" processes it and
# closes the connection without an answer.
MODES = ("ok", *_ALIYUN_CODES, "http_500", "http_503", "slow", "drop")


@dataclass(frozen=True)
class ReceivedRequest:
    """Every request that reached the server, authenticated or not."""

    vendor: str
    mode: str
    authenticated: bool
    headers: dict[str, str]
    params: dict[str, Any]


@dataclass(frozen=True)
class AcceptedSms:
    """A message the fake vendor took on (and would have delivered)."""

    vendor: str
    phone: str
    sign_name: str
    template: str
    params: Any
    idempotency_key: str
    message_id: str


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


class _Handler(BaseHandler):
    def do_POST(self) -> None:
        gateway: SmsGateway = self.server.owner
        gateway.handle(self)


class SmsGateway(LocalHttpServer):
    """Use as ``with SmsGateway() as gw:``; point providers at ``gw.url``."""

    handler = _Handler

    def __init__(self, *, slow_seconds: float = 1.0) -> None:
        super().__init__()
        self.slow_seconds = slow_seconds
        self.aliyun_keys = dict(ALIYUN_KEYS)
        self.tencent_keys = dict(TENCENT_KEYS)
        self.tencent_app_ids = {TENCENT_APP_ID}
        self.requests: list[ReceivedRequest] = []
        self.accepted: list[AcceptedSms] = []
        self._scripts: dict[str, deque[str]] = {"aliyun": deque(), "tencent": deque()}
        self._nonces: set[str] = set()
        self._lock = threading.Lock()

    def script(self, vendor: str, *modes: str) -> None:
        """Answer the next requests for ``vendor`` with ``modes`` in order, then ``ok``."""
        unknown = set(modes) - set(MODES)
        if unknown:
            raise ValueError(f"unknown modes: {unknown}")
        with self._lock:
            self._scripts[vendor].extend(modes)

    def count(self, vendor: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.vendor == vendor)

    # -- request handling ------------------------------------------------------------------
    def handle(self, h: BaseHandler) -> None:
        body = h.read_body()
        headers = h.lower_headers()
        parts = urlsplit(h.path)
        if "x-acs-action" in headers:
            self._aliyun(h, parts.path, parts.query, headers, body)
        elif "x-tc-action" in headers:
            self._tencent(h, parts.path, parts.query, headers, body)
        else:
            h.reply(404, _json({"Code": "NotFound", "Message": "unknown API"}))

    def _next_mode(self, vendor: str) -> str:
        with self._lock:
            queue = self._scripts[vendor]
            return queue.popleft() if queue else "ok"

    def _record(self, request: ReceivedRequest, sms: AcceptedSms | None = None) -> None:
        with self._lock:
            self.requests.append(request)
            if sms is not None:
                self.accepted.append(sms)

    def _aliyun(
        self, h: BaseHandler, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> None:
        params = dict(parse_qsl(query, keep_blank_values=True))
        request_id = str(uuid.uuid4()).upper()

        def error(status: int, code: str, message: str) -> None:
            h.reply(status, _json({"RequestId": request_id, "Code": code, "Message": message}))

        try:
            check_acs3(
                h.command,
                path,
                query,
                headers,
                body,
                secrets_by_key=self.aliyun_keys,
                now=datetime.now(UTC),
            )
            with self._lock:
                nonce = headers["x-acs-signature-nonce"]
                if nonce in self._nonces:
                    raise VendorAuthError(
                        "SignatureNonceUsed", "Specified signature nonce was used."
                    )
                self._nonces.add(nonce)
        except VendorAuthError as exc:
            self._record(ReceivedRequest("aliyun", "auth", False, headers, params))
            status = 404 if exc.code == "InvalidAccessKeyId.NotFound" else 400
            error(status, exc.code, exc.message)
            return
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            self._record(ReceivedRequest("aliyun", "bad_action", True, headers, params))
            error(400, "InvalidAction.NotFound", "Specified api is not found.")
            return
        mode = self._next_mode("aliyun")
        request = ReceivedRequest("aliyun", mode, True, headers, params)
        missing = [k for k in ("PhoneNumbers", "SignName", "TemplateCode") if not params.get(k)]
        if missing:
            self._record(request)
            error(400, f"Missing{missing[0]}", f"{missing[0]} is mandatory for this action.")
            return
        if mode in {"http_500", "http_503"}:
            self._record(request)
            error(
                int(mode[-3:]),
                "ServiceUnavailable",
                "The request has failed due to a server error.",
            )
            return
        if mode in _ALIYUN_CODES:
            self._record(request)
            code, message = _ALIYUN_CODES[mode]
            error(200, code, message)
            return
        biz_id = f"{int(time.time() * 1000)}^{len(self.accepted)}"
        sms = AcceptedSms(
            "aliyun",
            params["PhoneNumbers"],
            params["SignName"],
            params["TemplateCode"],
            json.loads(params.get("TemplateParam") or "{}"),
            params.get("OutId", ""),
            biz_id,
        )
        self._record(request, sms)
        self._finish(
            h, mode, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}
        )

    def _tencent(
        self, h: BaseHandler, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> None:
        request_id = str(uuid.uuid4())
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}

        def error(code: str, message: str) -> None:
            payload = {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
            h.reply(200, _json({"Response": payload}))

        try:
            check_tc3(
                h.command,
                path,
                query,
                headers,
                body,
                secrets_by_id=self.tencent_keys,
                now=time.time(),
            )
        except VendorAuthError as exc:
            self._record(ReceivedRequest("tencent", "auth", False, headers, params))
            error(exc.code, exc.message)
            return
        mode = self._next_mode("tencent")
        request = ReceivedRequest("tencent", mode, True, headers, params)
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            self._record(request)
            error("InvalidAction", "The action or version is invalid.")
            return
        if not headers.get("x-tc-region"):
            self._record(request)
            error("MissingParameter", "The region is missing.")
            return
        if params.get("SmsSdkAppId") not in self.tencent_app_ids:
            self._record(request)
            error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId does not exist.")
            return
        if mode in {"http_500", "http_503"}:
            self._record(request)
            h.reply(int(mode[-3:]), b"<html>Bad Gateway</html>", "text/html")
            return
        phone = (params.get("PhoneNumberSet") or [""])[0]
        code, where = _TENCENT_CODES.get(mode, ("Ok", "status"))
        if not (phone.startswith("+861") and len(phone) == 14 and phone[1:].isdigit()):
            code, where = "InvalidParameterValue.IncorrectPhoneNumber", "status"
        if where == "error":
            self._record(request)
            error(code, "scripted failure")
            return
        serial = f"5000:{uuid.uuid4().int % 10**20}"
        status = {
            "SerialNo": serial if code == "Ok" else "",
            "PhoneNumber": phone,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": params.get("SessionContext", ""),
            "Code": code,
            "Message": "send success" if code == "Ok" else "scripted failure",
            "IsoCode": "CN",
        }
        sms = None
        if code == "Ok":
            sms = AcceptedSms(
                "tencent",
                phone,
                params.get("SignName", ""),
                params.get("TemplateId", ""),
                params.get("TemplateParamSet", []),
                params.get("SessionContext", ""),
                serial,
            )
        self._record(request, sms)
        payload = {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
        self._finish(h, mode, payload)

    def _finish(self, h: BaseHandler, mode: str, payload: dict[str, Any]) -> None:
        """Answer a processed message, slowly or not at all when the mode says so."""
        if mode == "drop":
            h.drop()
            return
        if mode == "slow":
            time.sleep(self.slow_seconds)
        h.reply(200, _json(payload))
