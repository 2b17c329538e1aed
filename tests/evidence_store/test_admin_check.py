"""``officer-admin check`` reports the evidence store and the spool backlog."""

from __future__ import annotations

import os
from pathlib import Path

from officer_console.store.db.engine import make_engine, session_factory
from tests.admin.test_cli import run
from tests.evidence_store.spool import evidence_row, seed, spooled_recording
from tests.servers.s3_server import KEY_ID, KEY_SECRET, S3Server


def _s3_env(server: S3Server, bucket: str) -> dict[str, str]:
    return {
        **server.env(),
        "OFFICER_CONSOLE_EVIDENCE_STORE": "s3",
        "OFFICER_CONSOLE_S3_ENDPOINT": server.endpoint,
        "OFFICER_CONSOLE_S3_BUCKET": bucket,
        "OFFICER_CONSOLE_S3_RETENTION_DAYS": "30",
    }


def test_check_reports_an_s3_store_with_object_lock(s3_server: S3Server, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'it.db'}"
    assert run(["migrate"], url).returncode == 0
    locked = run(["check"], url, **_s3_env(s3_server, s3_server.bucket(lock=True)))
    assert "证据存储: s3" in locked.stdout
    assert "可访问: 是  可写入: 是" in locked.stdout
    assert "对象锁定: 已启用（合规模式，保留 30 天）" in locked.stdout
    assert "待上传 0，待恢复 0，校验不符 0" in locked.stdout
    plain = run(["check"], url, **_s3_env(s3_server, s3_server.bucket()))
    assert "对象锁定: 未启用" in plain.stdout
    missing = run(["check"], url, **_s3_env(s3_server, "no-such-bucket-x"))
    assert missing.returncode == 1 and "没有存储桶 no-such-bucket-x" in missing.stderr
    keyless = run(
        ["check"],
        url,
        **{
            **_s3_env(s3_server, "any-bucket"),
            "OFFICER_CONSOLE_S3_SECRET_ACCESS_KEY": "",
        },
    )
    assert keyless.returncode == 1 and "OFFICER_CONSOLE_S3_SECRET_ACCESS_KEY" in keyless.stderr


def test_verbose_admin_log_carries_no_credentials(s3_server: S3Server, tmp_path: Path) -> None:
    """With -v botocore logs its signed requests: officer-admin masks the keys as the gateway
    and the console do."""
    url = f"sqlite:///{tmp_path / 'it.db'}"
    assert run(["migrate"], url).returncode == 0
    checked = run(["-v", "check"], url, **_s3_env(s3_server, s3_server.bucket()))
    assert "可访问: 是  可写入: 是" in checked.stdout  # it talked to the store (signed requests)
    assert "Signature=***" in checked.stderr or "Credential=***" in checked.stderr  # can fail
    assert KEY_ID not in checked.stderr and KEY_SECRET not in checked.stderr


def test_check_reports_an_unmounted_share(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'it.db'}"
    assert run(["migrate"], url).returncode == 0
    result = run(
        ["check"],
        url,
        OFFICER_CONSOLE_EVIDENCE_STORE="path",
        OFFICER_CONSOLE_EVIDENCE_PATH=str(tmp_path / "nas"),
    )
    assert result.returncode == 1
    assert "证据存储: path" in result.stdout and "未挂载" in result.stderr


def test_upload_evidence_flushes_the_spool_from_the_command_line(
    s3_server: S3Server, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'it.db'}"
    assert run(["migrate"], url).returncode == 0
    factory = session_factory(make_engine(url))
    actor, appointment_id = seed(factory)
    spool = Path(os.environ["OFFICER_CONSOLE_DATA_DIR"]) / "evidence"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool)
    env = _s3_env(s3_server, s3_server.bucket(lock=True))
    down = run(
        ["upload-evidence"], url, **{**env, "OFFICER_CONSOLE_S3_ENDPOINT": "http://127.0.0.1:9"}
    )
    assert down.returncode == 1 and "失败（稍后重试）" in down.stdout and path.exists()
    done = run(["upload-evidence"], url, **env)
    assert done.returncode == 0, done.stderr
    assert "已上传并核验 1 个，未完成 0 个（证据存储: s3）" in done.stdout
    assert evidence_row(factory, evidence_id).stored_in == "s3" and not path.exists()
