"""Ask before a destructive or outward action (hang up, 释放, 未到场, a re-sent SMS).

Window-modal but non-blocking (``open()``): the event loop, the call and the recording keep
running while the question is shown, and tests find the box by its objectName.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["ask"]


def ask(
    parent: QWidget,
    name: str,
    *,
    title: str,
    text: str,
    yes_text: str,
    on_yes: Callable[[], None],
) -> QMessageBox:
    """Show the question; ``on_yes`` runs only after 「yes_text」 (取消 and Esc do nothing)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName(name)
    box.button(QMessageBox.StandardButton.Yes).setText(yes_text)
    box.button(QMessageBox.StandardButton.Cancel).setText("取消")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered(result: int) -> None:
        if result == QMessageBox.StandardButton.Yes:
            on_yes()

    box.finished.connect(answered)
    box.open()
    return box
