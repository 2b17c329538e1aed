"""Inactivity lock (CJIS AC-11): notice idleness, hide personal data, re-authenticate.

Idleness is measured with ``services.clock`` (injectable, so tests jump time) against the
last keyboard or mouse input anywhere in the application, recorded by one event filter.
Unlocking goes through ``accounts.login`` so wrong passwords count toward the lockout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Services
from officer_console.gui.forms.ui_lock_screen import Ui_LockScreen
from officer_console.gui.shell.login_dialog import sign_in
from officer_console.store.db import audit
from officer_console.store.people.accounts import LoginFailed, OfficerInfo

log = logging.getLogger("officer_console.gui.shell.lock")

# The lock screen has no police-number field: its failure message names only what it asks for,
# and (like the login) does not tell a wrong password from a locked account.
UNLOCK_FAILED = "密码不正确，或该账号当前不能使用。仍无法解锁时请退出登录并联系管理员。"
UNLOCK_FAILED_TOTP = (
    "密码或动态口令不正确，或该账号当前不能使用。仍无法解锁时请退出登录并联系管理员。"
)

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


def audit_session_event(services: Services, action: str, **detail: Any) -> Future[None]:
    """Queue a ``session.*`` audit row (lock, unlock, logout) on the op runner."""
    actor = services.actor()

    def work(session: Session) -> None:
        audit.record(
            session,
            actor,
            action,
            entity_type="officer",
            entity_id=actor.officer_id or "",
            detail=detail or None,
        )

    return services.runner.run(
        work, on_failure=lambda exc: log.error("audit %s failed: %s", action, exc)
    )


class ActivityFilter(QObject):
    """Application-wide: remembers when the user last pressed a key or used the mouse."""

    def __init__(self, clock: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.last_input = clock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _INPUT_EVENTS:
            self.last_input = self._clock()
        return False

    def touch(self) -> None:
        self.last_input = self._clock()


class InactivityLock(QObject):
    """Emits ``lock_due`` once idle time reaches ``settings.inactivity_lock_minutes``."""

    lock_due = Signal()

    def __init__(
        self, services: Services, parent: QObject | None = None, *, interval_ms: int = 5000
    ):
        super().__init__(parent)
        self._services = services
        self.paused = False
        self.activity = ActivityFilter(services.clock, self)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self.activity)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    @property
    def limit(self) -> timedelta:
        return timedelta(minutes=self._services.settings.inactivity_lock_minutes)

    def check(self) -> None:
        if self.paused or self.limit <= timedelta(0):
            return
        if self._services.clock() - self.activity.last_input >= self.limit:
            self.lock_due.emit()

    def reset(self) -> None:
        self.activity.touch()

    def stop(self) -> None:
        self.timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self.activity)


class LockScreen(QWidget):
    """The page the main window shows while locked; holds no personal data at all."""

    unlocked = Signal()
    exit_requested = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_LockScreen()
        self.ui.setupUi(self)
        self._services = services
        self._busy = False
        self.ui.unlock_button.clicked.connect(self.submit)
        self.ui.lock_exit_button.clicked.connect(self.exit_requested)
        self.ui.lock_password_edit.returnPressed.connect(self.submit)
        self.ui.lock_totp_edit.returnPressed.connect(self.submit)

    def prepare(self, officer: OfficerInfo, reason: str) -> None:
        """Reset the form for ``officer``; ``reason`` is "inactivity" or "manual"."""
        self.ui.lock_password_edit.clear()
        self.ui.lock_totp_edit.clear()
        self.ui.lock_error_label.clear()
        why = (
            self.tr("Locked after a period of inactivity.")
            if reason == "inactivity"
            else self.tr("Locked by the user.")
        )
        who = self.tr("{name} ({number}) is signed in. Enter the password to continue.").format(
            name=officer.name, number=officer.police_number
        )
        self.ui.lock_info_label.setText(f"{why}\n{who}")
        needs_totp = officer.totp_enabled or self._services.settings.require_totp
        self.ui.lock_totp_label.setVisible(needs_totp)
        self.ui.lock_totp_edit.setVisible(needs_totp)
        self._set_busy(False)
        self.ui.lock_password_edit.setFocus()

    def submit(self) -> None:
        officer = self._services.officer
        password = self.ui.lock_password_edit.text()
        if self._busy or officer is None:
            return
        if not password:
            self.ui.lock_error_label.setText(self.tr("Enter your password."))
            return
        totp = self.ui.lock_totp_edit.text().strip()
        self._set_busy(True)

        def work(_session: Session) -> OfficerInfo:
            return sign_in(self._services, officer.police_number, password, totp)

        self._services.runner.run(work, self._succeeded, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ui.unlock_button.setEnabled(not busy)

    def _succeeded(self, info: OfficerInfo) -> None:
        self._set_busy(False)
        self.ui.lock_password_edit.clear()
        self.ui.lock_totp_edit.clear()
        self._services.officer = info
        audit_session_event(self._services, "session.unlock")
        self.unlocked.emit()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.ui.lock_password_edit.clear()
        self.ui.lock_totp_edit.clear()
        self.ui.lock_password_edit.setFocus()
        if isinstance(error, LoginFailed):
            totp = self.ui.lock_totp_edit.isVisibleTo(self)
            self.ui.lock_error_label.setText(UNLOCK_FAILED_TOTP if totp else UNLOCK_FAILED)
        elif isinstance(error, DomainError):
            self.ui.lock_error_label.setText(error.message)
        elif isinstance(error, DBAPIError):
            self.ui.lock_error_label.setText(
                self.tr("The database cannot be reached. Check the network and try again.")
            )
        else:
            self.ui.lock_error_label.setText(
                self.tr("Unlocking failed because of an unexpected error; see the log.")
            )
