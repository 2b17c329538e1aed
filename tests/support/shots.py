"""Screenshots from GUI tests: ``OC_SCREENSHOTS=docs/screenshots pytest …`` saves them.

The tests already build each screen in the state worth looking at, so they take the pictures;
without the variable this does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["shot"]


def shot(widget: QWidget, name: str) -> None:
    """Save ``widget`` as ``$OC_SCREENSHOTS/<name>.png`` when that variable is set."""
    target = os.environ.get("OC_SCREENSHOTS")
    if not target:
        return
    for _ in range(5):
        QApplication.processEvents()
    Path(target).mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(Path(target) / f"{name}.png"))
