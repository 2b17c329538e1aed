"""The demo takes devices and network placement from the environment, never data locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from officer_console.demo.settings import demo_settings, remove_temporary_dir


def test_demo_takes_devices_from_the_environment_but_not_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OFFICER_CONSOLE_CAMERA", "synthetic")
    monkeypatch.setenv("OFFICER_CONSOLE_MICROPHONE", "synthetic")
    monkeypatch.setenv("OFFICER_CONSOLE_SPEAKER", "none")
    monkeypatch.setenv("OFFICER_CONSOLE_GATEWAY_PORT", "18470")
    monkeypatch.setenv("OFFICER_CONSOLE_DATABASE_URL", "postgresql+psycopg://real/cases")
    monkeypatch.setenv("OFFICER_CONSOLE_SMS_PROVIDER", "aliyun")

    settings = demo_settings(tmp_path / "demo")

    assert (settings.camera, settings.microphone, settings.speaker) == ("synthetic",) * 2 + (
        "none",
    )
    assert settings.gateway_port == 18470
    assert settings.data_dir == tmp_path / "demo"
    assert (
        settings.effective_database_url == f"sqlite:///{tmp_path / 'demo' / 'officer-console.db'}"
    )
    assert settings.sms_provider == "outbox"  # the demo never texts a real phone


def test_only_temporary_demo_directories_are_removed(tmp_path: Path) -> None:
    temporary = demo_settings(None).data_dir
    (temporary / "evidence").mkdir()
    (temporary / "evidence" / "call.mp4").write_bytes(b"x")
    assert remove_temporary_dir(temporary) and not temporary.exists()
    kept = demo_settings(tmp_path / "oc-demo").data_dir  # make run DEMO_DIR=…
    assert not remove_temporary_dir(kept) and kept.is_dir()
