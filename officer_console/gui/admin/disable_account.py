"""Confirm disabling an account, with a reason (the reason goes into the audit row).

Opened window-modally with :meth:`QDialog.open` (never ``exec``: the console's event loop keeps
running); the users dialog runs the change when ``confirmed(reason)`` arrives.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from officer_console.gui.common.widgets import named
from officer_console.store.people.admin_ops import DISABLE_REASON_MAX

__all__ = ["DisableAccountDialog"]


class DisableAccountDialog(QDialog):
    """objectName ``disable_account_dialog``: ``disable_reason_edit``, ``disable_confirm_button``."""

    confirmed = Signal(str)

    def __init__(self, police_number: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("disable_account_dialog")
        self.setWindowTitle("停用账号")
        self.setMinimumWidth(440)
        self.police_number = police_number
        question = named(QLabel(self), "disable_question_label")
        question.setWordWrap(True)
        question.setText(
            f"确定停用账号 {police_number}（{name}）吗？\n"
            "停用后该账号不能登录，已认领的预约仍归其所有，需由带班领导改派。"
        )
        self.reason_edit = named(QLineEdit(self), "disable_reason_edit")
        self.reason_edit.setMaxLength(DISABLE_REASON_MAX)
        self.reason_edit.setPlaceholderText("停用原因（必填，记入审计日志），例如：调离本单位")
        buttons = QDialogButtonBox(self)
        self.confirm_button = named(QPushButton("停用"), "disable_confirm_button")
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("取消")
        cancel.setObjectName("disable_cancel_button")
        buttons.accepted.connect(self._confirm)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(QLabel("原因：", self))
        layout.addWidget(self.reason_edit)
        layout.addWidget(buttons)
        self.reason_edit.textChanged.connect(self._changed)
        self._changed()

    def reason(self) -> str:
        return " ".join(self.reason_edit.text().split())

    def _changed(self) -> None:
        self.confirm_button.setEnabled(len(self.reason()) >= 2)

    def _confirm(self) -> None:
        if len(self.reason()) < 2:
            return
        self.confirmed.emit(self.reason())
        self.accept()
