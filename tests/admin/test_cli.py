"""``officer-admin`` as IT runs it: the installed entry point in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("officer-admin")


def run(args: list[str], url: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "OFFICER_CONSOLE_DATABASE_URL": url, **env}
    return subprocess.run(
        [str(BIN), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        "",
        "migrate",
        "seed-demo",
        "create-user",
        "import-catalogue",
        "verify-audit",
        "check",
        "unlock",
        "reset-password",
        "backup",
        "restore",
    ],
)
def test_every_command_has_help(command: str) -> None:
    result = subprocess.run(
        [str(BIN), *command.split(), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "usage: officer-admin" in result.stdout


def test_fresh_sqlite_database_from_migrate_to_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'it.db'}"
    assert "请运行 officer-admin migrate" in run(["check"], url).stderr
    migrated = run(["migrate"], url)
    assert migrated.returncode == 0, migrated.stderr
    assert "数据库已迁移" in migrated.stdout
    check = run(["check"], url)
    assert check.returncode == 1
    assert "没有可用的管理员账号" in check.stderr
    created = run(
        [
            "create-user",
            "--police-number",
            "admin01",
            "--name",
            "信息科管理员",
            "--role",
            "admin",
            "--password-stdin",
        ],
        url,
        stdin="Str0ng-Admin-Pass\n",
    )
    assert created.returncode == 0, created.stderr
    catalogue = (
        Path(__file__).resolve().parents[2] / "resources" / "catalogue" / "violations_370100.csv"
    )
    imported = run(["import-catalogue", str(catalogue)], url)
    assert imported.returncode == 0, imported.stderr
    ok = run(["check"], url)
    assert ok.returncode == 0, ok.stderr
    assert "检查通过" in ok.stdout
    verified = run(["verify-audit"], url)
    assert verified.returncode == 0
    assert "审计链完整" in verified.stdout


def test_bad_input_gives_one_clear_line_and_changes_nothing(db_url: str) -> None:
    weak = run(
        [
            "create-user",
            "--police-number",
            "370102777",
            "--name",
            "测试",
            "--role",
            "admin",
            "--password-stdin",
        ],
        db_url,
        stdin="password123\n",
    )
    assert weak.returncode == 1
    assert weak.stderr.strip().count("\n") == 0
    assert "常见" in weak.stderr
    assert "Traceback" not in weak.stderr
    no_squad = run(
        [
            "create-user",
            "--police-number",
            "370102777",
            "--name",
            "测试",
            "--role",
            "officer",
            "--squad",
            "999999",
            "--password-stdin",
        ],
        db_url,
        stdin="Str0ng-Passw0rd\n",
    )
    assert no_squad.returncode == 1 and "找不到大队" in no_squad.stderr
    unknown = run(["unlock", "nobody"], db_url)
    assert unknown.returncode == 1 and "找不到警号" in unknown.stderr
    missing = run(["import-catalogue", "/nonexistent.csv"], db_url)
    assert missing.returncode == 1 and "找不到文件" in missing.stderr
    audit_ok = run(["verify-audit"], db_url)
    assert "已校验 0 行" in audit_ok.stdout  # nothing above left an audit row behind


def test_unreachable_database_is_reported_plainly() -> None:
    result = run(["check"], "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "无法连接数据库" in result.stderr
    assert "Traceback" not in result.stderr
    garbage = run(["check"], "not a url")
    assert garbage.returncode == 1 and "数据库地址格式错误" in garbage.stderr


def test_tampered_audit_is_reported_by_verify_audit(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'audit.db'}"
    run(["migrate"], url)
    for n in ("admin01", "admin02", "admin03"):
        assert (
            run(
                [
                    "create-user",
                    "--police-number",
                    n,
                    "--name",
                    "管理员",
                    "--role",
                    "admin",
                    "--password-stdin",
                ],
                url,
                stdin="Str0ng-Admin-Pass\n",
            ).returncode
            == 0
        )
    with sqlite3.connect(tmp_path / "audit.db") as conn:
        conn.execute("UPDATE audit_events SET actor = 'mallory' WHERE id = 2")
    result = run(["verify-audit"], url)
    assert result.returncode == 1
    assert "第一处损坏在 #2" in result.stderr


def test_backup_and_restore_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    run(["migrate"], url)
    assert (
        run(
            [
                "create-user",
                "--police-number",
                "admin01",
                "--name",
                "管理员",
                "--role",
                "admin",
                "--password-stdin",
            ],
            url,
            stdin="Str0ng-Admin-Pass\n",
        ).returncode
        == 0
    )
    backup = tmp_path / "backup.db"
    assert run(["backup", str(backup)], url).returncode == 0
    assert run(["backup", str(backup)], url).returncode == 1  # never overwrites
    other = f"sqlite:///{tmp_path / 'restored.db'}"
    restored = run(["restore", str(backup)], other)
    assert restored.returncode == 0, restored.stderr
    assert "检查" in run(["check"], other).stdout
    assert shutil.which(str(BIN))
