"""The main window: queue on the left, case panel on the right, a lock page in front.

It composes; the work lives in the panes, the dialogs and the lock module. Locking clears
every pane (they drop their rows and personal data) and closes other windows, so nothing a
citizen told us stays in the widget tree while the officer is away.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from officer_console.gui.common import crash
from officer_console.gui.common.services import Services
from officer_console.gui.procedure.cosign_dock import CosignDock
from officer_console.gui.shell.lock import InactivityLock, LockScreen, audit_session_event
from officer_console.gui.shell.menus import WindowCommands, build_menus
from officer_console.store.db.engine import is_sqlite, ping

log = logging.getLogger("officer_console.gui.main")
HEARTBEAT_MS = 30_000


class QueuePaneLike(Protocol):
    appointment_selected: SignalInstance

    def reload(self) -> None: ...
    def clear_for_lock(self) -> None: ...
    def restore_after_lock(self) -> None: ...
    def shutdown(self) -> None: ...


class CasePanelLike(Protocol):
    def show_appointment(self, appointment_id: int | None) -> None: ...
    def clear_for_lock(self) -> None: ...


QUIT_DURING_CALL = (
    "视频通话正在进行并录像。\n退出将挂断通话、保存并存证录像，然后关闭控制台。确定退出吗？"
)


PaneFactory = Callable[[Services], tuple[QWidget, QWidget]]


def default_panes(services: Services) -> tuple[QWidget, QWidget]:
    # Imported here: the queue and case modules are only needed after sign-in (start-up time).
    from officer_console.gui.case.panel import CasePanel
    from officer_console.gui.queue.pane import QueuePane

    return QueuePane(services), CasePanel(services)


def window_title(services: Services) -> str:
    officer = services.officer
    if officer is None:
        return "Officer Console"
    if officer.squad_name:
        return QCoreApplication.translate(
            "MainWindow", "Officer Console — {name} ({number}) · {squad} · {role}"
        ).format(
            name=officer.name,
            number=officer.police_number,
            squad=officer.squad_name,
            role=officer.role_label,
        )
    return QCoreApplication.translate(
        "MainWindow", "Officer Console — {name} ({number}) · {role}"
    ).format(name=officer.name, number=officer.police_number, role=officer.role_label)


class MainWindow(QMainWindow):
    quit_requested = Signal()
    sign_out_requested = Signal()  # back to the login window, the program keeps running

    def __init__(self, services: Services, panes: PaneFactory | None = None) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.services = services
        self.locked = False
        self._closing = False
        self.quit_box: QMessageBox | None = None
        self.setWindowTitle(window_title(services))
        self._fit_to_screen()
        queue, case = (panes or default_panes)(services)
        self.queue_pane, self.case_panel = queue, case
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(queue)
        self.splitter.addWidget(case)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([760, 640])
        self.lock_screen = LockScreen(services)
        self.stack = QStackedWidget()
        self.stack.setObjectName("central_stack")
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)
        self._queue().appointment_selected.connect(self._on_selected)
        self.lock_screen.unlocked.connect(self.unlock)
        self.lock_screen.exit_requested.connect(self.sign_out_requested)
        commands = WindowCommands(
            lock=lambda: self.lock("manual"),
            quit=self.request_quit,
            sign_out=self._sign_out,
            refresh=self.reload_queue,
        )
        self.window_actions = build_menus(self, services, commands)
        self._build_status_bar()
        self.cosign_dock = CosignDock(services, self)  # co-sign requests arrive live
        self.inactivity = InactivityLock(services, self)
        self.inactivity.lock_due.connect(lambda: self.lock("inactivity"))
        services.runner.unhandled_error.connect(self.show_error)

    def _fit_to_screen(self) -> None:
        """1400×900 where it fits; otherwise most of a small (laptop) screen."""
        screen = QGuiApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        if free is None or (free.width() >= 1440 and free.height() >= 940):
            self.resize(1400, 900)
        else:
            self.resize(int(free.width() * 0.95), int(free.height() * 0.92))

    # --- panes --------------------------------------------------------------------------

    def _queue(self) -> QueuePaneLike:
        return self.queue_pane  # type: ignore[return-value]

    def _case(self) -> CasePanelLike:
        return self.case_panel  # type: ignore[return-value]

    def _on_selected(self, appointment_id: int) -> None:
        self._case().show_appointment(None if appointment_id < 0 else appointment_id)

    def _sign_out(self) -> None:
        self.sign_out_requested.emit()

    def reload_queue(self) -> None:
        """F5 / the toolbar's refresh (the menus call this, not the panes)."""
        self._queue().reload()

    def call_live(self) -> bool:
        return bool(getattr(self.case_panel, "call_live", False))

    # --- quitting -------------------------------------------------------------------------

    def request_quit(self) -> None:
        """Quit; during a live recorded call ask first (the shell then hangs up cleanly)."""
        if not self.call_live():
            self.quit_requested.emit()
            return
        if self.quit_box is not None:
            self.quit_box.raise_()
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Quit"),
            QUIT_DURING_CALL,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("quit_confirm_box")
        box.button(QMessageBox.StandardButton.Yes).setText("挂断并退出")
        box.button(QMessageBox.StandardButton.Cancel).setText("继续通话")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.quit_box = box

        def answered(result: int) -> None:
            self.quit_box = None
            if result == QMessageBox.StandardButton.Yes:
                self.quit_requested.emit()

        box.finished.connect(answered)
        box.open()

    # --- lock ---------------------------------------------------------------------------

    def lock(self, reason: str = "manual") -> None:
        if self.locked or self.services.officer is None:
            return
        self.locked = True
        self.inactivity.paused = True
        self._queue().clear_for_lock()
        self._case().clear_for_lock()
        for widget in QApplication.topLevelWidgets():  # dialogs may show personal data too
            if widget is not self and widget.isVisible():
                widget.close()
        self.cosign_dock.set_locked(True)
        self.lock_screen.prepare(self.services.officer, reason)
        self.stack.setCurrentWidget(self.lock_screen)
        for action in self.window_actions.lockable:
            action.setEnabled(False)
        audit_session_event(self.services, "session.lock", reason=reason)
        log.info("console locked (%s)", reason)

    def unlock(self) -> None:
        if not self.locked:
            return
        self.locked = False
        self.stack.setCurrentWidget(self.splitter)
        self.cosign_dock.set_locked(False)
        for action in self.window_actions.lockable:
            action.setEnabled(True)
        self._queue().restore_after_lock()
        self.inactivity.reset()
        self.inactivity.paused = False
        log.info("console unlocked")

    # --- status and errors --------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        kind = "SQLite" if is_sqlite(self.services.engine) else "PostgreSQL"
        self.db_label = QLabel(self.tr("Database: {kind}").format(kind=kind))
        self.db_label.setObjectName("db_kind_label")
        self.connection_label = QLabel(self.tr("Connected"))
        self.connection_label.setObjectName("connection_label")
        self.workstation_label = QLabel(
            self.tr("Workstation: {name}").format(name=self.services.settings.workstation_name)
        )
        self.workstation_label.setObjectName("workstation_label")
        for label in (self.db_label, self.connection_label, self.workstation_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        self.heartbeat = QTimer(self)
        self.heartbeat.setInterval(HEARTBEAT_MS)
        self.heartbeat.timeout.connect(self.check_connection)
        self.heartbeat.start()

    def report_recovered_recordings(self, recovered: int, missing: int) -> None:
        """Tell the officer what start-up recovery did (details are in the audit trail)."""
        parts = []
        if recovered:
            parts.append(
                self.tr(
                    "{n} unfinished call recording(s) were hashed and stored as evidence"
                ).format(n=recovered)
            )
        if missing:
            parts.append(
                self.tr("{n} recording file(s) were missing and have been audited").format(
                    n=missing
                )
            )
        if parts:
            self.statusBar().showMessage("；".join(parts), 60_000)

    def check_connection(self) -> None:
        self.services.runner.run(
            ping,
            lambda _ok: self.set_connected(True),
            lambda _e: self.set_connected(False),
            write=False,
        )

    def set_connected(self, ok: bool) -> None:
        self.connection_label.setText(self.tr("Connected") if ok else self.tr("Connection lost"))
        self.connection_label.setStyleSheet("" if ok else "color: #b00020; font-weight: bold;")

    def show_error(self, exc: BaseException) -> QMessageBox | None:
        return crash.show_error(exc, self)

    # --- closing ------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._closing:
            event.accept()
            return
        event.ignore()  # the shell's one shutdown path closes us
        self.request_quit()

    async def end_calls(self) -> None:
        """Hang up a running video call so its recording is hashed and stored before exit."""
        close_call = getattr(getattr(self._case(), "handling", None), "close_call", None)
        if close_call is not None:
            await close_call()

    def close_for_shutdown(self) -> None:
        self._closing = True
        self._queue().shutdown()  # its live-update thread holds a database connection
        case_shutdown = getattr(self._case(), "shutdown", None)
        if callable(case_shutdown):  # dispatch worker and any running video call
            case_shutdown()
        self.inactivity.stop()
        self.heartbeat.stop()
        self.cosign_dock.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.services.runner.unhandled_error.disconnect(self.show_error)
        self.close()
        # Lambdas connected to our signals keep the Python wrapper alive; without an explicit
        # delete (on this thread) the window and its timers would outlive the session.
        self.deleteLater()
