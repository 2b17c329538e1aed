"""The console's life after start-up: login window → main window → sign out / quit.

:class:`ConsoleShell` owns the login dialog, the main window and the one idempotent shutdown
path (``gui/shell/app.py`` builds it after the database check). After each sign-in it recovers
recordings a killed console left unfinished (on the session's I/O runner) and then starts the
evidence hand-off; quitting hangs up a running call, runs the async clean-ups (the demo's
embedded gateway) and then :meth:`ConsoleShell.shutdown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common import crash
from officer_console.gui.common.services import Services
from officer_console.gui.shell.demo_mode import Stopper
from officer_console.gui.shell.login_dialog import LoginDialog
from officer_console.store.db.types import utcnow
from officer_console.store.people.accounts import OfficerInfo

if TYPE_CHECKING:
    from officer_console.evidence_store import EvidenceStore
    from officer_console.gui.shell.main_window import MainWindow
    from officer_console.video.evidence import Recovery
    from officer_console.video.handoff import UploadWorker

__all__ = ["READY_LINE", "ConsoleShell"]

log = logging.getLogger("officer_console.gui.shell.app")
READY_LINE = "officer-console: ready"
T = TypeVar("T")


class ConsoleShell(QObject):
    """Owns the login dialog, the main window and the one idempotent shutdown path."""

    def __init__(
        self,
        app: QApplication,
        services: Services,
        *,
        hint: str = "",
        loop: asyncio.AbstractEventLoop | None = None,
        evidence: EvidenceStore | None = None,
    ) -> None:
        super().__init__()
        self.evidence = evidence
        self.uploads: UploadWorker | None = None
        self.app = app
        self.loop = loop
        self.services = services
        self.hint = hint
        self.login: LoginDialog | None = None
        self.window: MainWindow | None = None
        self.exit_code = 0
        self.stoppers: list[Stopper] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.recovery: Future[list[Recovery]] | None = None
        self._shut_down = False
        self._quitting = False
        self._signing_out = False

    def start(self) -> None:
        self.login = LoginDialog(self.services, hint=self.hint)
        self.login.logged_in.connect(self._signed_in)
        self.login.rejected.connect(self.request_quit)
        self.services.runner.unhandled_error.connect(self._early_error)
        self.login.show()
        QTimer.singleShot(0, self._announce_ready)

    def _announce_ready(self) -> None:
        print(READY_LINE, flush=True)
        log.info("login window shown")

    def _early_error(self, exc: BaseException) -> None:
        if self.window is None:
            crash.show_error(exc, self.login)

    def _signed_in(self, info: OfficerInfo) -> None:
        from officer_console.gui.shell.main_window import MainWindow

        self.services.officer = info
        window = MainWindow(self.services)
        window.quit_requested.connect(self.request_quit)
        window.sign_out_requested.connect(self.sign_out)
        self.window = window
        window.showMaximized()  # every sign-in: the whole screen (1366×768 workstations)
        self._recover_recordings()

    def _recover_recordings(self) -> None:
        """Store recordings a killed console left unfinished: files on the I/O runner, rows
        through the op runner; the outcome comes back on the GUI thread like any other."""
        from officer_console.video.evidence import recover_recordings

        services = self.services
        runner, actor, folder, before = (
            services.runner,
            services.actor(),
            services.settings.evidence_dir,
            utcnow(),
        )

        def run_db(work: Callable[[Session], T]) -> T:
            # on_failure given: the error is ours to log, not the crash dialog's.
            return runner.run(work, None, lambda _exc: None).result()

        self.recovery = services.io.run(
            lambda: recover_recordings(run_db, actor, folder, before=before),
            self._report_recovery,
            self._recovery_failed,
        )

    def _report_recovery(self, recovered: list[Recovery]) -> None:
        self._start_uploads()  # after recovery: the rows of killed recordings now exist
        if self.window is None:
            return
        outcomes = [r.outcome for r in recovered]
        self.window.report_recovered_recordings(
            outcomes.count("recovered"), outcomes.count("missing")
        )

    def _recovery_failed(self, error: BaseException) -> None:
        log.warning("recovering unfinished recordings failed: %r", error)
        self._start_uploads()

    def _start_uploads(self) -> None:
        """Hand recordings from the spool to the evidence store, retrying in the background;
        the status bar shows how many are still waiting (docs/evidence.md)."""
        if self.uploads is not None or self.window is None or self._shut_down:
            return
        from officer_console.gui.call.evidence_status import (
            PendingUploadsLabel,
            start_upload_worker,
        )

        try:
            self.uploads = start_upload_worker(self.services, self.evidence)
        except DomainError as exc:  # e.g. S3 keys missing: recordings stay in the spool
            log.warning("evidence uploads not started: %s", exc)
            self.window.statusBar().showMessage(str(exc), 60_000)
            return
        self.window.statusBar().addPermanentWidget(PendingUploadsLabel(self.uploads, self.window))

    def sign_out(self) -> None:
        """Back to the login window (another user may sign in); the program keeps running.

        A running video call is hung up first (its recording stored), as on quit.
        """
        if self.window is None or self._quitting or self._signing_out:
            return
        self._signing_out = True
        if self.loop is None or not self.loop.is_running():
            self._finish_sign_out()
            return
        self.loop.create_task(self._sign_out_async())

    async def _sign_out_async(self) -> None:
        if self.window is not None:
            try:
                await asyncio.wait_for(self.window.end_calls(), timeout=15)
            except Exception:
                log.exception("hanging up the video call at sign-out failed")
        self._finish_sign_out()

    def _finish_sign_out(self) -> None:
        from officer_console.gui.shell.lock import audit_session_event

        self._signing_out = False
        if self._quitting or self.window is None:
            return
        audit_session_event(self.services, "session.logout")
        window, self.window = self.window, None
        window.close_for_shutdown()
        self.services.officer = None
        log.info("signed out")
        if self.login is not None:
            self.login.reset()
            self.login.show()

    def request_quit(self, code: int = 0) -> None:
        """Async clean-ups (embedded gateway) first, then the synchronous shutdown."""
        if self._quitting:
            return
        self._quitting = True
        self.exit_code = code
        if self.loop is None or not self.loop.is_running():
            self.shutdown()
            return
        self.loop.create_task(self._quit_async())

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a background coroutine the shutdown path will cancel and wait for."""
        if self.loop is None or self._quitting:
            coro.close()
            return
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _quit_async(self) -> None:
        pending = list(self.tasks)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)
        if self.window is not None:  # the call's evidence must be stored while the DB is up
            try:
                await asyncio.wait_for(self.window.end_calls(), timeout=15)
            except Exception:
                log.exception("hanging up the video call at exit failed")
        for stop in reversed(self.stoppers):
            try:
                await asyncio.wait_for(stop(), timeout=5)
            except Exception:
                log.exception("clean-up failed")
        self.shutdown()

    def shutdown(self) -> None:
        """Idempotent: audit the logout, close windows, stop the runner, dispose the engine."""
        if self._shut_down:
            return
        self._shut_down = True
        log.info("shutting down")
        if self.uploads is not None:  # an interrupted upload resumes at the next start
            self.uploads.stop(timeout=2)
        if self.services.officer is not None:
            from officer_console.gui.shell.lock import audit_session_event

            try:  # wait: shutting the runner down would cancel it while still queued
                audit_session_event(self.services, "session.logout").result(timeout=10)
            except Exception as exc:
                log.warning("could not audit the logout: %s", type(exc).__name__)
        window, self.window = self.window, None
        if window is not None:
            window.close_for_shutdown()
        if self.login is not None:
            self.login.hide()
        self.services.close()
        with contextlib.suppress(RuntimeError, TypeError):
            self.services.runner.unhandled_error.disconnect(self._early_error)
        if self.loop is not None and self.loop.is_running():
            self.loop.stop()
        else:
            self.app.quit()
