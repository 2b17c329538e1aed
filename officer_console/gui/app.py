"""Bootstrap: settings, logging, QApplication, database check, qasync loop, one shutdown path.

Start-up failures the user can fix (database unreachable, schema not migrated, bad config) are
shown as one plain Chinese message — printed, and in a dialog when there is a screen — never
as a traceback. Everything after start-up ends through ``ConsoleShell.shutdown``: the quit
action, closing the window, the login dialog's Quit, SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from officer_console.config import ConfigError, Settings, load_settings
from officer_console.domain.errors import DomainError
from officer_console.gui import crash, fonts, i18n
from officer_console.gui.demo_mode import DemoMode, Stopper
from officer_console.gui.logging_setup import PRINTED, route_qt_messages, setup_logging
from officer_console.gui.login_dialog import LoginDialog
from officer_console.gui.services import OpRunner, Services
from officer_console.store.accounts import OfficerInfo
from officer_console.store.engine import (
    DatabaseUnavailable,
    check_connection,
    make_engine,
    session_factory,
)

if TYPE_CHECKING:
    from officer_console.evidence_store import EvidenceStore
    from officer_console.gui.main_window import MainWindow
    from officer_console.video.evidence import Recovery
    from officer_console.video.handoff import UploadWorker

log = logging.getLogger("officer_console.gui.app")
READY_LINE = "officer-console: ready"
NON_INTERACTIVE_PLATFORMS = ("offscreen", "minimal", "vnc")


class StartupError(Exception):
    """A problem the user can fix; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class LaunchOptions:
    demo: DemoMode | None = None  # ``--demo``: built by the composition root (cli)
    data_dir: Path | None = None
    verbose: bool = False


def load_launch_settings(options: LaunchOptions) -> Settings:
    if options.demo:
        os.environ.pop("OFFICER_CONSOLE_CONFIG", None)  # the demo never writes the user's config
        return options.demo.settings(options.data_dir)
    try:
        return load_settings(data_dir=options.data_dir)
    except ConfigError as exc:
        raise StartupError(f"{exc}。请修正配置文件或环境变量后重新启动。") from exc


def open_database(
    settings: Settings, *, demo_mode: DemoMode | None, evidence: EvidenceStore | None = None
) -> Services:
    """Connect and check the schema (demo: migrate and seed); raises StartupError. The
    services carry the session's ``evidence`` store (opened once, by :func:`run`)."""
    from officer_console.store.schema import current_revision, head_revision, migrate

    try:
        engine = make_engine(settings.effective_database_url)
        check_connection(engine)
    except DatabaseUnavailable as exc:
        raise StartupError(
            f"{exc}\n请检查数据库地址（OFFICER_CONSOLE_DATABASE_URL 或配置文件 config.toml 中的"
            " database_url）、网络和数据库服务是否运行；可运行 officer-admin check 诊断。"
        ) from exc
    factory = session_factory(engine)
    try:
        if demo_mode:
            migrate(engine)
            demo_mode.seed_if_empty(engine, factory, settings)
        revision = current_revision(engine)
    except (SQLAlchemyError, DomainError) as exc:
        engine.dispose()
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(
            f"数据库无法使用（{type(exc).__name__}: {first}）。"
            "请运行 officer-admin check 查看原因；演示模式可换一个新的 --data-dir 再试。"
        ) from exc
    if not demo_mode:
        if revision is None:
            engine.dispose()
            raise StartupError(
                "数据库尚未初始化。请先运行 officer-admin migrate 创建数据库结构，再用 "
                "officer-admin create-user --role admin 创建第一个管理员账号。"
            )
        if revision != head_revision():
            engine.dispose()
            raise StartupError(
                f"数据库结构版本 {revision} 不是最新版本 {head_revision()}。"
                "请先运行 officer-admin migrate 升级数据库（升级前建议 officer-admin backup）。"
            )
    return Services(
        settings=settings,
        engine=engine,
        factory=factory,
        runner=OpRunner(factory),
        evidence=evidence,
    )


