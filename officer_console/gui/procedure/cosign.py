"""The assisting officer's co-sign inbox (objectName ``cosign_requests``).

A request appears here without refreshing: every second a read-only op compares the change
counter (:func:`officer_console.store.db.changes.current`, bumped by every co-sign change) and
re-reads the pending list only when it moved. Approve with one's own password, or decline
with a reason; a wrong password is audited (``run_keeping_denials``).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import MessageBar, named, run_keeping_denials
from officer_console.store.db import changes
from officer_console.store.procedure import cosign as procedure_cosign
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.cosign import CosignItem

__all__ = ["CosignRequests"]


class CosignRequests(QGroupBox):
    """``decided(request_id)`` after an approval or a decline was saved; ``count_changed(n)``
    whenever the pending list was re-read (the main window's badge and dock follow it)."""

    decided = Signal(int)
    count_changed = Signal(int)

    def __init__(
        self, services: Services, parent: QWidget | None = None, *, poll_ms: int = 1000
    ) -> None:
        super().__init__("会签请求", parent)
        self.setObjectName("cosign_requests")
        self.services = services
        self.items: list[CosignItem] = []
        self._seen = -1
        self._busy = False
        self.list = named(QListWidget(self), "cosign_list")
        self.list.setWordWrap(True)
        # What is approved: the facts, the party's statement, the proposed ruling.
        self.detail = named(QPlainTextEdit(self), "cosign_detail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("选择一条会签请求，查看违法事实、陈述申辩和拟裁决")
        self.list.currentRowChanged.connect(self._show_detail)
        self.password = named(QLineEdit(self), "cosign_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("本人登录密码")
        self.reason = named(QLineEdit(self), "cosign_reason")
        self.reason.setPlaceholderText("不同意的理由")
        self.approve_button = named(QPushButton("同意会签", self), "cosign_approve_button")
        self.decline_button = named(QPushButton("不同意", self), "cosign_decline_button")
        self.message = MessageBar("cosign_message", self)
        self.empty = named(QLabel("暂无待会签的案件", self), "cosign_empty")
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.approve_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.reason, 1)
        row2.addWidget(self.decline_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.detail, 2)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.message)
        self.approve_button.clicked.connect(lambda: self._decide(True))
        self.decline_button.clicked.connect(lambda: self._decide(False))
        self._timer = QTimer(self, interval=poll_ms)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        self._show([])
        self.poll()

    def stop(self) -> None:
        self._timer.stop()

    def clear_for_lock(self) -> None:
        """Locked: no case summary stays; polling pauses until :meth:`resume`."""
        self._timer.stop()
        self._seen = -1
        self._show([])

    def resume(self) -> None:
        self._timer.start()
        self.poll()

    def poll(self) -> None:
        """Re-read the pending list when the change counter moved (cheap otherwise)."""
        officer = self.services.officer
        if officer is None or self._busy:
            return
        self._busy = True
        seen, officer_id = self._seen, officer.id

        def work(s: Session) -> tuple[int, list[CosignItem] | None]:
            now = changes.current(s)
            if now == seen:
                return now, None
            return now, procedure_cosign.pending_for(s, officer_id)

        def done(result: tuple[int, list[CosignItem] | None]) -> None:
            self._busy = False
            self._seen = result[0]
            if result[1] is not None:
                self._show(result[1])

        def failed(_error: BaseException) -> None:
            self._busy = False

        self.services.runner.run(work, done, failed, write=False)

    def _show(self, items: list[CosignItem]) -> None:
        current = self.list.currentRow()
        self.items = items
        self.list.clear()
        for item in items:
            entry = QListWidgetItem(f"主办：{item.lead}\n{item.summary}")
            self.list.addItem(entry)
        if items:
            self.list.setCurrentRow(min(max(current, 0), len(items) - 1))
        has = bool(items)
        self._show_detail(self.list.currentRow())
        self.empty.setVisible(not has)
        for widget in (
            self.list,
            self.password,
            self.reason,
            self.approve_button,
            self.decline_button,
        ):
            widget.setEnabled(has)
        self.count_changed.emit(len(items))

    def _show_detail(self, row: int) -> None:
        self.detail.setPlainText(self.items[row].detail if 0 <= row < len(self.items) else "")

    def _decide(self, approve: bool) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.items):
            return
        request_id, actor = self.items[row].request_id, self.services.actor()
        password, reason = self.password.text(), self.reason.text()

        def work(s: Session) -> CaseChange:
            return procedure_cosign.decide(
                s, actor, request_id, approve=approve, password=password, reason=reason
            )

        def done(change: CaseChange) -> None:
            self.services.hub.publish([change.changed])  # once, with the operation's version
            self.password.clear()
            self.reason.clear()
            self.message.show_message(
                "已同意会签" if approve else "已退回会签请求", "info", timeout_ms=4000
            )
            self._seen = -1
            self.poll()
            self.decided.emit(request_id)

        def failed(error: BaseException) -> None:
            self.password.clear()
            text = error.message if isinstance(error, DomainError) else "操作失败，详情已记录。"
            self.message.show_message(text, "error")

        run_keeping_denials(self.services.runner, work, done, failed)
