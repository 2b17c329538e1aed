"""Entry script of the PyInstaller bundle: one executable, three command names.

On Linux ``officer-admin`` and ``officer-gateway`` are symlinks to ``officer-console`` in the
bundle (one copy of the archive instead of three); the name it was started under picks the
command. On Windows the spec builds three small executables from this same script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _command() -> str:
    forced = os.environ.get("OFFICER_CONSOLE_COMMAND", "")  # for debugging a bundle
    name = forced or Path(sys.argv[0]).name
    name = name.lower().removesuffix(".exe")
    return name if name in {"officer-admin", "officer-gateway"} else "officer-console"


def _attach_parent_console() -> None:
    """Windows: the GUI executable is built without a console, so ``--selftest`` and
    ``--version`` typed in cmd.exe would print nowhere; write to the calling console instead."""
    if sys.platform != "win32" or sys.stdout is not None:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # type: ignore[attr-defined]  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        sys.stderr = sys.stdout


def main() -> int:
    from officer_console import cli

    _attach_parent_console()
    command = _command()
    sys.argv[0] = command  # argparse shows the command's own name in --help and errors
    if command == "officer-admin":
        return cli.admin_main()
    if command == "officer-gateway":
        return cli.gateway_main()
    return cli.console_main()


if __name__ == "__main__":
    sys.exit(main())
