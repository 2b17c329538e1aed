"""The real program: ``officer-console --demo`` starts offscreen, prints its accounts, and
ends cleanly on SIGTERM through the normal shutdown path."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = Path(sys.executable).with_name("officer-console")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICER_CONSOLE_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_starts_prints_accounts_and_stops_on_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    port = _free_port()  # the embedded gateway, when built, must not collide with others
    env = _env() | {
        "OFFICER_CONSOLE_GATEWAY_PORT": str(port),
        "OFFICER_CONSOLE_GATEWAY_URL": f"http://127.0.0.1:{port}",
        "OFFICER_CONSOLE_DATABASE_URL": "postgresql://must-be-ignored-by-the-demo/x",
    }
    proc = subprocess.Popen(
        [str(CONSOLE), "--demo", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.strip() == "officer-console: ready":
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        started = time.monotonic()
        assert ready.wait(60), f"not ready within 60 s; output so far: {lines!r}"
        assert time.monotonic() - started < 60
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    stderr = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    out = "\n".join(lines)
    assert "演示账号（密码均为 Demo@2026jn）" in out
    accounts = [line.split() for line in lines if line.startswith("  3701")]
    assert len(accounts) >= 12
    assert any(row[2:4] == ["办案民警", "历下区大队"] for row in accounts)
    assert any(row[2] == "带班领导" for row in accounts)
    assert any(line.split()[2:3] == ["管理员"] for line in lines if line.startswith("  "))
    assert (data_dir / "officer-console.db").is_file()
    log = (data_dir / "logs" / "officer-console.log").read_text(encoding="utf-8")
    assert "login window shown" in log and "shutting down" in log


def test_help_works() -> None:
    result = subprocess.run(
        [str(CONSOLE), "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "--demo" in result.stdout and "--data-dir" in result.stdout


def test_unmigrated_database_is_explained_without_traceback(tmp_path: Path) -> None:
    env = _env() | {"OFFICER_CONSOLE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [str(CONSOLE)], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "officer-admin migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_explained_without_traceback(tmp_path: Path) -> None:
    env = _env() | {
        "OFFICER_CONSOLE_DATA_DIR": str(tmp_path),
        "OFFICER_CONSOLE_DATABASE_URL": "postgresql+psycopg://officer@127.0.0.1:1/console",
    }
    result = subprocess.run(
        [str(CONSOLE)], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "无法连接数据库" in result.stderr and "OFFICER_CONSOLE_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def _start_and_stop(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, list[str], str]:
    """Start the console, wait for ready, SIGTERM it; (exit code, stdout lines, stderr)."""
    proc = subprocess.Popen(
        [str(CONSOLE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.strip() == "officer-console: ready":
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), f"not ready within 60 s; output so far: {lines!r}"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert proc.stdout is not None and proc.stderr is not None
    stderr = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return code, lines, stderr


@pytest.mark.slow
def test_temporary_demo_directory_is_removed_on_exit(tmp_path: Path) -> None:
    """Without --data-dir the demo's database, recordings and log go away when it exits."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port = _free_port()
    env = _env() | {
        "TMPDIR": str(tmp),
        "OFFICER_CONSOLE_GATEWAY_PORT": str(port),
        "OFFICER_CONSOLE_GATEWAY_URL": f"http://127.0.0.1:{port}",
    }
    code, lines, stderr = _start_and_stop(["--demo"], env, tmp_path)
    assert code == 0, stderr
    where = next(line for line in lines if line.startswith("数据目录: "))
    assert "临时目录" in where and "DEMO_DIR" in where
    data_dir = Path(where.removeprefix("数据目录: ").split("（")[0])
    assert data_dir.parent == tmp
    assert not data_dir.exists()
    assert list(tmp.iterdir()) == []
    assert any(line.startswith("officer-console: 已删除临时演示数据目录") for line in lines)
