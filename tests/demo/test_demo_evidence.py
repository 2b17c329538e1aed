"""The demo's finished cases carry the real signed documents: ``officer-admin seed-demo`` into
a fresh SQLite database, then ``verify-evidence`` passes (every file re-hashed, every document
signature validated against the demo CA); seeding also creates the demo signing PKI.

Seeding takes ≈ 10 s (nine cases through the wizard's service functions, documents signed):
it runs once per module (``demo``) for both tests, which only read what it made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("officer-admin")
Admin = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Demo:
    data_dir: Path
    seeded: subprocess.CompletedProcess[str]  # the output of ``officer-admin seed-demo``
    admin: Admin  # runs ``officer-admin ARGS…`` on the seeded database


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICER_CONSOLE_")}
    env["OFFICER_CONSOLE_DATA_DIR"] = str(root / "data")
    env["OFFICER_CONSOLE_DATABASE_URL"] = f"sqlite:///{root / 'demo.db'}"

    def admin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN), *args], capture_output=True, text=True, env=env, timeout=300, check=False
        )

    for command in ("migrate", "seed-demo"):
        result = admin(command)
        assert result.returncode == 0, result.stderr
    return Demo(root / "data", result, admin)


def test_seeded_demo_passes_verify_evidence(demo: Demo) -> None:
    result = demo.seeded
    assert "演示案件：9 件" in result.stdout, result.stdout
    assert "warning/completed" in result.stdout and "hearing/completed" in result.stdout
    verified = demo.admin("verify-evidence")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # 7 decided and served cases (SMS or paper): decision + 询问笔录 + 告知笔录 each; 送达地址确认书
    # and 电子送达回证 for the 5 served electronically; the handed-over case's 询问笔录 and 告知笔录
    # (signed at their steps; its decision is at the window) and the 询问笔录 of the case at 告知.
    assert "其中 34 份文书签名有效" in verified.stdout, verified.stdout
    assert "resumed/completed" in result.stdout


def test_seed_demo_creates_the_demo_signing_pki(demo: Demo) -> None:
    assert "演示签名证书" in demo.seeded.stdout
    assert (demo.data_dir / "signing" / "demo-ca.pem").is_file()
    assert (demo.data_dir / "signing" / "demo-unit.p12").is_file()
    for name in ("verify-evidence", "export-case"):
        help_text = subprocess.run(
            [str(BIN), name, "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        assert help_text.returncode == 0 and "usage: officer-admin" in help_text.stdout
