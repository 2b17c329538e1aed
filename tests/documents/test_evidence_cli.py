"""``officer-admin verify-evidence`` and ``export-case`` as IT runs them (subprocess)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import load_settings
from officer_console.documents.democa import ensure_demo_pki
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.db.models import AuditEvent, EvidenceFile
from tests.documents.world import IssuedCase, issued_case

BIN = Path(sys.executable).with_name("officer-admin")


def admin(
    args: list[str], url: str, data_dir: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OFFICER_CONSOLE_DATABASE_URL": url,
        "OFFICER_CONSOLE_DATA_DIR": str(data_dir),
        **extra,
    }
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, env=env, timeout=180, check=False
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def case(factory: sessionmaker[Session], data_dir: Path) -> IssuedCase:
    settings = load_settings(env={}, data_dir=data_dir, database_url="")
    return issued_case(factory, settings.evidence_dir, ensure_demo_pki(data_dir))


def test_intact_evidence_passes(db_url: str, data_dir: Path, case: IssuedCase) -> None:
    result = admin(["verify-evidence"], db_url, data_dir)
    assert result.returncode == 0, result.stderr
    assert "证据校验通过: 7 个文件完整，其中 4 份文书签名有效" in result.stdout


def test_altered_missing_and_badly_signed_files_are_named(
    db_url: str, data_dir: Path, case: IssuedCase, factory: sessionmaker[Session]
) -> None:
    evidence = data_dir / "evidence"
    decision = evidence / case.files["decision"]
    data = bytearray(decision.read_bytes())
    data[data.index(b"/Title") + 10] ^= 0x01  # one byte
    decision.write_bytes(bytes(data))
    (evidence / case.files["recording"]).unlink()
    # A notice replaced by a forged copy whose row was "fixed" too: only the signature tells.
    notice = evidence / case.files["notice_record"]
    forged = bytearray(notice.read_bytes())
    forged[forged.index(b"/Title") + 10] ^= 0x01
    notice.write_bytes(bytes(forged))
    with transaction(factory) as s:
        s.execute(
            update(EvidenceFile)
            .where(EvidenceFile.path == case.files["notice_record"])
            .values(sha256=hashlib.sha256(forged).hexdigest())
        )
    result = admin(["verify-evidence"], db_url, data_dir)
    assert result.returncode == 1
    assert f"已被修改: {case.files['decision']}" in result.stderr
    assert f"缺失: {case.files['recording']}" in result.stderr
    assert f"签名无效: {case.files['notice_record']}" in result.stderr
    assert "3 个文件有问题" in result.stdout
    with read_session(factory) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.verify")).one()
        assert event.outcome == "failed"


def test_export_case_writes_manifest_with_matching_hashes(
    db_url: str, data_dir: Path, case: IssuedCase, tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    target = tmp_path / "export"
    result = admin(["export-case", case.decision.number, str(target)], db_url, data_dir)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((target / "manifest.json").read_text("utf-8"))
    assert manifest["decision_number"] == case.decision.number
    kinds = {f["kind"] for f in manifest["files"]}
    assert {
        "decision",
        "inquiry_record",
        "notice_record",
        "service_confirm",
        "signature",
        "snapshot",
        "recording",
        "audit_extract",
    } <= kinds
    for entry in manifest["files"]:
        data = (target / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["size"]
    extract = json.loads((target / "audit.json").read_text("utf-8"))
    assert any(e["action"] == "decision.issue" for e in extract)
    assert (target / "documents" / Path(case.files["decision"]).name).is_file()
    assert (target / "recordings" / "call.mp4").is_file()

    again = admin(["export-case", case.decision.number, str(target)], db_url, data_dir)
    assert again.returncode == 1 and "不会覆盖" in again.stderr
    by_id = admin(["export-case", str(case.case_id), str(tmp_path / "by-id")], db_url, data_dir)
    assert by_id.returncode == 0, by_id.stderr
    with read_session(factory) as s:
        exports = s.scalars(select(AuditEvent).where(AuditEvent.action == "case.export")).all()
        assert len(exports) == 2


def test_export_of_unknown_or_damaged_case_is_refused(
    db_url: str, data_dir: Path, case: IssuedCase, tmp_path: Path
) -> None:
    unknown = admin(["export-case", "999999", str(tmp_path / "x")], db_url, data_dir)
    assert unknown.returncode == 1 and "找不到" in unknown.stderr
    (data_dir / "evidence" / case.files["signature"]).unlink()
    damaged = admin(["export-case", case.decision.number, str(tmp_path / "y")], db_url, data_dir)
    assert damaged.returncode == 1 and "未导出" in damaged.stderr
    assert not (tmp_path / "y").exists()


def test_verify_evidence_reads_through_the_configured_store(
    db_url: str, tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    """``path`` store (a share): the files live only there, not in the workstation's data
    directory — verify-evidence and export-case read them through the store."""
    share, data_dir = tmp_path / "share" / "evidence", tmp_path / "ws"
    case = issued_case(factory, share, ensure_demo_pki(data_dir))
    env = {"OFFICER_CONSOLE_EVIDENCE_STORE": "path", "OFFICER_CONSOLE_EVIDENCE_PATH": str(share)}
    assert not (data_dir / "evidence").exists() or not any((data_dir / "evidence").iterdir())
    result = admin(["verify-evidence"], db_url, data_dir, **env)
    assert result.returncode == 0, result.stderr
    assert "其中 4 份文书签名有效" in result.stdout
    exported = admin(
        ["export-case", case.decision.number, str(tmp_path / "out")], db_url, data_dir, **env
    )
    assert exported.returncode == 0, exported.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    for entry in manifest["files"]:
        on_disk = (tmp_path / "out" / entry["path"]).read_bytes()
        assert hashlib.sha256(on_disk).hexdigest() == entry["sha256"]
