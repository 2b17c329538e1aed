"""S3-compatible backend (MinIO or Ceph RGW on the intranet, or a cloud object store), boto3.

Why boto3 rather than the MinIO SDK: resuming a multipart upload after the console was killed
needs the low-level calls (``ListParts``, ``UploadPart``, ``CompleteMultipartUpload``) as a
public, documented API — boto3 has them, the MinIO SDK keeps them private; boto3 also exposes
every object-lock header (``ObjectLockMode``/``ObjectLockRetainUntilDate``), per-request
SHA-256 checksums and path-style addressing for intranet endpoints, and is maintained by AWS
with releases several times a week. Its cost is size (≈ 35 MB installed with botocore).

Writes: objects up to ``part_size`` go in one ``PutObject``; larger files in a multipart
upload whose id is kept in ``state_dir`` so an interrupted upload (network, kill -9) resumes
where it stopped: parts the server already holds are kept when their ETag equals the MD5 of
the same local bytes, the rest are sent again. Each request carries the SHA-256 of its bytes.
Where the bucket has object lock enabled, objects are written in COMPLIANCE mode retained for
``retention_days``: nobody, not even the key holder, can delete or overwrite that version
before then. After the upload the object is read back and re-hashed — the only check that
does not depend on which checksum features a given S3 implementation honours.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from officer_console.evidence_store.base import (
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

__all__ = ["S3Config", "S3Store"]

log = logging.getLogger("officer_console.evidence_store.s3")
MIN_PART = 5 << 20  # S3's smallest part (except the last)
_NOT_FOUND = {
    "NoSuchKey",
    "NoSuchUpload",
    "404",
    "NotFound",
    "ObjectLockConfigurationNotFoundError",
    "NotImplemented",
}


@dataclass(frozen=True)
class S3Config:
    endpoint: str
    bucket: str
    region: str = "us-east-1"
    verify_tls: bool = True
    ca_bundle: str = ""
    prefix: str = ""
    retention_days: int = 3650
    part_size: int = 16 << 20
    access_key_id: str = field(default="", repr=False)
    secret_access_key: str = field(default="", repr=False)

    @property
    def location(self) -> str:
        where = self.endpoint or "AWS"
        return f"{where}/{self.bucket}/{self.prefix}".rstrip("/")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:60] or "host"


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3Store(EvidenceStore):
    kind = "s3"

    def __init__(self, config: S3Config, *, state_dir: Path | None = None) -> None:
        self.config = config
        self.state_dir = state_dir
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._lock: bool | None = None  # bucket has object lock (asked once)

    def __repr__(self) -> str:
        return f"S3Store({self.config.location})"

    @property
    def client(self) -> Any:
        with self._client_lock:  # one client, shared: boto3 clients are thread-safe
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        cfg = self.config
        verify: bool | str = cfg.ca_bundle or cfg.verify_tls
        return boto3.session.Session().client(
            "s3",
            endpoint_url=cfg.endpoint or None,
            region_name=cfg.region,
            verify=verify,
            aws_access_key_id=cfg.access_key_id or None,
            aws_secret_access_key=cfg.secret_access_key or None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def _key(self, key: str) -> str:
        check_key(key)
        prefix = self.config.prefix.strip("/")
        return f"{prefix}/{key}" if prefix else key

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        code = _code(exc)
        if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}:
            return StoreUnavailable(
                f"对象存储拒绝访问（{code}）：请检查访问密钥（环境变量或钥匙串）与存储桶权限"
            )
        if code in {"NoSuchBucket", "404"}:
            return StoreUnavailable(f"对象存储中没有存储桶 {self.config.bucket}")
        if type(exc).__name__ == "SSLError":
            return StoreUnavailable(
                f"对象存储 {self.config.endpoint} 的 TLS 证书未通过验证：请将内网 CA 证书文件"
                "设置为 s3_ca_bundle（不建议关闭 s3_tls_verify）"
            )
        return StoreUnavailable(
            f"对象存储 {self.config.endpoint or 'AWS'} 暂不可用（{code or type(exc).__name__}）"
        )  # no promise here: only the recordings' upload worker keeps a spool and retries

    def _call(self, name: str, **kwargs: Any) -> Any:
        """One S3 call; "not found" answers stay ``ClientError``, the rest become
        :class:`StoreUnavailable` with a message for the officer."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, name)(Bucket=self.config.bucket, **kwargs)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc

    # --- object lock --------------------------------------------------------------------------
    def object_lock_enabled(self) -> bool:
        if self._lock is None:
            from botocore.exceptions import ClientError

            try:
                answer = self._call("get_object_lock_configuration")
                enabled = answer.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
                self._lock = enabled == "Enabled"
            except ClientError:  # not configured, or not implemented by this server
                self._lock = False
        return self._lock

    def _lock_args(self) -> dict[str, Any]:
        days = self.config.retention_days
        if days <= 0 or not self.object_lock_enabled():
            return {}
        return {
            "ObjectLockMode": "COMPLIANCE",
            "ObjectLockRetainUntilDate": datetime.now(UTC) + timedelta(days=days),
        }

    # --- writing ------------------------------------------------------------------------------
    def put_bytes(self, key: str, data: bytes, *, sha256: str | None = None) -> PutResult:
        digest = hashlib.sha256(data).digest()
        if sha256 is not None and digest.hex() != sha256:
            raise IntegrityFailure(f"证据 {key} 的内容与其哈希不符，未写入")
        existing = self._existing(key, digest.hex())
        if existing is not None:
            return existing
        self._call(
            "put_object",
            Key=self._key(key),
            Body=data,
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=_b64(digest),
            Metadata={"sha256": digest.hex()},
            **self._lock_args(),
        )
        return self._checked(key, digest.hex(), self.digest(key), existed=False)

    def _existing(self, key: str, sha256: str) -> PutResult | None:
        """An object already under ``key``: the same bytes → done; others → refused."""
        if not self.exists(key):
            return None
        got = self.digest(key)
        if got[0] != sha256:
            raise IntegrityFailure(
                f"证据 {key} 已存在且内容不同，证据不可覆盖", code="evidence_exists"
            )
        return PutResult(key, got[0], got[1], "readback", existed=True)

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, progress: Progress | None = None
    ) -> PutResult:
        if sha256 is None:
            sha256, _ = sha256_file(path)
        size = path.stat().st_size
        part = max(MIN_PART, self.config.part_size)
        if size <= part:
            result = self.put_bytes(key, path.read_bytes(), sha256=sha256)
            if progress is not None:
                progress(size)
            return result
        existing = self._existing(key, sha256)
        if existing is not None:
            self._forget(key)
            return existing
        self._multipart(key, path, sha256, size=size, part=part, progress=progress)
        return self._checked(key, sha256, self.digest(key), existed=False)

    def _state_file(self, key: str) -> Path | None:
        if self.state_dir is None:
            return None
        name = hashlib.sha256(f"{self.config.location}|{key}".encode()).hexdigest()[:32]
        return self.state_dir / f"{name}.json"

    def _load_state(self, key: str, sha256: str, part: int) -> str | None:
        path = self._state_file(key)
        if path is None:
            return None
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if state.get("key") != key or state.get("sha256") != sha256 or state.get("part") != part:
            return None
        upload_id = state.get("upload_id")
        return upload_id if isinstance(upload_id, str) else None

    def _save_state(self, key: str, sha256: str, part: int, upload_id: str) -> None:
        path = self._state_file(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{secrets.token_hex(3)}.tmp")
        data = {"key": key, "sha256": sha256, "part": part, "upload_id": upload_id}
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)

    def _forget(self, key: str) -> None:
        path = self._state_file(key)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()

    def _listed_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None:
        """Parts the server holds for ``upload_id`` (None: the upload is gone)."""
        from botocore.exceptions import ClientError

        parts: dict[int, tuple[str, int]] = {}
        marker = 0
        try:
            while True:
                page = self._call(
                    "list_parts", Key=self._key(key), UploadId=upload_id, PartNumberMarker=marker
                )
                for item in page.get("Parts", []):
                    parts[int(item["PartNumber"])] = (str(item["ETag"]).strip('"'), item["Size"])
                if not page.get("IsTruncated"):
                    return parts
                marker = int(page["NextPartNumberMarker"])
        except ClientError:
            return None

    def _multipart(
        self, key: str, path: Path, sha256: str, *, size: int, part: int, progress: Progress | None
    ) -> None:
        upload_id = self._load_state(key, sha256, part)
        held = self._listed_parts(key, upload_id) if upload_id else None
        if upload_id is None or held is None:
            answer = self._call(
                "create_multipart_upload",
                Key=self._key(key),
                ChecksumAlgorithm="SHA256",
                Metadata={"sha256": sha256},
                **self._lock_args(),
            )
            upload_id, held = answer["UploadId"], {}
            self._save_state(key, sha256, part, upload_id)
        else:
            log.info("resuming upload of %s: %d part(s) already on the server", key, len(held))
        done: list[dict[str, Any]] = []
        sent = 0
        with path.open("rb") as fh:
            number = 0
            while block := fh.read(part):
                number += 1
                md5 = hashlib.md5(block, usedforsecurity=False).hexdigest()
                checksum = _b64(hashlib.sha256(block).digest())
                etag = md5
                if held.get(number) != (md5, len(block)):
                    answer = self._call(
                        "upload_part",
                        Key=self._key(key),
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=block,
                        ChecksumAlgorithm="SHA256",
                        ChecksumSHA256=checksum,
                    )
                    etag = str(answer["ETag"]).strip('"')
                done.append({"PartNumber": number, "ETag": f'"{etag}"', "ChecksumSHA256": checksum})
                sent += len(block)
                if progress is not None:
                    progress(sent)
        if sent != size:
            raise IntegrityFailure(f"证据文件 {path.name} 在上传时被改动，未记为已存储")
        answer = self._call(
            "complete_multipart_upload",
            Key=self._key(key),
            UploadId=upload_id,
            MultipartUpload={"Parts": done},
        )
        self._forget(key)
        lock = self._lock_args()
        if lock:  # not every server applies the lock given at CreateMultipartUpload
            version = {"VersionId": answer["VersionId"]} if answer.get("VersionId") else {}
            self._call(
                "put_object_retention",
                Key=self._key(key),
                Retention={
                    "Mode": lock["ObjectLockMode"],
                    "RetainUntilDate": lock["ObjectLockRetainUntilDate"],
                },
                **version,
            )

    # --- reading ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _opened(self, key: str) -> Iterator[BinaryIO]:
        from botocore.exceptions import ClientError

        try:
            answer = self._call("get_object", Key=self._key(key))
        except ClientError:
            raise EvidenceMissing(f"证据文件 {key} 不在对象存储中") from None
        body = answer["Body"]
        try:
            yield body
        finally:
            body.close()

    def open(self, key: str) -> contextlib.AbstractContextManager[BinaryIO]:
        return self._opened(key)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._call("head_object", Key=self._key(key))
        except ClientError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Delete every version of ``key`` (tests and tooling; object lock refuses it)."""
        versions = self._call("list_object_versions", Prefix=self._key(key))
        for item in [*versions.get("Versions", []), *versions.get("DeleteMarkers", [])]:
            if item["Key"] == self._key(key):
                self._call("delete_object", Key=item["Key"], VersionId=item["VersionId"])

    def describe(self, *, probe: bool = True) -> StoreReport:
        from botocore.exceptions import ClientError

        report = StoreReport(self.kind, self.config.location)
        try:
            self._call("head_bucket")
            report.reachable = True
            if probe:  # a multipart upload opened and aborted: no object is left behind
                probe_key = self._key(f"probe/{_host()}-{os.getpid()}")
                answer = self._call("create_multipart_upload", Key=probe_key)
                self._call("abort_multipart_upload", Key=probe_key, UploadId=answer["UploadId"])
                report.writable = True
            if self.object_lock_enabled():
                days = self.config.retention_days
                report.object_lock = (
                    f"已启用（合规模式，保留 {days} 天）"
                    if days > 0
                    else "已启用（未设置保留期：使用存储桶默认规则）"
                )
            else:
                report.object_lock = (
                    "未启用：持有密钥者可删除证据对象（建议新建启用对象锁定的存储桶）"
                )
        except StoreUnavailable as exc:
            report.problems.append(str(exc))
        except ClientError as exc:
            report.problems.append(str(self._unavailable(exc)))
        return report
