"""The one place unexpected errors go: the log, and a dialog that apologises and helps.

Installed as ``sys.excepthook`` (Qt slots report through it too) and ``threading.excepthook``;
errors from worker threads are handed to the GUI thread by a queued signal. Domain errors are
not crashes: ``show_error`` shows their message as a plain warning.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from officer_console.domain.errors import DomainError
from officer_console.domain.masking import mask_text

log = logging.getLogger("officer_console.gui.common.crash")
MAX_OPEN_DIALOGS = 3


def format_details(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return mask_text(text)


class CrashDialog(QDialog):
    """Apology, error type, log location and a copyable (masked) traceback."""

    def __init__(self, exc: BaseException, log_file: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("crash_dialog")
        self.setWindowTitle(self.tr("Officer Console — unexpected error"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 420)
        self.details = format_details(exc)
        layout = QVBoxLayout(self)
        apology = QLabel(
            self.tr(
                "Sorry — the program ran into an error it did not expect. Please tell the "
                "system administrator and include the details below."
            )
        )
        apology.setWordWrap(True)
        apology.setObjectName("crash_apology_label")
        layout.addWidget(apology)
        kind = QLabel(self.tr("Error type: {name}").format(name=type(exc).__name__))
        kind.setObjectName("crash_type_label")
        layout.addWidget(kind)
        where = str(log_file) if log_file else self.tr("(no log file)")
        path_label = QLabel(self.tr("Log file: {path}").format(path=where))
        path_label.setObjectName("crash_log_label")
        path_label.setWordWrap(True)
        path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(path_label)
        view = QPlainTextEdit(self.details)
        view.setReadOnly(True)
        view.setObjectName("crash_details_edit")
        layout.addWidget(view, 1)
        buttons = QDialogButtonBox(self)
        copy = QPushButton(self.tr("Copy details"))
        copy.setObjectName("crash_copy_button")
        copy.clicked.connect(self.copy_details)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)


class CrashReporter(QObject):
    """Receives unexpected errors from any thread and shows them on the GUI thread."""

    _report = Signal(object)

    def __init__(self, log_file: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.dialogs: list[CrashDialog] = []
        self._previous_hook = sys.excepthook
        self._report.connect(self.show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self.excepthook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = threading.__excepthook__

    def excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_hook(kind, exc, tb)
            return
        log.critical("unexpected error", exc_info=(kind, exc, tb))
        self._report.emit(exc)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def show(self, exc: BaseException) -> None:
        self.dialogs = [d for d in self.dialogs if _alive(d)]
        if len(self.dialogs) >= MAX_OPEN_DIALOGS:
            return  # a storm of the same error: the log has them all
        dialog = CrashDialog(exc, self.log_file)
        self.dialogs.append(dialog)
        dialog.open()


class _Installed:
    reporter: CrashReporter | None = None


def _alive(dialog: CrashDialog) -> bool:
    try:
        return dialog.isVisible()
    except RuntimeError:  # already deleted on the C++ side
        return False


def install(log_file: Path | None, parent: QObject | None = None) -> CrashReporter:
    reporter = _Installed.reporter = CrashReporter(log_file, parent)
    reporter.install()
    return reporter


def report(exc: BaseException) -> None:
    """Show the crash dialog for an error that was already logged by whoever caught it."""
    if _Installed.reporter is None:  # not installed (tests, early start-up): no hooks
        _Installed.reporter = CrashReporter(None)
    _Installed.reporter.show(exc)


def show_error(exc: BaseException, parent: QWidget | None) -> QMessageBox | None:
    """A DomainError is a message for the officer; anything else is a crash."""
    if not isinstance(exc, DomainError):
        report(exc)
        return None
    box = QMessageBox(QMessageBox.Icon.Warning, "Officer Console", exc.message, parent=parent)
    box.setObjectName("domain_error_box")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
