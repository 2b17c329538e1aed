"""``officer-console --selftest`` and ``--version``: real checks against the installed stack."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest

from officer_console import __version__, selftest
from officer_console.selftest import FAIL, PASS, SKIP, Check, run_all, run_check

BIN = Path(sys.executable).parent


def _broken(_: Path) -> str:
    raise RuntimeError("codec exploded\nsecond line of detail")


def test_every_check_passes_on_this_machine(qapp: object) -> None:
    out = io.StringIO()
    status, results = run_all(out=out)
    text = out.getvalue()
    by_key = {r.key: r for r in results}
    assert status == 0, text
    assert set(by_key) == {c.key for c in selftest.CHECKS}
    for key, result in by_key.items():
        if key != "documents":  # passes once the documents package has landed
            assert result.status == PASS, result.render()
    assert by_key["documents"].status in {PASS, SKIP}
    assert "H.264/MP4 10/10" in by_key["video"].detail
    assert "VP8" in by_key["video"].detail and "Opus" in by_key["video"].detail
    assert "WenQuanYi" in by_key["fonts"].detail
    assert "麦克风 microphones" in by_key["audio"].detail  # the test PulseAudio's devices
    assert "通过 PASSED" in text.splitlines()[-1]


def test_a_failing_check_is_one_line_and_makes_the_status_nonzero(qapp: object) -> None:
    out = io.StringIO()
    checks = (selftest.CHECKS[0], Check("broken", "坏的 Broken", _broken))
    status, results = run_all(checks, out=out)
    assert status == 1
    assert [r.status for r in results] == [PASS, FAIL]
    assert results[1].detail == "RuntimeError: codec exploded"
    assert "[失败 FAIL] 坏的 Broken: RuntimeError: codec exploded" in out.getvalue()
    assert "失败 FAILED" in out.getvalue().splitlines()[-1]
    assert "Traceback" not in out.getvalue()


def test_documents_not_installed_is_skipped_with_a_clear_status(tmp_path: Path) -> None:
    check = Check(
        "documents",
        "法律文书",
        lambda w: selftest.check_documents(w, "officer_console.documents.no_such_module"),
    )
    result = run_check(check, tmp_path)
    assert result.status == SKIP
    assert "not installed" in result.detail and "未安装" in result.detail


def test_documents_sample_roundtrip_is_called_with_a_fresh_workdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "lib" / "selftest_docs_probe"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sample.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path

            def sample_decision_roundtrip(workdir: Path) -> str:
                assert workdir.is_dir() and not any(workdir.iterdir())
                (workdir / "decision.pdf").write_bytes(b"%PDF-1.7")
                return "signed and verified"
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    work = tmp_path / "work"
    work.mkdir()
    result = run_check(
        Check(
            "documents",
            "法律文书",
            lambda w: selftest.check_documents(w, "selftest_docs_probe.sample"),
        ),
        work,
    )
    assert result.status == PASS
    assert result.detail == "signed and verified"
    assert (work / "documents" / "decision.pdf").is_file()


def test_all_three_commands_report_the_one_version() -> None:
    assert version("officer-console") == __version__  # setuptools reads __init__.__version__
    for command in ("officer-console", "officer-admin", "officer-gateway"):
        done = subprocess.run(
            [BIN / command, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"{command} {__version__}"


def test_selftest_command_prints_the_list_and_exits_zero() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # PULSE_SERVER: the test server
    done = subprocess.run(
        [BIN / "officer-console", "--selftest"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Officer Console {__version__} 自检 self-test"
    assert sum(line.startswith("[通过 PASS]") for line in lines) >= len(selftest.CHECKS) - 1
    assert "通过 PASSED" in lines[-1]
