"""Answer the console's confirmation questions (gui/common/confirm.py) the way an officer would."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


def answer_yes(box: QMessageBox | None, name: str) -> None:
    """The question ``name`` is on screen; press its yes button (never Enter: 取消 is default)."""
    assert box is not None and box.objectName() == name and box.isVisible(), name
    box.button(QMessageBox.StandardButton.Yes).click()
