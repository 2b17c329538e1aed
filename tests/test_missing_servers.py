"""Without PulseAudio and PostgreSQL the domain and store tests still run (PostgreSQL cases
skip, said once at the end); under CI=true the same machine fails loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUBSET = [
    "tests/domain/test_domain_appointment.py",
    "tests/store/test_lifecycle.py::test_release_puts_it_back_in_the_queue",
]


def _run(ci: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("CI", "OFFICER_CONSOLE_TEST_DATABASE_URL")
    }
    env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.support.no_servers",
            "-q",
            "-p",
            "no:cacheprovider",
            *SUBSET,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.slow
def test_a_machine_without_servers_runs_domain_and_store_tests() -> None:
    done = _run("")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 skipped" in done.stdout and "error" not in done.stdout.lower()
    assert "PostgreSQL tests cannot run" in done.stdout
    assert "no PulseAudio server" in done.stdout
    loud = _run("true")
    assert loud.returncode != 0
    assert "CI=true" in loud.stdout + loud.stderr
