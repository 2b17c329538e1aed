"""The demo's finished cases carry the real signed documents: ``officer-admin seed-demo`` into
a fresh SQLite database, then ``verify-evidence`` passes (every file re-hashed, every document
signature validated against the demo CA)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("officer-admin")


def test_seeded_demo_passes_verify_evidence(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OFFICER_CONSOLE_DATA_DIR": str(tmp_path / "data"),
        "OFFICER_CONSOLE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
    }

    def admin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN), *args], capture_output=True, text=True, env=env, timeout=300, check=False
        )

    for command in ("migrate", "seed-demo"):
        result = admin(command)
        assert result.returncode == 0, result.stderr
    assert "演示案件：9 件" in result.stdout, result.stdout
    assert "warning/completed" in result.stdout and "hearing/completed" in result.stdout
    verified = admin("verify-evidence")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # 7 decided and served cases (SMS or paper): decision + 询问笔录 + 告知笔录 each; 送达地址确认书
    # and 电子送达回证 for the 5 served electronically; the handed-over case's 询问笔录 and 告知笔录
    # (signed at their steps; its decision is at the window) and the 询问笔录 of the case at 告知.
    assert "其中 34 份文书签名有效" in verified.stdout, verified.stdout
    assert "resumed/completed" in result.stdout