class GuiThreadGc(QObject):
    """Runs Python's cyclic GC on the GUI thread only (qutebrowser does the same).

    Automatic collection happens in whichever thread allocates; a widget in a collected cycle
    would then be destroyed on an op-runner thread while its timers stay registered with the
    GUI thread — a crash later. So automatic GC is off and this timer collects instead.
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(interval_ms)

    def collect(self) -> None:
        counts = gc.get_count()
        generation = -1
        for gen in range(3):
            if counts[gen] > self._threshold[gen]:
                generation = gen
        if generation >= 0:
            gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()


class ConsoleShell(QObject):
    """Owns the login dialog, the main window and the one idempotent shutdown path."""

    _recovery_finished = Signal(object)  # the recovery future, from its worker thread

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
        self._recovery_finished.connect(self._report_recovery)

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
        from officer_console.gui.main_window import MainWindow

        self.services.officer = info
        window = MainWindow(self.services)
        window.quit_requested.connect(self.request_quit)
        window.sign_out_requested.connect(self.sign_out)
        self.window = window
        window.showMaximized()  # every sign-in: the whole screen (1366×768 workstations)
        self._recover_recordings()

    def _recover_recordings(self) -> None:
        """Store recordings a killed console left unfinished (worker thread + op runner)."""
        from officer_console.video.evidence import start_recovery

        services = self.services
        self.recovery = start_recovery(
            services.runner, services.actor(), services.settings.evidence_dir
        )
        # Emitted from the recovery thread; delivered queued on the GUI thread.
        self.recovery.add_done_callback(self._recovery_finished.emit)

    def _report_recovery(self, future: Future[list[Recovery]]) -> None:
        self._start_uploads()  # after recovery: the rows of killed recordings now exist
        if self.window is None or future.exception() is not None:
            return
        outcomes = [r.outcome for r in future.result()]
        self.window.report_recovered_recordings(
            outcomes.count("recovered"), outcomes.count("missing")
        )

    def _start_uploads(self) -> None:
        """Hand recordings from the spool to the evidence store, retrying in the background;
        the status bar shows how many are still waiting (docs/evidence.md)."""
        if self.uploads is not None or self.window is None or self._shut_down:
            return
        from officer_console.gui.evidence_status import PendingUploadsLabel, start_upload_worker

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
        from officer_console.gui.lock import audit_session_event

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
            from officer_console.gui.lock import audit_session_event

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


def report_startup_error(app: QApplication | None, message: str) -> None:
    print(f"officer-console: {message}", file=sys.stderr, flush=True)
    if logging.getLogger().handlers:  # into the log file only: it was just printed
        log.error("start-up failed: %s", message.splitlines()[0], extra={PRINTED: True})
    if app is not None and app.platformName() not in NON_INTERACTIVE_PLATFORMS:
        QMessageBox.critical(None, "Officer Console", message)


def install_signal_handlers(loop: asyncio.AbstractEventLoop, shell: ConsoleShell) -> None:
    """SIGTERM/SIGINT end through the normal shutdown path (exit status 0)."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, shell.request_quit)
        except (NotImplementedError, RuntimeError):  # Windows: Python handler + a wake-up tick
            signal.signal(signum, lambda *_: QTimer.singleShot(0, shell.request_quit))
            timer = QTimer(shell)
            timer.timeout.connect(lambda: None)
            timer.start(250)


def run(options: LaunchOptions) -> int:
    """Run the console; a temporary demo directory is removed however it ends."""
    temporary = options.demo is not None and options.data_dir is None
    try:
        settings = load_launch_settings(options)
    except StartupError as exc:
        report_startup_error(None, str(exc))
        return 1
    try:
        return _run(options, settings, temporary=temporary)
    finally:
        if options.demo and temporary and options.demo.remove_temporary_dir(settings.data_dir):
            print(f"officer-console: 已删除临时演示数据目录 {settings.data_dir}", flush=True)


def _run(options: LaunchOptions, settings: Settings, *, temporary: bool) -> int:
    started = time.perf_counter()
    log_file = setup_logging(
        settings.data_dir,
        json_format=settings.log_json,
        level=logging.DEBUG if options.verbose else logging.INFO,
    )
    route_qt_messages()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Officer Console")
    app.setQuitOnLastWindowClosed(False)
    i18n.install_translators(app)
    font = fonts.apply_cjk_font(app)
    if not font.ok:
        print(f"officer-console: {font.hint}", file=sys.stderr, flush=True)
    reporter = crash.install(log_file, app)
    collector = GuiThreadGc(app)
    try:  # the evidence store's settings and keys (no network yet)
        from officer_console.evidence_store import open_store

        evidence = open_store(settings)
    except DomainError as exc:
        report_startup_error(app, f"{exc}。请修正后重新启动。")
        reporter.uninstall()
        collector.stop()
        return 1
    try:
        services = open_database(settings, demo_mode=options.demo, evidence=evidence)
    except StartupError as exc:
        report_startup_error(app, str(exc))
        reporter.uninstall()
        collector.stop()
        return 1
    hint = font.hint
    demo = options.demo
    if demo:
        print(demo.banner(services.factory, settings.data_dir, temporary=temporary), flush=True)
        hint = "\n".join(h for h in (demo.login_hint(), font.hint) if h)
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(lambda _loop, ctx: _loop_error(ctx))
    shell = ConsoleShell(app, services, hint=hint, loop=loop, evidence=evidence)
    install_signal_handlers(loop, shell)
    shell.start()
    if demo:  # after the login window: the gateway is not needed to sign in
        QTimer.singleShot(0, lambda: shell.spawn(_start_gateway(shell, demo, settings)))
    log.info("start-up took %.0f ms", (time.perf_counter() - started) * 1000)
    with loop:
        loop.run_forever()
    shell.shutdown()  # the loop can also end without us (app.quit from elsewhere)
    reporter.uninstall()
    collector.stop()
    return shell.exit_code


async def _start_gateway(shell: ConsoleShell, demo: DemoMode, settings: Settings) -> None:
    """The demo works without its gateway (citizens just cannot book or join): warn, go on."""
    try:
        stop = await demo.start_gateway(settings)
    except asyncio.CancelledError:
        log.info("embedded citizen gateway start cancelled (shutting down)")
        raise
    except Exception as exc:
        log.warning(
            "embedded citizen gateway did not start (%s: %s); the demo runs without it",
            type(exc).__name__,
            exc,
        )
        log.info("gateway start-up failure", exc_info=exc)  # traceback: log file only
        return
    if stop is not None:
        shell.stoppers.append(stop)


def _loop_error(context: dict[str, object]) -> None:
    exc = context.get("exception")
    if isinstance(exc, BaseException):
        log.error("asyncio: %s", context.get("message"), exc_info=exc)
        crash.report(exc)
    else:
        log.error("asyncio: %s", context.get("message"))
