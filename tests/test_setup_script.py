"""scripts/setup.sh: ``--run`` (make run) installs what running needs, not the test tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"postgresql", "chromium", "chromium-driver", "poppler-utils", "pulseaudio"}


def _installed_by(tmp_path: Path, *args: str) -> set[str]:
    """Run setup.sh against fake dpkg-query (nothing installed) and apt-get (records)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "apt.log"
    bin_dir.mkdir(parents=True)
    (bin_dir / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    (bin_dir / "id").write_text("#!/bin/sh\necho 0\n")  # as root: it would install
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("OFFICER_CONSOLE_SKIP_APT", None)
    subprocess.run([str(ROOT / "scripts" / "setup.sh"), *args], check=True, env=env, cwd=ROOT)
    lines = [line.split() for line in log.read_text().splitlines() if "install" in line]
    return {word for line in lines for word in line if not word.startswith("-")} - {"install"}


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="needs .venv")
def test_run_setup_leaves_out_the_test_tools(tmp_path: Path) -> None:
    run = _installed_by(tmp_path / "run", "--run")
    assert {"fonts-wqy-zenhei", "xdg-utils", "libegl1", "xvfb"} <= run
    assert not run & TEST_ONLY
    everything = _installed_by(tmp_path / "all")
    assert run | TEST_ONLY <= everything
