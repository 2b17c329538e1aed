"""The co-sign inbox on every workstation: a dock beside the queue and a status-bar badge.

:class:`~officer_console.gui.procedure.cosign.CosignRequests` (objectName ``cosign_requests``)
polls the change counter every second; when a request for this officer arrives the dock opens
by itself (an assisting officer or the shift lead sees it live, without refreshing) and the
badge ``cosign_badge`` shows how many wait. With nothing pending both stay out of the way. The
lock hides both and empties the list (polling pauses); unlocking reads it again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QPushButton

from officer_console.gui.common.services import Services
from officer_console.gui.procedure.cosign import CosignRequests

__all__ = ["CosignDock"]

SUCCESS_MS = 4000  # how long the emptied dock stays open with its success message
BADGE_STYLE = "background:#c62828; color:white; font-weight:bold; padding:2px 10px;"


class CosignDock(QDockWidget):
    """objectName ``cosign_dock``; ``inbox`` is the ``cosign_requests`` widget."""

    def __init__(self, services: Services, window: QMainWindow) -> None:
        super().__init__("会签请求", window)
        self.setObjectName("cosign_dock")
        self.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.inbox = CosignRequests(services, self)
        self.inbox.setTitle("")  # the dock's own title says it once
        self.setWidget(self.inbox)
        self.window_ = window
        self._decided = False  # a decision was just saved: keep its message in view a while
        self.badge = QPushButton(window)
        self.badge.setObjectName("cosign_badge")
        self.badge.setStyleSheet(BADGE_STYLE)
        self.badge.setToolTip("有案件请您会签，点击查看")
        self.badge.clicked.connect(self._toggle)
        self.badge.hide()
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self)
        window.statusBar().addWidget(self.badge)
        self.count = 0
        self.locked = False
        self.hide()
        self.inbox.count_changed.connect(self._counted)
        self.inbox.decided.connect(self._on_decided)

    def _on_decided(self, _request_id: int) -> None:
        self._decided = True
        text = self.inbox.message.text()  # 已同意会签 / 已退回会签请求
        self.window_.statusBar().showMessage(f"会签：{text}", 10_000)

    def _counted(self, n: int) -> None:
        arrived = n > self.count
        self.count = n
        self.badge.setText(f"会签请求 {n}")
        self.badge.setVisible(n > 0 and not self.locked)
        if self.locked:
            return
        if arrived:
            self.show()
            self.raise_()
        elif n == 0 and self._decided:  # the last one decided: its message stays a moment
            self._decided = False
            QTimer.singleShot(SUCCESS_MS, lambda: self.hide() if self.count == 0 else None)
        elif n == 0:
            self.hide()

    def _toggle(self) -> None:
        self.setVisible(not self.isVisible())

    def set_locked(self, locked: bool) -> None:
        self.locked = locked
        if locked:
            self.hide()
            self.badge.hide()
            self.inbox.clear_for_lock()
        else:
            self.inbox.resume()  # a pending request opens the dock again when read

    def stop(self) -> None:
        self.inbox.stop()
