"""S3 keys from the OS keyring; console and gateway refuse to start without keys, in Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backend
import pytest

from officer_console.config import load_settings
from officer_console.evidence_store import open_store
from officer_console.evidence_store.s3 import S3Store
from tests.servers.s3_server import KEY_ID, KEY_SECRET, S3Server

ROOT = Path(__file__).resolve().parents[2]


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, values: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self.values = values

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


def test_s3_keys_from_the_keyring_reach_the_server(
    s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = _MemoryKeyring(
        {
            ("officer-console", "S3_ACCESS_KEY_ID"): KEY_ID,
            ("officer-console", "S3_SECRET_ACCESS_KEY"): KEY_SECRET,
        }
    )
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    settings = load_settings(
        env={},
        data_dir=tmp_path,
        evidence_store="s3",
        s3_endpoint=s3_server.endpoint,
        s3_bucket=s3_server.bucket(),
    )
    store = open_store(settings, env={})
    assert isinstance(store, S3Store)
    store.put_bytes("decisions/k.pdf", b"%PDF-1.4 keyring\n")
    assert store.read("decisions/k.pdf") == b"%PDF-1.4 keyring\n"


def _s3_without_keys(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OFFICER_CONSOLE_DATA_DIR": str(tmp_path / "data"),
        "OFFICER_CONSOLE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "OFFICER_CONSOLE_EVIDENCE_STORE": "s3",
        "OFFICER_CONSOLE_S3_BUCKET": "evidence",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "QT_QPA_PLATFORM": "offscreen",
    }


@pytest.mark.parametrize("entry", ["console_main", "gateway_main"])
def test_console_and_gateway_refuse_to_start_without_s3_keys(entry: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; from officer_console.cli import {entry}; sys.exit({entry}([]))",
        ],
        env=_s3_without_keys(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode in {1, 2}
    assert (
        "未设置对象存储访问密钥" in done.stderr
        and "OFFICER_CONSOLE_S3_ACCESS_KEY_ID" in done.stderr
    )
    assert "Traceback" not in done.stderr
