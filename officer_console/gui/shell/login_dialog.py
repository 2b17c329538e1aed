"""Sign-in: police number, password, optional one-time code.

argon2id verification is deliberately slow, so the check runs on the op runner and the
button stays disabled meanwhile; failures (and the lockout they lead to) are committed and
audited by ``accounts.login`` itself.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Services
from officer_console.gui.forms.ui_login_dialog import Ui_LoginDialog
from officer_console.store.people import accounts
from officer_console.store.people.accounts import OfficerInfo

log = logging.getLogger("officer_console.gui.login")


def sign_in(
    services: Services, police_number: str, password: str, totp_code: str | None
) -> OfficerInfo:
    """Runs on the worker thread: ``accounts.login`` with the workstation's policy."""
    settings = services.settings
    return accounts.login(
        services.factory,
        police_number=police_number,
        password=password,
        totp_code=totp_code or None,
        workstation=settings.workstation_name,
        require_totp=settings.require_totp,
        max_failures=settings.login_max_failures,
        window=timedelta(minutes=settings.login_failure_window_minutes),
        clock=services.clock,
    )


class LoginDialog(QDialog):
    """Shown non-modally by the shell; emits ``logged_in`` with the officer on success."""

    logged_in = Signal(object)  # OfficerInfo

    def __init__(self, services: Services, parent: QWidget | None = None, *, hint: str = ""):
        super().__init__(parent)
        self.ui = Ui_LoginDialog()
        self.ui.setupUi(self)
        self._services = services
        self._busy = False
        if services.settings.require_totp:
            self.ui.totp_label.setText(self.tr("One-time code (required)"))
            self.ui.totp_edit.setPlaceholderText(self.tr("6 digits from your authenticator app"))
        self.ui.hint_label.setText(hint)
        self.ui.hint_label.setVisible(bool(hint))
        self.ui.login_button.clicked.connect(self.submit)
        self.ui.quit_button.clicked.connect(self.reject)
        for edit in (self.ui.police_number_edit, self.ui.password_edit, self.ui.totp_edit):
            edit.returnPressed.connect(self.submit)
        self.ui.police_number_edit.setFocus()

    def reset(self) -> None:
        """Empty form for the next user (after a sign-out)."""
        for edit in (self.ui.police_number_edit, self.ui.password_edit, self.ui.totp_edit):
            edit.clear()
        self.ui.login_error_label.clear()
        self._set_busy(False)
        self.ui.police_number_edit.setFocus()

    def submit(self) -> None:
        if self._busy:
            return
        number = self.ui.police_number_edit.text().strip()
        password = self.ui.password_edit.text()
        totp = self.ui.totp_edit.text().strip()
        if not number or not password:
            self.ui.login_error_label.setText(self.tr("Enter your police number and password."))
            return
        self._set_busy(True)
        self.ui.login_error_label.setText(self.tr("Checking…"))

        def work(_session: Session) -> OfficerInfo:
            return sign_in(self._services, number, password, totp)

        self._services.runner.run(work, self._succeeded, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ui.login_button.setEnabled(not busy)
        self.ui.police_number_edit.setReadOnly(busy)

    def _succeeded(self, info: OfficerInfo) -> None:
        self._set_busy(False)
        self.ui.password_edit.clear()
        self.ui.totp_edit.clear()
        self.ui.login_error_label.clear()
        log.info("officer %s signed in", info.police_number)
        self.logged_in.emit(info)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.ui.password_edit.clear()
        self.ui.totp_edit.clear()
        self.ui.password_edit.setFocus()
        if isinstance(error, DomainError):
            self.ui.login_error_label.setText(error.message)
        elif isinstance(error, DBAPIError):
            self.ui.login_error_label.setText(
                self.tr("The database cannot be reached. Check the network and try again.")
            )
        else:
            self.ui.login_error_label.setText(
                self.tr("Sign-in failed because of an unexpected error; see the log.")
            )
