"""The files the .deb ships agree with the program: the default conffile (and every example in
it) loads, the gateway unit matches the maintainer scripts, the launcher picks the command."""

from __future__ import annotations

import configparser
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from officer_console.config import Settings, load_settings

INSTALLER = Path(__file__).resolve().parents[2] / "installer"
DEBIAN = INSTALLER / "debian"
EXAMPLE = re.compile(r"^# ([a-z_]+ = .*?)(\s+#.*)?$")


def test_shipped_conffile_loads_and_changes_nothing(tmp_path: Path) -> None:
    settings = load_settings(env={}, config_file=DEBIAN / "config.toml")
    assert settings == Settings(data_dir=settings.data_dir)


def test_every_commented_example_in_the_conffile_is_valid(tmp_path: Path) -> None:
    lines = []
    uncommented = 0
    for line in (DEBIAN / "config.toml").read_text(encoding="utf-8").splitlines():
        match = EXAMPLE.match(line)
        if match:
            lines.append(match.group(1))
            uncommented += 1
        else:
            lines.append(line)
    assert uncommented >= 20
    edited = tmp_path / "config.toml"
    edited.write_text("\n".join(lines), encoding="utf-8")
    settings = load_settings(env={}, config_file=edited)
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert "sslmode=verify-full" in settings.database_url
    assert settings.gateway_url == "https://jiaojing.example.gov.cn"
    assert settings.ice_servers[0].startswith("stun:")


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEBIAN / "officer-gateway.service", encoding="utf-8")
    return unit


def test_gateway_unit_is_hardened_and_matches_the_maintainer_scripts() -> None:
    service = _unit()["Service"]
    postinst = (DEBIAN / "postinst").read_text()
    user = re.search(r"^USER_NAME=(\S+)$", postinst, re.M)
    state = re.search(r"^STATE_DIR=(\S+)$", postinst, re.M)
    assert user and state
    assert service["User"] == user.group(1) == service["Group"]
    assert service["ReadWritePaths"] == state.group(1)
    assert f"OFFICER_CONSOLE_DATA_DIR={state.group(1)}" in service["Environment"]
    assert service["ExecStart"] == "/opt/officer-console/officer-gateway"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[key] == value, key
    code = [line for line in postinst.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code if re.search(r"\benable\b", line)]  # IT enables it


def test_purge_keeps_evidence_and_removes_configuration() -> None:
    postrm = (DEBIAN / "postrm").read_text()
    assert "rm -rf /etc/officer-console" in postrm
    assert "! -name evidence" in postrm
    assert "deluser" not in postrm  # the user owning kept evidence stays
    assert (DEBIAN / "conffiles").read_text().split() == ["/etc/officer-console/config.toml"]


def test_desktop_entry_has_chinese_name_and_comment() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DEBIAN / "officer-console.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Name[zh_CN]"] == "远程执法办案民警端"
    assert re.search(r"[\u4e00-\u9fff]", desktop["Comment[zh_CN]"])
    assert desktop["Exec"] == "officer-console" and desktop["Icon"] == "officer-console"


def _launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("oc_launcher", INSTALLER / "launcher.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("argv0", "command"),
    [
        ("/opt/officer-console/officer-admin", "officer-admin"),
        ("/opt/officer-console/officer-gateway", "officer-gateway"),
        ("/opt/officer-console/officer-console", "officer-console"),
        ("C:\\Program Files\\Officer Console\\OFFICER-ADMIN.EXE", "officer-admin"),
        ("something-else", "officer-console"),
    ],
)
def test_launcher_picks_the_command_from_its_name(
    argv0: str, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [argv0.replace("\\", "/")])
    assert _launcher()._command() == command
