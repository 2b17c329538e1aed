"""Build the configured evidence store from settings; secrets from the environment/keyring.

``evidence_store = "local"`` keeps today's ``<data dir>/evidence``; ``path`` a mounted share;
``s3`` an S3-compatible bucket whose access keys are never settings: environment
``OFFICER_CONSOLE_S3_ACCESS_KEY_ID`` / ``OFFICER_CONSOLE_S3_SECRET_ACCESS_KEY`` or the keyring
entries of the same names (service ``officer-console``), as for the SMS vendor keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from officer_console.config import ENV_PREFIX, Settings
from officer_console.credentials import KEYRING_SERVICE, get_secret
from officer_console.evidence_store.base import EvidenceStore, StoreUnavailable
from officer_console.evidence_store.local import DirectoryStore
from officer_console.evidence_store.redaction import remember
from officer_console.evidence_store.s3 import S3Config, S3Store

__all__ = ["KEY_ID", "KEY_SECRET", "open_store", "spool_dir", "upload_state_dir"]

KEY_ID, KEY_SECRET = "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"


def spool_dir(settings: Settings) -> Path:
    """Where this workstation records (and keeps files until the store holds them)."""
    return settings.evidence_dir


def upload_state_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def open_store(settings: Settings, *, env: Mapping[str, str] | None = None) -> EvidenceStore:
    """The store ``settings`` name. Raises :class:`StoreUnavailable` (Chinese message) when a
    required secret is missing; never touches the network (that is ``describe``'s job)."""
    kind = settings.evidence_store
    if kind == "local":
        return DirectoryStore(settings.evidence_dir, "local")
    if kind == "path":
        return DirectoryStore(Path(settings.evidence_path).expanduser(), "path")
    key_id = get_secret(KEY_ID, env=env)
    secret = get_secret(KEY_SECRET, env=env)
    if not key_id or not secret:
        missing = "、".join(n for n, v in ((KEY_ID, key_id), (KEY_SECRET, secret)) if not v)
        raise StoreUnavailable(
            f"未设置对象存储访问密钥 {missing}：请设置环境变量 "
            f"{ENV_PREFIX}{KEY_ID} 和 {ENV_PREFIX}{KEY_SECRET}，"
            f"或保存到系统钥匙串（服务名 {KEYRING_SERVICE}，条目名同上）"
        )
    remember(key_id, secret)  # masked in every log line from now on (redaction.py)
    config = S3Config(
        endpoint=settings.s3_endpoint,
        bucket=settings.s3_bucket,
        region=settings.s3_region,
        verify_tls=settings.s3_tls_verify,
        ca_bundle=settings.s3_ca_bundle,
        prefix=settings.s3_prefix,
        retention_days=settings.s3_retention_days,
        part_size=settings.s3_part_size_mb << 20,
        access_key_id=key_id,
        secret_access_key=secret,
    )
    return S3Store(config, state_dir=upload_state_dir(settings))
