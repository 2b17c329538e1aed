"""``--demo`` settings: a data directory of its own, and removing it when it was temporary.

The demo never touches the user's configured database: it uses its own data directory (a
new temporary one unless ``--data-dir`` names one) and ignores any configured URL. An
existing demo database in that directory is reused as it is — ``make run DEMO_DIR=<dir>``
keeps the demo's work (and recordings) across restarts. A temporary directory is removed with
everything in it (database, recordings, log) when the console exits.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from officer_console.config import ENV_PREFIX, Settings, load_settings

__all__ = ["TEMP_PREFIX", "demo_settings", "remove_temporary_dir"]

log = logging.getLogger("officer_console.demo.settings")
TEMP_PREFIX = "officer-console-demo-"
_DEMO_ENV_KEYS = {
    f"{ENV_PREFIX}{name}"
    for name in (
        "GATEWAY_HOST",
        "GATEWAY_PORT",
        "GATEWAY_URL",
        "LOG_JSON",
        "CAMERA",
        "MICROPHONE",
        "SPEAKER",
    )
}


def demo_settings(data_dir: Path | None) -> Settings:
    target = data_dir or Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    target.mkdir(parents=True, exist_ok=True)
    # Nothing about data from the environment; the network side may be moved (busy port).
    env = {k: v for k, v in os.environ.items() if k in _DEMO_ENV_KEYS}
    return load_settings(env=env, data_dir=target, database_url="")


def remove_temporary_dir(data_dir: Path) -> bool:
    """Delete a temporary demo directory (database, recordings, log); refuses anything else."""
    resolved = data_dir.resolve()
    if (
        not resolved.name.startswith(TEMP_PREFIX)
        or resolved.parent != Path(tempfile.gettempdir()).resolve()
    ):
        log.warning("not removing %s: not a temporary demo directory", data_dir)
        return False
    root = logging.getLogger()
    for handler in root.handlers[:]:  # the console's log file lives in there
        if isinstance(handler, logging.FileHandler) and Path(
            handler.baseFilename
        ).resolve().is_relative_to(resolved):
            handler.close()
            root.removeHandler(handler)
    shutil.rmtree(resolved, ignore_errors=True)
    return not resolved.exists()
