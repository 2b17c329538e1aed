"""Reading evidence for people: always re-hashed against the evidence row before use."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from officer_console.evidence_store.base import (
    BLOCK,
    EvidenceMissing,
    EvidenceStore,
    IntegrityFailure,
    sha256_file,
)

__all__ = ["fetch_to_file", "playable_copy", "read_verified"]


def read_verified(store: EvidenceStore, key: str, sha256: str, size: int | None = None) -> bytes:
    """The object's bytes, or :class:`IntegrityFailure` when they are not what the row says."""
    data = store.read(key)
    if hashlib.sha256(data).hexdigest() != sha256 or (size is not None and len(data) != size):
        raise IntegrityFailure(f"证据 {key} 校验失败（与登记的 SHA-256 不一致），已拒绝使用")
    return data


def fetch_to_file(store: EvidenceStore, key: str, sha256: str, folder: Path) -> Path:
    """A verified local copy of a (large) object for playback: the store's own file when it
    is a directory store, else streamed into ``folder`` while hashing. Raises on mismatch."""
    own = store.local_path(key)
    if own is not None:
        if not store.verify(key, sha256):
            raise IntegrityFailure(f"证据 {key} 校验失败（与登记的 SHA-256 不一致），已拒绝播放")
        return own
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(key).name
    tmp = folder / f".{target.name}.{secrets.token_hex(4)}.part"
    digest = hashlib.sha256()
    try:
        with store.open(key) as src, tmp.open("wb") as out:
            for block in iter(lambda: src.read(BLOCK), b""):
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != sha256:
            raise IntegrityFailure(f"证据 {key} 校验失败（与登记的 SHA-256 不一致），已拒绝播放")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def playable_copy(
    store: EvidenceStore, key: str, sha256: str, *, spool: Path, cache: Path
) -> tuple[Path, bool]:
    """A verified file to play: this workstation's spool copy if it has one, else the store's.
    Returns (path, temporary): a temporary copy should be deleted after playback."""
    spooled = spool / key
    if spooled.is_file() and sha256_file(spooled)[0] == sha256:
        return spooled, False
    try:
        path = fetch_to_file(store, key, sha256, cache)
    except EvidenceMissing:
        raise EvidenceMissing(
            "录像尚未上传到证据存储（仍在录制它的工作站的暂存区），请稍后再试"
        ) from None
    return path, store.local_path(key) is None
