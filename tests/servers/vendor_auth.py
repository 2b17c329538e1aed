"""Server-side signature checks for Aliyun ACS3 and Tencent TC3, written independently.

Deliberately not shared with the client's signers: verifying with the code under test would
hide a canonicalisation mistake on both sides. Works on the raw request as received.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

_ACS3 = re.compile(
    r"ACS3-HMAC-SHA256 Credential=(?P<ak>[^,]+),SignedHeaders=(?P<sh>[^,]+),"
    r"Signature=(?P<sig>[0-9a-f]+)"
)
_TC3 = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>[0-9-]+)/(?P<svc>[a-z]+)/tc3_request,"
    r" ?SignedHeaders=(?P<sh>[a-z0-9;-]+), ?Signature=(?P<sig>[0-9a-f]{64})"
)


class VendorAuthError(Exception):
    """The request fails authentication; ``code`` is the vendor's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_acs3(
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets_by_key: Mapping[str, str],
    now: datetime,
    max_skew: timedelta = timedelta(minutes=15),
) -> str:
    """Verify an Aliyun V3 request; return the AccessKey ID or raise :class:`VendorAuthError`.

    ``headers`` must be keyed by lower-case names.
    """
    match = _ACS3.fullmatch(headers.get("authorization", ""))
    if not match:
        raise VendorAuthError("IncompleteSignature", "The request signature does not conform.")
    ak = match["ak"]
    if ak not in secrets_by_key:
        raise VendorAuthError("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    signed = match["sh"].split(";")
    required = {"host"} | {h for h in headers if h.startswith("x-acs-")}
    if "content-type" in headers:
        required.add("content-type")
    if set(signed) != required or signed != sorted(signed):
        raise VendorAuthError("IncompleteSignature", "SignedHeaders does not match the request.")
    try:
        sent_at = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise VendorAuthError("InvalidTimeStamp.Format", "x-acs-date is malformed.") from None
    if abs(now - sent_at.replace(tzinfo=UTC)) > max_skew:
        raise VendorAuthError(
            "InvalidTimeStamp.Expired", "Specified time stamp or date is expired."
        )
    if headers.get("x-acs-content-sha256") != _sha(body):
        raise VendorAuthError("SignatureDoesNotMatch", "x-acs-content-sha256 does not match body.")
    pairs = sorted(
        (quote(k, safe=""), quote(v, safe=""))
        for k, v in parse_qsl(raw_query, keep_blank_values=True)
    )
    canonical = "\n".join(
        [
            method,
            path,
            "&".join(f"{k}={v}" for k, v in pairs),
            "".join(f"{h}:{headers[h].strip()}\n" for h in signed),
            match["sh"],
            _sha(body),
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + _sha(canonical.encode())
    expected = hmac.new(secrets_by_key[ak].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["sig"]):
        raise VendorAuthError(
            "SignatureDoesNotMatch",
            "Specified signature does not match our calculation. "
            f"server string to sign is:{to_sign}",
        )
    return ak


def check_tc3(
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets_by_id: Mapping[str, str],
    now: float,
    max_skew: float = 300.0,
) -> str:
    """Verify a Tencent TC3 request; return the SecretId or raise :class:`VendorAuthError`."""
    match = _TC3.fullmatch(headers.get("authorization", ""))
    if not match:
        raise VendorAuthError("AuthFailure.InvalidAuthorization", "Authorization is invalid.")
    if match["id"] not in secrets_by_id:
        raise VendorAuthError("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
    try:
        timestamp = int(headers.get("x-tc-timestamp", ""))
    except ValueError:
        raise VendorAuthError("MissingParameter", "X-TC-Timestamp is missing.") from None
    if abs(now - timestamp) > max_skew:
        raise VendorAuthError("AuthFailure.SignatureExpire", "Signature expired.")
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed = match["sh"].split(";")
    if match["date"] != date or not {"content-type", "host"} <= set(signed):
        raise VendorAuthError("AuthFailure.SignatureFailure", "Credential scope is invalid.")
    canonical = "\n".join(
        [
            method,
            path,
            raw_query,
            "".join(f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed),
            match["sh"],
            _sha(body),
        ]
    )
    scope = f"{date}/{match['svc']}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{_sha(canonical.encode())}"
    key = ("TC3" + secrets_by_id[match["id"]]).encode()
    for part in (date, match["svc"], "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["sig"]):
        raise VendorAuthError(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature.",
        )
    return match["id"]
