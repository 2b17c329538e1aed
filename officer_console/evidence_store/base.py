"""The evidence store interface: one object every reader and writer of evidence goes through.

Keys are the POSIX paths stored in ``EvidenceFile.path`` (``recordings/2026/12/appt7-….mp4``,
``decisions/…pdf``): relative, no ``..``, no empty parts — the same key names the file in a
directory store and the object in a bucket. Evidence is write-once: writing a key that already
holds *the same bytes* is a no-op (a retry after a crash), different bytes are refused.

Every write is verified before it returns: the copy in the store is read back and re-hashed
against the SHA-256 the caller knows (or computed from what it sent). Nothing that returns a
:class:`PutResult` has been trusted to a server's word alone.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from officer_console.domain.errors import ConflictError, DomainError, NotFoundError

__all__ = [
    "BLOCK",
    "EvidenceMissing",
    "EvidenceStore",
    "IntegrityFailure",
    "Progress",
    "PutResult",
    "StoreReport",
    "StoreUnavailable",
    "check_key",
    "hash_stream",
    "sha256_file",
]

BLOCK = 1 << 20
Progress = Callable[[int], None]  # bytes sent so far
_KEY_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+=-]{0,199}")


class StoreUnavailable(DomainError):
    """The store cannot be reached or written (network, share not mounted, credentials)."""

    code = "evidence_store_unavailable"


class EvidenceMissing(NotFoundError):
    code = "evidence_missing"


class IntegrityFailure(ConflictError):
    """The stored bytes do not hash to what the evidence row (or the writer) says."""

    code = "evidence_integrity"


@dataclass(frozen=True)
class PutResult:
    key: str
    sha256: str
    size: int
    verified: str  # how the copy was checked: "readback" (re-hashed from the store)
    existed: bool = False  # the key already held these bytes (an idempotent retry)


@dataclass
class StoreReport:
    """What ``officer-admin check`` prints about the store (Chinese lines)."""

    kind: str
    location: str
    reachable: bool = False
    writable: bool = False
    object_lock: str = "不适用"
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        yes = {True: "是", False: "否"}
        return [
            f"证据存储: {self.kind}  {self.location}",
            f"  可访问: {yes[self.reachable]}  可写入: {yes[self.writable]}",
            f"  对象锁定: {self.object_lock}",
        ]


def check_key(key: str) -> str:
    """Refuse keys that could escape the store or name two things (``..``, ``//``, ``\\``)."""
    parts = key.split("/")
    if not key or len(key) > 400 or not all(_KEY_PART.fullmatch(p) for p in parts):
        raise ValueError(f"invalid evidence key: {key!r}")
    if any(p in {".", ".."} for p in parts):
        raise ValueError(f"invalid evidence key: {key!r}")
    return key


def hash_stream(chunks: Iterator[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _blocks(fh: BinaryIO) -> Iterator[bytes]:
    return iter(lambda: fh.read(BLOCK), b"")


def sha256_file(path: Path) -> tuple[str, int]:
    with path.open("rb") as fh:
        return hash_stream(_blocks(fh))


class EvidenceStore(ABC):
    """``put_bytes``/``put_file`` (verified), ``open``/``read``, ``exists``, ``verify``."""

    kind: str = ""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, *, sha256: str | None = None) -> PutResult:
        """Store ``data`` under ``key`` and verify it; ``sha256`` when the caller has it.

        Small files (documents): cheap enough to call inside a transaction's work function,
        so a failure (:class:`StoreUnavailable`) rolls the step back with its message.
        """

    @abstractmethod
    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, progress: Progress | None = None
    ) -> PutResult:
        """Store a (large) file; resumable where the backend allows (S3 multipart)."""

    @abstractmethod
    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A readable binary stream of the object (raises :class:`EvidenceMissing`)."""

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    def digest(self, key: str) -> tuple[str, int]:
        """SHA-256 and size of what the store holds (read back in full)."""
        with self.open(key) as fh:
            return hash_stream(_blocks(fh))

    def verify(self, key: str, sha256: str, size: int | None = None) -> bool:
        """True when the stored object re-hashes to ``sha256`` (and has ``size``)."""
        try:
            digest, length = self.digest(key)
        except EvidenceMissing:
            return False
        return digest == sha256 and (size is None or length == size)

    def local_path(self, key: str) -> Path | None:
        """A file path readers may open directly (directory stores), else None."""
        return None

    @abstractmethod
    def describe(self, *, probe: bool = True) -> StoreReport:
        """Reachability, a write probe (``probe``) and object lock, for ``officer-admin check``."""

    def _checked(
        self, key: str, sha256: str | None, got: tuple[str, int], *, existed: bool
    ) -> PutResult:
        digest, size = got
        if sha256 is not None and digest != sha256:
            raise IntegrityFailure(
                f"证据 {key} 写入后校验失败（SHA-256 不一致），未记为已存储",
                code="evidence_integrity",
            )
        return PutResult(key, digest, size, "readback", existed)
