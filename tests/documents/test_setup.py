"""Signer and trust roots from the settings: password from the environment only; the demo PKI
as created by ``officer-admin seed-demo``."""

from __future__ import annotations

from pathlib import Path

import pytest

from officer_console.config import ConfigError, load_settings
from officer_console.documents.democa import create_demo_pki
from officer_console.documents.pdfa import make_pdfa
from officer_console.documents.render import render
from officer_console.documents.sample import sample_service
from officer_console.documents.setup import signer_from_settings, trust_roots, verify_base_url
from officer_console.documents.signing import SigningError, validate_signature


def test_without_configuration_signing_says_what_to_do(tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path)
    with pytest.raises(SigningError, match="seed-demo"):
        signer_from_settings(settings)
    assert trust_roots(settings) == []
    assert verify_base_url(settings) == "http://127.0.0.1:8470/verify"


def test_demo_pki_in_data_dir_signs_and_verifies(tmp_path: Path) -> None:
    create_demo_pki(tmp_path / "signing")
    settings = load_settings(env={}, data_dir=tmp_path)
    signed = signer_from_settings(settings).sign(make_pdfa(render(sample_service())))
    assert validate_signature(signed.data, trust_roots(settings)).valid


def test_configured_p12_needs_the_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pki = create_demo_pki(tmp_path / "unit")
    env = {
        "OFFICER_CONSOLE_SIGNING_P12": str(pki.unit_p12),
        "OFFICER_CONSOLE_SIGNING_TRUST_ROOTS": str(pki.ca_cert),
    }
    settings = load_settings(env=env, data_dir=tmp_path)
    monkeypatch.setattr("officer_console.credentials._keyring_lookup", lambda name: None)
    with pytest.raises(SigningError, match="OFFICER_CONSOLE_SIGNING_P12_PASSWORD"):
        signer_from_settings(settings)
    monkeypatch.setenv("OFFICER_CONSOLE_SIGNING_P12_PASSWORD", "wrong")
    with pytest.raises(SigningError, match="密码错误"):
        signer_from_settings(settings)
    monkeypatch.setenv("OFFICER_CONSOLE_SIGNING_P12_PASSWORD", pki.password)
    signed = signer_from_settings(settings).sign(make_pdfa(render(sample_service())))
    assert validate_signature(signed.data, trust_roots(settings)).valid


def test_password_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('signing_p12 = "/x.p12"\nsigning_p12_password = "secret"\n', "utf-8")
    with pytest.raises(ConfigError, match="SIGNING_P12_PASSWORD"):
        load_settings(env={}, config_file=config)
