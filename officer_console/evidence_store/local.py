"""Directory backends: ``local`` (the data directory, default and demo) and ``path`` (a
mounted NAS/SMB/NFS share every workstation and the gateway see).

Both write crash-safe: the bytes go to a hidden ``.part`` file in the target directory, are
fsync'd, and appear under their key only by an atomic hard link (refused if the key already
exists, so two workstations can never overwrite each other's evidence) or, where the share
has no hard links, an exclusive-create check plus rename; then the directory is fsync'd.
The result is read back and re-hashed before it counts. Files are left read-only.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from officer_console.evidence_store.base import (
    BLOCK,
    EvidenceMissing,
    EvidenceStore,
    IntegrityFailure,
    Progress,
    PutResult,
    StoreReport,
    StoreUnavailable,
    check_key,
    sha256_file,
)

__all__ = ["DirectoryStore"]

_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS}


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform / share
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class DirectoryStore(EvidenceStore):
    """Evidence under ``root``; ``kind`` is ``local`` or ``path`` (same code, named apart so
    ``officer-admin check`` and the evidence rows say which one holds the copy)."""

    def __init__(self, root: Path, kind: str = "local") -> None:
        self.root = root
        self.kind = kind

    def __repr__(self) -> str:
        return f"DirectoryStore({self.kind}, {self.root})"

    def _path(self, key: str) -> Path:
        if Path(key).is_absolute():  # rows written before keys were relative (legacy)
            return Path(key)
        return self.root / check_key(key)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    # --- writing --------------------------------------------------------------------------
    def put_bytes(self, key: str, data: bytes, *, sha256: str | None = None) -> PutResult:
        digest = hashlib.sha256(data).hexdigest()
        if sha256 is not None and digest != sha256:
            raise IntegrityFailure(f"证据 {key} 的内容与其哈希不符，未写入")
        return self._put(key, lambda fh: fh.write(data), digest)

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, progress: Progress | None = None
    ) -> PutResult:
        target = self._path(key)
        with contextlib.suppress(OSError):
            if target.resolve() == path.resolve():  # the spool is the store: verify in place
                return self._checked(key, sha256, sha256_file(target), existed=True)

        def copy(out: BinaryIO) -> None:
            sent = 0
            with path.open("rb") as src:
                for block in iter(lambda: src.read(BLOCK), b""):
                    out.write(block)
                    sent += len(block)
                    if progress is not None:
                        progress(sent)

        if sha256 is None:
            sha256, _ = sha256_file(path)
        return self._put(key, copy, sha256)

    def _put(self, key: str, write: Callable[[BinaryIO], object], sha256: str | None) -> PutResult:
        target = self._path(key)
        if target.exists():
            return self._existing(key, target, sha256)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unavailable(exc) from exc
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.part"
        try:
            with tmp.open("xb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(OSError):
                tmp.chmod(0o444)
            self._publish(tmp, target)
        except FileExistsError:
            return self._existing(key, target, sha256)  # another workstation got there first
        except OSError as exc:
            raise self._unavailable(exc) from exc
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _fsync_dir(target.parent)
        return self._checked(key, sha256, sha256_file(target), existed=False)

    def _publish(self, tmp: Path, target: Path) -> None:
        """Atomic and never overwriting: a hard link fails if the key exists."""
        try:
            os.link(tmp, target)
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            if target.exists():
                raise FileExistsError(str(target)) from exc
            os.replace(tmp, target)

    def _existing(self, key: str, target: Path, sha256: str | None) -> PutResult:
        got = sha256_file(target)
        if sha256 is not None and got[0] != sha256:
            raise IntegrityFailure(
                f"证据 {key} 已存在且内容不同，证据不可覆盖", code="evidence_exists"
            )
        return self._checked(key, sha256, got, existed=True)

    def _unavailable(self, exc: OSError) -> StoreUnavailable:
        return StoreUnavailable(
            f"证据存储目录 {self.root} 无法写入（{exc.strerror or type(exc).__name__}），"
            "请检查磁盘或网络共享是否已挂载"
        )

    # --- reading --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _opened(self, key: str) -> Iterator[BinaryIO]:
        try:
            fh = self._path(key).open("rb")
        except FileNotFoundError:
            raise EvidenceMissing(f"证据文件 {key} 不在证据存储中") from None
        except OSError as exc:
            raise self._unavailable(exc) from exc
        with fh:
            yield fh

    def open(self, key: str) -> contextlib.AbstractContextManager[BinaryIO]:
        return self._opened(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def describe(self, *, probe: bool = True) -> StoreReport:
        report = StoreReport(self.kind, str(self.root))
        report.object_lock = "不支持（目录存储：请在共享存储端配置快照或只读保护）"
        if self.kind == "local":  # our own data directory: made on first use
            with contextlib.suppress(OSError):
                self.root.mkdir(parents=True, exist_ok=True)
        report.reachable = self.root.is_dir()
        if not report.reachable:
            report.problems.append(f"证据存储目录 {self.root} 不存在或未挂载")
            return report
        if probe:
            name = f".probe-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
            probe_path = self.root / name
            try:
                with probe_path.open("xb") as fh:
                    fh.write(b"probe")
                    os.fsync(fh.fileno())
                report.writable = probe_path.read_bytes() == b"probe"
            except OSError as exc:
                report.problems.append(f"证据存储目录 {self.root} 不可写: {exc.strerror}")
            finally:
                with contextlib.suppress(OSError):
                    probe_path.unlink()
        free = shutil.disk_usage(self.root).free
        if free < 1 << 30:
            report.problems.append(f"证据存储剩余空间不足 1 GB（{free >> 20} MB）")
        return report
