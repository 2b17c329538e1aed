"""The SMS configuration error, in a module without ``requests`` so settings can use it."""

from __future__ import annotations

from officer_console.domain.errors import DomainError

__all__ = ["SmsError"]


class SmsError(DomainError):
    """The SMS provider is not configured correctly (missing key, bad endpoint…)."""

    code = "sms_config"
