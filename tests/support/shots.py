"""Where GUI tests save their screenshots: a tmp dir, unless someone asks for them.

The tests already build each screen in the state worth looking at, so they take the pictures.
A plain ``make test`` must leave the clone clean, so by default they go to the test's own
``tmp_path``. ``OFFICER_CONSOLE_SCREENSHOTS_DIR=$PWD/docs/screenshots pytest tests/gui/…``
(or the older names ``OC_SCREENSHOT_DIR`` / ``OC_SCREENSHOTS``) refreshes the docs' pictures.
The variable is read at import, before the autouse ``_isolated_environment`` fixture clears
every ``OFFICER_CONSOLE_*`` variable for the test itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["ENV", "REQUESTED", "shot", "shots_dir"]

ENV = "OFFICER_CONSOLE_SCREENSHOTS_DIR"
_NAMES = (ENV, "OC_SCREENSHOT_DIR", "OC_SCREENSHOTS")
_ASKED = next((os.environ[n] for n in _NAMES if os.environ.get(n)), "")
REQUESTED: Path | None = Path(_ASKED) if _ASKED else None
"""The directory asked for by the environment, or None (then tests use their tmp dir)."""


def shots_dir(tmp_path: Path) -> Path:
    """The directory a test saves its screenshots in (created): the requested one or tmp."""
    target = REQUESTED if REQUESTED is not None else tmp_path / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


def shot(widget: QWidget, name: str) -> None:
    """Save ``widget`` as ``<requested dir>/<name>.png`` when a directory was asked for."""
    if REQUESTED is None:
        return
    for _ in range(5):
        QApplication.processEvents()
    REQUESTED.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(REQUESTED / f"{name}.png"))
