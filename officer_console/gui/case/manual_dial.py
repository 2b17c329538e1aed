""" "未找到软电话，请手动拨打": the number to dial by hand, masked until an audited reveal.

Shown by the dispatch panel when the call step failed. The number appears masked; the officer
may reveal it (:func:`~officer_console.store.appointments.casefile.reveal_citizen`: assigned officer only,
audited) which shows the full number for :data:`REVEAL_SECONDS` and puts it on the clipboard.
When the time is up, the appointment changes or the screen locks, the full number leaves the
widget and — if it is still there — the clipboard.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import named
from officer_console.store.appointments import casefile

__all__ = ["REVEAL_SECONDS", "ManualDial"]

REVEAL_SECONDS = 60


class ManualDial(QWidget):
    """objectName ``manual_dial``: ``manual_dial_label`` and ``copy_phone_button``."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manual_dial")
        self.services = services
        self._appointment_id: int | None = None
        self._masked = ""
        self._full = ""
        self._generation = 0
        self.label = named(QLabel(self), "manual_dial_label")
        self.label.setStyleSheet("color:#b71c1c; font-weight:bold;")
        self.label.setWordWrap(True)
        self.copy_button = named(QPushButton("显示并复制号码", self), "copy_phone_button")
        self.copy_button.setToolTip("显示完整号码并复制到剪贴板，以便手动拨打（记录审计）")
        self.copy_button.clicked.connect(self._on_copy)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.copy_button)
        self._timer = QTimer(self, singleShot=True, interval=REVEAL_SECONDS * 1000)
        self._timer.timeout.connect(self._forget)
        self.hide()

    def set_appointment(self, appointment_id: int | None) -> None:
        """A different appointment (or None): forget the revealed number and hide."""
        if appointment_id != self._appointment_id:
            self._generation += 1
            self._forget()
            self._appointment_id = appointment_id
            self.show_for("")

    def show_for(self, masked: str) -> None:
        """Show the hint for ``masked`` (the call failed); "" hides it."""
        self._masked = masked
        self.setVisible(bool(masked))
        self._render()

    @property
    def shown_number(self) -> str:
        return self._full or self._masked

    def _render(self) -> None:
        self.label.setText(f"请手动拨打：{self.shown_number}" if self._masked else "")
        self.copy_button.setText("复制号码" if self._full else "显示并复制号码")

    def _on_copy(self) -> None:
        if self._full:
            QGuiApplication.clipboard().setText(self._full)
            return
        appointment_id, generation = self._appointment_id, self._generation
        if appointment_id is None:
            return
        actor = self.services.actor()

        def work(session: Session) -> str:
            return casefile.reveal_citizen(session, actor, appointment_id).phone

        self.copy_button.setEnabled(False)
        self.services.runner.run(
            work,
            lambda phone: self._on_revealed(generation, phone),
            lambda error: self._on_failed(generation, error),
        )

    def _on_revealed(self, generation: int, phone: str) -> None:
        self.copy_button.setEnabled(True)
        if generation != self._generation or not phone:
            return
        self._full = phone
        QGuiApplication.clipboard().setText(phone)
        self._timer.start()
        self._render()

    def _on_failed(self, generation: int, error: BaseException) -> None:
        self.copy_button.setEnabled(True)
        if generation != self._generation:
            return
        if isinstance(error, DomainError):
            self.label.setText(f"{self.label.text()}（{error.message}）")
        else:
            self.services.runner.unhandled_error.emit(error)

    def _forget(self) -> None:
        """The full number leaves the widget and, if it is still there, the clipboard."""
        self._timer.stop()
        if self._full:
            clipboard = QGuiApplication.clipboard()
            if clipboard.text() == self._full:
                clipboard.clear()
            self._full = ""
        self._render()
