"""Keep S3 credentials out of every log line, at every level.

botocore's debug output (``-v``) prints the signed ``Authorization`` header
(``Credential=<access key id>/…, Signature=…``), the canonical request with
``x-amz-security-token``, the string to sign and the signature, and presigned URLs carry
``X-Amz-Credential``/``X-Amz-Signature``. A filter on the root logger's **handlers** (a
logger filter would miss records propagated from ``botocore.*``) rewrites each record before
it is formatted: the known patterns, plus every secret value registered with
:func:`remember` (the configured key id and secret, wherever they turn up, e.g. in an error
text), become ``***``.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["CredentialFilter", "install", "redact", "remember"]

MASK = "***"
_PATTERNS = (
    # Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/s3/aws4_request, …
    re.compile(r"(?i)(X-Amz-Credential=|Credential=)[^,&\s'\"]+"),
    re.compile(r"(?i)(X-Amz-Signature=|Signature=)[^,&\s'\"]+"),
    re.compile(r"(?i)(X-Amz-Security-Token['\"]?[=:]\s*(?:b?['\"])?)[^&\s'\"]+"),
    re.compile(
        r"(?i)(aws_secret_access_key|aws_access_key_id|secret_access_key)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
    ),
    # botocore logs "Signature:\n<hex>" on its own line
    re.compile(r"(Signature:\s*\n)[0-9a-f]{16,}"),
    # the v2 scheme and presigned v2 URLs: "AWS AKID:signature", "AWSAccessKeyId=AKID"
    re.compile(r"(AWSAccessKeyId=)[^&\s'\"]+"),
    re.compile(r"(\bAWS )[A-Za-z0-9]{8,}:[A-Za-z0-9+/=]+"),
)
_known: set[str] = set()
_lock = threading.Lock()


def remember(*values: str | None) -> None:
    """Register secret values (the configured key id and secret) to mask wherever they appear."""
    with _lock:
        _known.update(v for v in values if v and len(v) >= 4)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: "".join(g or "" for g in m.groups()) + MASK, text)
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


class CredentialFilter(logging.Filter):
    """Rewrites the record's message (and exception text) with credentials masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it to the handler's own error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (default: root) that lacks one."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, CredentialFilter) for f in handler.filters):
            handler.addFilter(CredentialFilter())
