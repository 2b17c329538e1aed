"""The ``local`` and ``path`` backends: crash-safe, write-once, shared between data dirs."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from officer_console.config import ConfigError, load_settings
from officer_console.evidence_store import IntegrityFailure, StoreUnavailable, open_store
from officer_console.evidence_store.base import EvidenceMissing
from officer_console.evidence_store.local import DirectoryStore
from officer_console.evidence_store.s3 import S3Store

PDF = b"%PDF-1.4\n% decision\n%%EOF\n"


def test_a_document_is_written_atomically_read_only_and_verified(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "share", "path")
    result = store.put_bytes("decisions/2026/d1.pdf", PDF)
    target = tmp_path / "share" / "decisions" / "2026" / "d1.pdf"
    assert target.read_bytes() == PDF and result.sha256 == hashlib.sha256(PDF).hexdigest()
    assert not stat.S_IMODE(target.stat().st_mode) & 0o222  # read-only
    assert [p.name for p in target.parent.iterdir()] == ["d1.pdf"]  # no .part left behind
    assert store.read("decisions/2026/d1.pdf") == PDF
    assert store.verify("decisions/2026/d1.pdf", result.sha256, len(PDF))
    assert store.put_bytes("decisions/2026/d1.pdf", PDF).existed
    with pytest.raises(IntegrityFailure, match="不可覆盖"):
        store.put_bytes("decisions/2026/d1.pdf", b"forged")
    assert target.read_bytes() == PDF
    with pytest.raises(EvidenceMissing):
        store.read("decisions/2026/none.pdf")


def test_two_data_dirs_share_one_evidence_directory(tmp_path: Path) -> None:
    share = tmp_path / "nas" / "evidence"
    share.mkdir(parents=True)
    a = open_store(
        load_settings(
            env={}, data_dir=tmp_path / "a", evidence_store="path", evidence_path=str(share)
        )
    )
    b = open_store(
        load_settings(
            env={}, data_dir=tmp_path / "b", evidence_store="path", evidence_path=str(share)
        )
    )
    recording = tmp_path / "a" / "spool.mp4"
    recording.parent.mkdir(parents=True)
    recording.write_bytes(os.urandom(3 << 20))
    digest = hashlib.sha256(recording.read_bytes()).hexdigest()
    a.put_file("recordings/2026/12/r1.mp4", recording, sha256=digest)
    b.put_bytes("decisions/d1.pdf", PDF)
    assert b.verify("recordings/2026/12/r1.mp4", digest)
    assert a.read("decisions/d1.pdf") == PDF
    assert a.describe().writable and b.describe().writable


def test_the_local_store_verifies_a_spool_file_in_place(tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data")
    store = open_store(settings)
    assert isinstance(store, DirectoryStore) and store.root == settings.evidence_dir
    path = settings.evidence_dir / "recordings" / "r.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"recording")
    result = store.put_file("recordings/r.mp4", path)
    assert result.existed and path.read_bytes() == b"recording"
    with pytest.raises(IntegrityFailure):
        store.put_file("recordings/r.mp4", path, sha256="0" * 64)


def test_an_unmounted_share_is_reported_not_created(tmp_path: Path) -> None:
    report = DirectoryStore(tmp_path / "not-mounted", "path").describe()
    assert not report.reachable and "未挂载" in report.problems[0]
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the share should be")
    with pytest.raises(StoreUnavailable, match="无法写入"):
        DirectoryStore(blocked, "path").put_bytes("decisions/x.pdf", PDF)


def test_store_settings_are_checked_with_a_chinese_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="evidence_path"):
        load_settings(env={}, data_dir=tmp_path, evidence_store="path")
    with pytest.raises(ConfigError, match="绝对路径"):
        load_settings(env={}, data_dir=tmp_path, evidence_store="path", evidence_path="rel/dir")
    with pytest.raises(ConfigError, match="s3_bucket"):
        load_settings(env={}, data_dir=tmp_path, evidence_store="s3")
    with pytest.raises(ConfigError, match="local 或 path 或 s3"):
        load_settings(env={}, data_dir=tmp_path, evidence_store="ftp")
    with pytest.raises(ConfigError, match="存储桶名"):
        load_settings(env={}, data_dir=tmp_path, evidence_store="s3", s3_bucket="Bad_Bucket")
    with pytest.raises(ConfigError, match="保留天数"):
        load_settings(env={}, data_dir=tmp_path, s3_retention_days=-1)
    with pytest.raises(ConfigError, match="不能包含用户名或密钥"):
        load_settings(
            env={},
            data_dir=tmp_path,
            evidence_store="s3",
            s3_bucket="evidence",
            s3_endpoint="https://key:secret@minio.local:9000",
        )
    config = tmp_path / "config.toml"
    config.write_text('evidence_store = "s3"\ns3_bucket = "ev"\ns3_secret_access_key = "x"\n')
    with pytest.raises(ConfigError, match="不能写密钥"):
        load_settings(env={}, config_file=config)


def test_s3_keys_come_only_from_the_environment_or_keyring(tmp_path: Path) -> None:
    settings = load_settings(
        env={}, data_dir=tmp_path, evidence_store="s3", s3_bucket="evidence-bucket"
    )
    with pytest.raises(StoreUnavailable, match="OFFICER_CONSOLE_S3_ACCESS_KEY_ID"):
        open_store(settings, env={})
    store = open_store(
        settings,
        env={
            "OFFICER_CONSOLE_S3_ACCESS_KEY_ID": "id",
            "OFFICER_CONSOLE_S3_SECRET_ACCESS_KEY": "secret",
        },
    )
    assert isinstance(store, S3Store) and "secret" not in repr(store.config)
