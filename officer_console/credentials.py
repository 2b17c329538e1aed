"""Secrets (SMS vendor, PBX, signing, object storage) from the environment or the OS keyring —
never from plain files. A neutral module: settings, dispatch, documents and the evidence store
all read secrets, so it belongs to none of them.

Environment first (``OFFICER_CONSOLE_<NAME>``: services and CI), then the keyring entry
``officer-console`` / ``<NAME>`` (workstations). Keyring backends that keep secrets in plain
or password-prompting files (``keyrings.alt``) are refused, and a broken backend (no D-Bus
session, locked collection) reads as "not set" so the caller can say what is missing.

:data:`SECRET_NAMES` are not :class:`~officer_console.config.Settings` fields: the settings
loader refuses them (and anything that looks like a password) in the TOML file.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping

__all__ = ["KEYRING_SERVICE", "SECRET_NAMES", "env_name", "get_secret"]

log = logging.getLogger("officer_console.credentials")

KEYRING_SERVICE = "officer-console"
ENV_PREFIX = "OFFICER_CONSOLE_"
_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_REFUSED_BACKEND_MODULES = ("keyrings.alt",)  # plaintext / file-based backends
# Vendor credentials (the key id travels with its secret), the AMI password, the webhook key.
SECRET_NAMES = (
    "SMS_ACCESS_KEY_ID",
    "SMS_ACCESS_KEY_SECRET",
    "SMS_SECRET_ID",
    "SMS_SECRET_KEY",
    "AMI_SECRET",
    "DIALER_WEBHOOK_SECRET",
    "SIGNING_P12_PASSWORD",  # the unit's document-signing PKCS#12 (docs/documents.md)
    # evidence store (S3-compatible object storage)
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
)


def env_name(name: str) -> str:
    """The environment variable that holds secret ``name``."""
    return ENV_PREFIX + name


def _keyring_lookup(name: str) -> str | None:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return None
        if type(backend).__module__.startswith(_REFUSED_BACKEND_MODULES):
            log.warning(
                "keyring backend %s keeps secrets in files; ignored", type(backend).__name__
            )
            return None
        value = backend.get_password(KEYRING_SERVICE, name)
    except Exception as exc:  # any backend failure means "not available here"
        log.warning("keyring lookup of %s failed: %s", name, type(exc).__name__)
        return None
    return value or None


def get_secret(name: str, *, env: Mapping[str, str] | None = None) -> str | None:
    """Return secret ``name`` (e.g. ``SMS_ACCESS_KEY_SECRET``) or None when it is not set."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"secret names are upper-case identifiers: {name!r}")
    source = os.environ if env is None else env
    value = source.get(env_name(name), "").strip()
    if value:
        return value
    return _keyring_lookup(name)
