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


def main() -> int:
    from officer_console import cli

    command = _command()
    sys.argv[0] = command  # argparse shows the command's own name in --help and errors
    if command == "officer-admin":
        return cli.admin_main()
    if command == "officer-gateway":
        return cli.gateway_main()
    return cli.console_main()


if __name__ == "__main__":
    sys.exit(main())
