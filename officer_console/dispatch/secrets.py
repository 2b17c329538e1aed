"""Moved to :mod:`officer_console.credentials` (settings and the evidence store read secrets
too, and must not import dispatch); this name stays for existing imports."""

from officer_console.credentials import (
    ENV_PREFIX,
    KEYRING_SERVICE,
    SECRET_NAMES,
    env_name,
    get_secret,
)

__all__ = ["ENV_PREFIX", "KEYRING_SERVICE", "SECRET_NAMES", "env_name", "get_secret"]
