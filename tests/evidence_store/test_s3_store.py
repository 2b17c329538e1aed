"""The S3 backend against a real S3-protocol server (moto_server on loopback) via boto3."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from officer_console.evidence_store import IntegrityFailure, StoreUnavailable
from officer_console.evidence_store.base import EvidenceMissing
from officer_console.evidence_store.s3 import S3Store
from tests.evidence_store.conftest import s3_config
from tests.servers.s3_server import S3Server, make_tls, start_s3_server

PDF = b"%PDF-1.4\n% decision\n%%EOF\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_document_is_uploaded_read_back_and_verified(s3_store: S3Store) -> None:
    result = s3_store.put_bytes("decisions/2026/d1.pdf", PDF)
    assert (result.sha256, result.size, result.verified) == (_sha(PDF), len(PDF), "readback")
    assert not result.existed
    assert s3_store.exists("decisions/2026/d1.pdf")
    assert not s3_store.exists("decisions/2026/other.pdf")
    assert s3_store.read("decisions/2026/d1.pdf") == PDF
    assert s3_store.verify("decisions/2026/d1.pdf", _sha(PDF), len(PDF))
    with pytest.raises(EvidenceMissing):
        s3_store.read("decisions/2026/other.pdf")


def test_writing_the_same_bytes_again_is_a_no_op_and_other_bytes_are_refused(
    s3_store: S3Store,
) -> None:
    s3_store.put_bytes("decisions/d2.pdf", PDF)
    again = s3_store.put_bytes("decisions/d2.pdf", PDF)
    assert again.existed and again.sha256 == _sha(PDF)
    with pytest.raises(IntegrityFailure, match="不可覆盖"):
        s3_store.put_bytes("decisions/d2.pdf", PDF + b"changed")
    assert s3_store.read("decisions/d2.pdf") == PDF


def test_a_hash_mismatch_is_detected(
    s3_server: S3Server, s3_store: S3Store, tmp_path: Path
) -> None:
    # The caller's hash does not match the bytes: nothing is written.
    with pytest.raises(IntegrityFailure):
        s3_store.put_bytes("decisions/d3.pdf", PDF, sha256=_sha(b"something else"))
    assert not s3_store.exists("decisions/d3.pdf")
    # A file changed after it was hashed (the evidence row's hash is the truth): refused.
    path = tmp_path / "rec.mp4"
    path.write_bytes(os.urandom(1000))
    recorded = _sha(path.read_bytes())
    path.write_bytes(os.urandom(1000))
    with pytest.raises(IntegrityFailure):
        s3_store.put_file("recordings/r.mp4", path, sha256=recorded)
    # An object altered behind the store's back no longer verifies.
    s3_store.put_bytes("decisions/d4.pdf", PDF)
    s3_server.client().put_object(Bucket=s3_store.config.bucket, Key="decisions/d4.pdf", Body=b"x")
    assert not s3_store.verify("decisions/d4.pdf", _sha(PDF))


def test_a_large_recording_goes_up_in_parts(s3_server: S3Server, tmp_path: Path) -> None:
    store = S3Store(
        s3_config(s3_server, s3_server.bucket(), part_size=5 << 20), state_dir=tmp_path / "up"
    )
    path = tmp_path / "big.mp4"
    path.write_bytes(os.urandom((12 << 20) + 123))
    sent: list[int] = []
    parts: list[int] = []
    store.client.meta.events.register(
        "provide-client-params.s3.UploadPart",
        lambda params, **_: parts.append(params["PartNumber"]),
    )
    result = store.put_file("recordings/2026/12/big.mp4", path, progress=sent.append)
    assert parts == [1, 2, 3]
    assert sent[-1] == path.stat().st_size
    assert result.sha256 == _sha(path.read_bytes()) and result.size == path.stat().st_size
    assert store.verify("recordings/2026/12/big.mp4", result.sha256, result.size)
    assert list((tmp_path / "up").glob("*.json")) == []  # the resume state is gone


def test_object_lock_retention_refuses_a_delete(s3_server: S3Server, locked_store: S3Store) -> None:
    assert locked_store.object_lock_enabled()
    locked_store.put_bytes("decisions/locked.pdf", PDF)
    client = s3_server.client()
    head = client.head_object(Bucket=locked_store.config.bucket, Key="decisions/locked.pdf")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError) as refused:
        client.delete_object(
            Bucket=locked_store.config.bucket,
            Key="decisions/locked.pdf",
            VersionId=head["VersionId"],
        )
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(StoreUnavailable):
        locked_store.delete("decisions/locked.pdf")
    # A "delete" without a version only hides it behind a marker; the version stays.
    client.delete_object(Bucket=locked_store.config.bucket, Key="decisions/locked.pdf")
    body = client.get_object(
        Bucket=locked_store.config.bucket, Key="decisions/locked.pdf", VersionId=head["VersionId"]
    )["Body"].read()
    assert body == PDF


def test_describe_reports_reachable_writable_and_object_lock(
    s3_server: S3Server, s3_store: S3Store, locked_store: S3Store
) -> None:
    plain = s3_store.describe()
    assert plain.reachable and plain.writable and not plain.problems
    assert plain.object_lock.startswith("未启用")
    locked = locked_store.describe()
    assert locked.reachable and locked.writable and locked.object_lock.startswith("已启用")
    assert "保留 1 天" in locked.object_lock
    uploads = s3_server.client().list_multipart_uploads(Bucket=s3_store.config.bucket)
    assert not uploads.get("Uploads")  # the write probe left nothing behind
    missing = S3Store(s3_config(s3_server, "no-such-bucket-here"))
    report = missing.describe()
    assert not report.reachable and report.problems


def test_an_unreachable_server_is_a_clear_message(tmp_path: Path) -> None:
    from officer_console.evidence_store.s3 import S3Config
    from tests.servers.s3_server import KEY_ID, KEY_SECRET

    store = S3Store(
        S3Config(
            endpoint="http://127.0.0.1:9",
            bucket="evidence",
            access_key_id=KEY_ID,
            secret_access_key=KEY_SECRET,
        )
    )
    with pytest.raises(StoreUnavailable, match="暂不可用"):
        store.put_bytes("decisions/x.pdf", PDF)
    assert not store.describe().reachable


def test_keys_cannot_escape_the_store(s3_store: S3Store) -> None:
    for key in ("../x.pdf", "a/../../x", "/etc/passwd", "a//b", "", "a/./b"):
        with pytest.raises(ValueError, match="invalid evidence key"):
            s3_store.put_bytes(key, PDF)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_is_verified_against_the_configured_ca(tmp_path: Path) -> None:
    ca, cert, key = make_tls(tmp_path / "tls")
    server = start_s3_server(tmp_path / "moto-tls.log", tls=(cert, key))
    try:
        server.ca = ca
        bucket = server.bucket()
        unverified = S3Store(s3_config(server, bucket))
        with pytest.raises(StoreUnavailable, match="TLS 证书未通过验证"):
            unverified.put_bytes("decisions/t.pdf", PDF)
        trusted = S3Store(s3_config(server, bucket, ca_bundle=str(ca)))
        assert trusted.put_bytes("decisions/t.pdf", PDF).verified == "readback"
        assert trusted.describe().writable
        unchecked = S3Store(s3_config(server, bucket, verify_tls=False))
        assert unchecked.read("decisions/t.pdf") == PDF
    finally:
        server.stop()
