"""The softphone hand-off through real xdg-utils and a real registered ``tel:`` handler.

Nothing a child process prints may reach the console's terminal or log: the handler here
prints the full number on stdout and stderr, and the tests check neither shows up.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path

import pytest

from officer_console.dispatch.dialers.base import CallRequest
from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.dialers.xdg import XdgOpener
from tests.support.softphone import softphone

pytestmark = pytest.mark.skipif(shutil.which("xdg-open") is None, reason="needs xdg-utils")

PHONE = "13812345678"


def _call(opener: XdgOpener) -> tuple[str, str]:
    result = asyncio.run(UriDialer(opener).place_call(CallRequest(PHONE, "A1")))
    return result.status, result.message_zh


def _quiet(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    out, err = capfd.readouterr()
    assert PHONE not in out + err
    assert PHONE not in caplog.text


def test_working_softphone_gets_the_uri(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    phone = softphone(tmp_path, 0)
    opener = XdgOpener(phone.env)
    assert opener.handler("tel") == "oc-test-softphone.desktop"
    status, message = _call(opener)
    assert status == "handed_off"
    assert "138****5678" in message and PHONE not in message
    assert phone.calls() == [f"tel:+86{PHONE}"]
    _quiet(capfd, caplog)


def test_failing_softphone_is_a_failure_with_manual_dial(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    phone = softphone(tmp_path, 3)
    status, message = _call(XdgOpener(phone.env, timeout=30))
    assert status == "failed"
    assert "请手动拨打 138****5678" in message
    assert phone.calls() == [f"tel:+86{PHONE}"]  # it was tried, once, and no browser after it
    _quiet(capfd, caplog)


def test_no_handler_never_runs_xdg_open(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    phone = softphone(tmp_path, None)
    bin_dir = tmp_path / "bin"  # a browser that would be tried by xdg-open's fallback
    bin_dir.mkdir()
    browser = bin_dir / "x-www-browser"
    browser.write_text(f"#!/bin/sh\necho browser >> {tmp_path / 'browser'}\necho $1\n")
    browser.chmod(0o755)
    env = {**phone.env, "PATH": f"{bin_dir}:{phone.env['PATH']}"}
    opener = XdgOpener(env)
    assert opener.handler("tel") == ""
    status, message = _call(opener)
    assert status == "failed"
    assert message.startswith("未找到软电话，请手动拨打 138****5678")
    assert not (tmp_path / "browser").exists()
    _quiet(capfd, caplog)


def test_softphone_that_stays_running_is_handed_off(tmp_path: Path) -> None:
    phone = softphone(tmp_path, 0, linger=5)
    started = time.monotonic()
    status, _ = _call(XdgOpener(phone.env, timeout=0.5))
    assert status == "handed_off"
    assert time.monotonic() - started < 3  # not waiting for the softphone to exit
    assert phone.calls() == [f"tel:+86{PHONE}"]


def test_missing_xdg_utils_means_no_handler(tmp_path: Path) -> None:
    opener = XdgOpener({"PATH": str(tmp_path), "DISPLAY": ":0"})
    assert asyncio.run(opener(f"tel:+86{PHONE}")) == "no_handler"
