"""A private freedesktop environment with (or without) a real ``tel:`` softphone.

The softphone is a shell script registered through a ``.desktop`` file and ``mimeapps.list`` in
temporary XDG directories, so ``xdg-mime``/``xdg-open`` find it exactly as on a desktop. It
writes the URI it got to ``called`` and the URI to stderr (which must never reach our terminal),
then exits with ``exit_code``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Softphone", "softphone"]


@dataclass(frozen=True)
class Softphone:
    env: dict[str, str]
    called: Path

    def calls(self) -> list[str]:
        return self.called.read_text().split() if self.called.exists() else []


def softphone(root: Path, exit_code: int | None, *, linger: float = 0) -> Softphone:
    """``exit_code=None``: no ``tel:`` handler at all; ``linger``: seconds it stays running."""
    data, config, empty = root / "data", root / "config", root / "empty"
    for d in (data / "applications", config, empty):
        d.mkdir(parents=True, exist_ok=True)
    called = root / "called"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(data),
        "XDG_DATA_DIRS": str(empty),  # no system-wide handlers
        "DISPLAY": ":0",  # xdg-open consults scheme handlers only "with a display"
    }
    if exit_code is None:
        return Softphone(env, called)
    script = root / "softphone.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> {called}\n'
        'echo "softphone: dialing $1" >&2\n'
        'echo "softphone: stdout $1"\n'
        f"sleep {linger}\n"
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    (data / "applications" / "oc-test-softphone.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Test Softphone\n"
        f"Exec={script} %u\nMimeType=x-scheme-handler/tel;\n"
    )
    (config / "mimeapps.list").write_text(
        "[Default Applications]\nx-scheme-handler/tel=oc-test-softphone.desktop\n"
    )
    return Softphone(env, called)
