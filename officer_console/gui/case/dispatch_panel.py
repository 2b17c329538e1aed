"""The one-click "call and text" panel: button, live step states, retry, message log, countdown.

Reads go through ``services.runner``; the dispatch itself is a coroutine of
:class:`~officer_console.dispatch.service.DispatchService`. With the console's qasync loop it
runs as a task on the Qt thread (the URI dialer must open links there) and does its database
and HTTP work in worker threads; without a running loop (tests, tools) it runs on the
session's I/O runner (``Services.io``). Either way progress and results arrive through
queued signals, so the GUI thread never waits.

A finished dispatch publishes ``(appointment, new version)`` on the change signal; the panel
re-reads its snapshot only for a version it has not read yet — one read per change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.dispatch.dialers.xdg import OpenOutcome, XdgOpener, xdg_available
from officer_console.dispatch.records import (
    AppointmentSnapshot,
    DispatchOutcome,
    LogRow,
    StepStatus,
    StepUpdate,
    snapshot,
)
from officer_console.dispatch.service import DispatchService
from officer_console.domain import appointment as rules
from officer_console.domain.errors import DomainError
from officer_console.gui.case.manual_dial import ManualDial
from officer_console.gui.common.services import Changed, Services
from officer_console.gui.common.widgets import MessageBar, RecordTableModel, local_text, named

__all__ = ["DesktopOpener", "DispatchPanel"]

log = logging.getLogger("officer_console.gui.dispatch")

STEPS = (("code", "验证码"), ("sms", "短信"), ("call", "电话"))
DISPATCHABLE = rules.TRANSITIONS["dispatch"].sources
# state → (icon, text, colour); the code step says 已生成 where the others say 已发送.
_LOOK = {
    "idle": ("○", "未开始", "#9e9e9e"),
    "queued": ("○", "等待中", "#757575"),
    "sending": ("…", "进行中", "#1565c0"),
    "sent": ("✔", "已发送", "#2e7d32"),
    "handed_off": ("✔", "已交软电话", "#2e7d32"),
    "originated": ("✔", "已呼出", "#2e7d32"),
    "failed": ("✘", "失败", "#c62828"),
    "unknown": ("?", "状态未知", "#ef6c00"),
    "used": ("✔", "已使用", "#2e7d32"),
    "expired": ("⏱", "已过期", "#ef6c00"),
    "void": ("✘", "已作废", "#9e9e9e"),
}
Report = Callable[[StepUpdate], None]
Work = Callable[[Report], Coroutine[Any, Any, DispatchOutcome]]


class DesktopOpener(QObject):
    """The URI dialer's opener: with xdg-utils an :class:`XdgOpener` (real outcome, no child
    output); elsewhere ``QDesktopServices.openUrl`` on the GUI thread, from any thread."""

    _open = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open.connect(self._on_open)
        self._xdg = XdgOpener() if xdg_available() else None

    def __call__(self, uri: str) -> bool | Awaitable[OpenOutcome]:
        if self._xdg is not None:
            return self._xdg(uri)
        if QThread.currentThread() == self.thread():
            return bool(QDesktopServices.openUrl(QUrl(uri)))
        self._open.emit(uri)  # queued to the GUI thread; the result cannot be waited for
        return True

    @staticmethod
    def _on_open(uri: str) -> None:
        if not QDesktopServices.openUrl(QUrl(uri)):
            log.warning("no softphone accepted a %s URI", uri.split(":", 1)[0])


def _countdown(snap: AppointmentSnapshot, now: datetime) -> str:
    slot = f"{local_text(snap.slot_start, snap.timezone, '%H:%M')}–" + local_text(
        snap.slot_end, snap.timezone, "%H:%M"
    )
    if rules.is_closed(snap.status):  # ended: no countdown, just what happened
        return f"预约时段 {slot}，{rules.label(snap.status)}"
    seconds = int((snap.slot_start - now).total_seconds())
    if seconds > 3600:
        return f"预约时段 {slot}，还有 {seconds // 3600} 小时 {seconds % 3600 // 60} 分"
    if seconds > 0:
        return f"预约时段 {slot}，还有 {seconds // 60:02d}:{seconds % 60:02d}"
    if now < snap.slot_end:
        late = -seconds
        return f"预约时段 {slot}，已开始 {late // 60:02d}:{late % 60:02d}"
    return f"预约时段 {slot}，已结束"


class DispatchPanel(QWidget):
    """Dispatch for one appointment at a time; ``appointment_changed`` after its status moves."""

    appointment_changed = Signal(int)
    _progress = Signal(object, object)  # (token, StepUpdate) from any thread
    _finished = Signal(object, object)  # (token, DispatchOutcome | Exception)

    def __init__(
        self, services: Services, dispatch: DispatchService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispatch_panel")
        self.services = services
        self.dispatch = dispatch
        self._appointment_id: int | None = None
        self._version: int | None = None
        self._snap: AppointmentSnapshot | None = None
        self._dispatch_id: int | None = None
        self._token = 0
        self._busy = False
        self._states: dict[str, StepStatus] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._read_version: int | None = None  # the snapshot version read or being read
        self._build()
        services.hub.changed.connect(self._on_hub)
        self._progress.connect(self._on_progress)
        self._finished.connect(self._on_finished)
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._tick)
        self.set_appointment(None, None)

    def _build(self) -> None:
        self.countdown_label = named(QLabel(self), "dispatch_countdown")
        self.dispatch_button = named(QPushButton("一键呼叫并发送验证码", self), "dispatch_button")
        self.dispatch_button.setShortcut(QKeySequence("Ctrl+D"))
        self.dispatch_button.setToolTip("生成验证码、发送短信并拨打群众电话（Ctrl+D）")
        self.dispatch_button.clicked.connect(self._on_dispatch)
        self.retry_button = named(QPushButton("重试失败的步骤", self), "retry_button")
        self.retry_button.clicked.connect(self._on_retry)
        self.error_label = MessageBar("dispatch_error", self)
        steps = QGridLayout()
        self.step_labels: dict[str, QLabel] = {}
        for column, (step, title) in enumerate(STEPS):
            steps.addWidget(QLabel(title, self), 0, column)
            self.step_labels[step] = named(QLabel(self), f"{step}_status")
            self.step_labels[step].setWordWrap(True)
            steps.addWidget(self.step_labels[step], 1, column)
        self.log_model: RecordTableModel[LogRow] = RecordTableModel(
            [
                ("时间", lambda r: local_text(r.at, self._tz(), "%m-%d %H:%M:%S")),
                ("手机号", lambda r: r.phone_masked),
                ("状态", lambda r: r.status_label),
                ("平台回执", lambda r: r.vendor_message),
            ],
            self,
        )
        self.message_log = named(QTableView(self), "message_log")
        self.message_log.setModel(self.log_model)
        self.message_log.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.message_log.verticalHeader().hide()
        self.message_log.horizontalHeader().setStretchLastSection(True)
        self.message_log.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.dispatch_button, 1)
        buttons.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.countdown_label)
        layout.addLayout(buttons)
        layout.addLayout(steps)
        layout.addWidget(self.error_label)
        self.manual_dial = ManualDial(self.services, self)
        layout.addWidget(self.manual_dial)
        self.log_title = QLabel("短信记录", self)
        layout.addWidget(self.log_title)
        layout.addWidget(self.message_log, 1)

    # --- public interface ----------------------------------------------------------------
    def set_appointment(self, appointment_id: int | None, version: int | None) -> None:
        """Show ``appointment_id`` (None: nothing); the same id again refreshes in place."""
        if appointment_id != self._appointment_id:
            self._token += 1  # results of work for the previous appointment are dropped
            self._busy = False
            self._dispatch_id = None
            self._snap = None
            self._states = {}
            self.error_label.clear_message()
            self.log_model.set_rows([])
            self.manual_dial.set_appointment(appointment_id)
        same = appointment_id == self._appointment_id and version == self._read_version
        self._appointment_id, self._version = appointment_id, version
        if appointment_id is None:
            self._clock_timer.stop()
            self.countdown_label.clear()
            self._read_version = None
        elif not same or version is None:
            self._reload(version)
        self._refresh()

    def set_compact(self, compact: bool) -> None:
        """Fold the message log away (during a call the video needs the room)."""
        self.log_title.setVisible(not compact)
        self.message_log.setVisible(not compact)

    def _on_hub(self, items: list[Changed]) -> None:
        for appointment_id, version in items:
            if appointment_id == self._appointment_id and (
                version is None or version != self._read_version
            ):
                self._reload(version)

    def step_state(self, step: str) -> str:
        """The state shown for ``code``, ``sms`` or ``call`` (``idle`` before any dispatch)."""
        status = self._states.get(step)
        return status.state if status else "idle"

    def shutdown(self) -> None:
        """Cancel running work; idempotent (the window's shutdown path calls it)."""
        self._token += 1
        self._clock_timer.stop()
        self.manual_dial.set_appointment(None)
        for task in list(self._tasks):
            task.cancel()

    # --- actions -------------------------------------------------------------------------
    def _on_dispatch(self) -> None:
        if self._busy or self._appointment_id is None or self._version is None:
            return
        appointment_id, version, actor = self._appointment_id, self._version, self.services.actor()
        self._states = {step: StepStatus("queued") for step, _ in STEPS}
        self._start(lambda report: self.dispatch.dispatch(actor, appointment_id, version, report))

    def _on_retry(self) -> None:
        if self._busy or self._dispatch_id is None:
            return
        dispatch_id, actor = self._dispatch_id, self.services.actor()
        self._start(lambda report: self.dispatch.retry(actor, dispatch_id, report))

    def _start(self, make: Work) -> None:
        self._busy = True
        self.error_label.clear_message()
        self._refresh()
        token = self._token

        async def guarded() -> None:
            # Signals are emitted on the loop's thread only (the GUI thread under qasync, else
            # the panel's worker), never from the short-lived threads the steps run in.
            running = asyncio.get_running_loop()
            home = threading.get_ident()

            def emit(update: StepUpdate) -> None:
                with contextlib.suppress(RuntimeError):  # the panel may be gone already
                    self._progress.emit(token, update)

            def report(update: StepUpdate) -> None:
                if threading.get_ident() == home:
                    emit(update)
                else:
                    running.call_soon_threadsafe(emit, update)

            try:
                result: object = await make(report)
            except Exception as exc:
                result = exc
            await asyncio.sleep(0)  # let progress queued from other threads go first
            with contextlib.suppress(RuntimeError):
                self._finished.emit(token, result)

        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(guarded())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        # No loop (tests, tools): the whole coroutine runs on the session's I/O runner.
        self.services.io.run(lambda: asyncio.run(guarded()))

    # --- results -------------------------------------------------------------------------
    def _on_progress(self, token: int, update: StepUpdate) -> None:
        if token != self._token:
            return
        if update.dispatch_id is not None:
            self._dispatch_id = update.dispatch_id
        self._states[update.step] = StepStatus(update.state, update.message)
        self._refresh()

    def _on_finished(self, token: int, result: object) -> None:
        if token != self._token:
            return
        self._busy = False
        if isinstance(result, DispatchOutcome):
            moved = result.appointment_version != self._version
            self._apply_outcome(result)
            # One change, one signal: the case panel, the queue and this panel re-read once.
            self.services.hub.publish([(result.appointment_id, result.appointment_version)])
            if moved:
                self.appointment_changed.emit(result.appointment_id)
        elif isinstance(result, DomainError):
            self.error_label.show_message(result.message, "error")
            self._reload(None)
        elif isinstance(result, Exception):
            log.error("dispatch failed", exc_info=result)
            self.error_label.show_message("呼叫过程中出现程序错误，详情已记录。", "error")
            self.services.runner.unhandled_error.emit(result)
            self._reload(None)
        self._refresh()

    def _apply_outcome(self, outcome: DispatchOutcome) -> None:
        self._dispatch_id = outcome.dispatch_id
        self._version = outcome.appointment_version
        self._states = {step: outcome.step(step) for step, _ in STEPS}
        problems = [
            f"{title}：{outcome.step(step).message}"
            for step, title in STEPS
            if outcome.step(step).state in ("failed", "unknown") and outcome.step(step).message
        ]
        if problems:
            self.error_label.show_message("\n".join(problems), "error")

    def _reload(self, version: int | None = None) -> None:
        appointment_id, token = self._appointment_id, self._token
        if appointment_id is None:
            return
        self._read_version = version
        now = self.services.clock()

        def work(session: Session) -> AppointmentSnapshot:
            return snapshot(session, appointment_id, now=now)

        self.services.runner.run(
            work,
            lambda snap: self._on_snapshot(token, snap),
            lambda error: self._on_load_failed(token, error),
            write=False,
        )

    def _on_snapshot(self, token: int, snap: AppointmentSnapshot) -> None:
        if token != self._token:
            return
        self._snap = snap
        self._version = self._read_version = snap.version
        if rules.is_closed(snap.status):  # an ended case keeps no stale dialer errors
            self.error_label.clear_message()
            self._clock_timer.stop()
            self._states = {}
            self.log_model.set_rows(snap.log)
            self._tick()
            self._refresh()
            return
        if snap.outcome is not None and not self._busy:
            self._dispatch_id = snap.outcome.dispatch_id
            self._states = {step: snap.outcome.step(step) for step, _ in STEPS}
        self.log_model.set_rows(snap.log)
        self._clock_timer.start()
        self._tick()
        self._refresh()

    def _on_load_failed(self, token: int, error: BaseException) -> None:
        if token != self._token:
            return
        if isinstance(error, DomainError):
            self.error_label.show_message(error.message, "error")
        else:
            self.services.runner.unhandled_error.emit(error)

    # --- presentation --------------------------------------------------------------------
    def _tz(self) -> str:
        return self._snap.timezone if self._snap else self.services.settings.timezone

    def _tick(self) -> None:
        if self._snap is not None:
            self.countdown_label.setText(_countdown(self._snap, self.services.clock()))

    def _can_dispatch(self) -> bool:
        snap, officer = self._snap, self.services.officer
        return (
            snap is not None
            and officer is not None
            and snap.officer_id == officer.id
            and snap.status in DISPATCHABLE
        )

    def _refresh(self) -> None:
        for step, title in STEPS:
            status = self._states.get(step, StepStatus("idle"))
            icon, text, colour = _LOOK.get(status.state, ("?", status.state, "#757575"))
            if step == "code" and status.state == "sent":
                text = "已生成"
            label = self.step_labels[step]
            label.setText(f"{icon} {text}")
            label.setToolTip(status.message or title)
            label.setStyleSheet(f"color:{colour}; font-weight:bold;")
        failed = any(self.step_state(s) in ("failed",) for s in ("sms", "call"))
        self.dispatch_button.setEnabled(not self._busy and self._can_dispatch())
        self.dispatch_button.setText("正在呼叫…" if self._busy else "一键呼叫并发送验证码")
        self.dispatch_button.setShortcut(QKeySequence("Ctrl+D"))
        self.retry_button.setVisible(failed and self._dispatch_id is not None)
        self.retry_button.setEnabled(failed and not self._busy and self._can_dispatch())
        masked = self._snap.phone_masked if self._snap else ""
        self.manual_dial.show_for(masked if self.step_state("call") == "failed" else "")
