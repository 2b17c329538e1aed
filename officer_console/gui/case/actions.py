"""The live case's "办理" box: dispatch (call + code), the video call, the outcomes, and the
slot where the procedure panel goes.

Wiring, all on the GUI thread:

* The :class:`DispatchService` is built once per session by the composition root
  (``Services.dispatch_service``); an incomplete configuration (a :class:`DomainError`) is
  shown in the box and leaves a disabled ``dispatch_button``.
* ``start_video_button`` (assigned officer, status contacting/in_call; :mod:`~officer_console.gui.case.call_box`) runs
  :meth:`VideoCall.start` as a task on the running qasync loop, attaches the
  :class:`VideoPane` and moves the appointment to 视频中 through the lifecycle
  (``lifecycle.open_video``, optimistic version) on the op runner. The move is tried again whenever the citizen (re)connects while the
  appointment is *contacting* again — a "re-send code" dispatch moves it back there.
* The pane's hang-up ends the call (recording hashed and stored as evidence); its
  "re-send code" runs the dispatch panel's dispatch again for the call's appointment.
* The outcomes (:class:`~officer_console.gui.case.outcomes.CaseOutcomes`): 未到场,
  转窗口办理, 释放, 改派 — with a live call they ask and hang up first.
* ``procedure_slot`` holds the wizard's procedure panel (built once here,
  :mod:`~officer_console.gui.case.wizard`): it follows this box's case — the live case — and
  the running call's channel.
* ``citizen_waiting_label`` (:mod:`~officer_console.gui.call.waiting_room`): the citizen is already in
  the waiting room (联系中, before 开始视频) — 开始视频 connects at once.
* ``call_started(id)`` / ``call_ended(id)`` let the case panel pin the live case.
* Errors appear inline in ``case_actions_message``; nothing here is modal.

Screen lock (:meth:`clear_for_lock`): the message log, step states, countdown and messages go;
a running call keeps running (the citizen must not be dropped because the officer's screen
locked) and its pane keeps showing only video, call state and quality — no citizen text.
:meth:`shutdown` cancels dispatch work, cancels a starting call and schedules the hang-up of a
running one on the loop; ``await close_call()`` does the same and waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from officer_console.dispatch.service import DispatchService
from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import DomainError
from officer_console.gui.call.video_pane import VideoPane
from officer_console.gui.call.waiting_room import WaitingIndicator
from officer_console.gui.case.call_box import NO_LOOP, VIDEO_STATUSES, CallBox
from officer_console.gui.case.dispatch_panel import DesktopOpener, DispatchPanel
from officer_console.gui.case.outcomes import CaseOutcomes
from officer_console.gui.case.wizard import ProcedureWiring
from officer_console.gui.common.services import Opener, Services
from officer_console.gui.common.widgets import MessageBar, named
from officer_console.store.appointments.casefile import AppointmentPart
from officer_console.video.call import VideoCall
from officer_console.video.media import MediaConfig

__all__ = ["NO_LOOP", "VIDEO_STATUSES", "CaseActions"]

log = logging.getLogger("officer_console.gui.case.actions")


class CaseActions(CallBox):
    """The 办理 box; its signals and the call's life are :class:`CallBox`'s."""

    def __init__(
        self, services: Services, parent: QWidget | None = None, *, opener: Opener | None = None
    ) -> None:
        super().__init__("办理", parent)
        self.setObjectName("case_actions")
        self.services = services
        self.appointment: AppointmentPart | None = None
        self.call: VideoCall | None = None
        self.call_appointment: int | None = None
        self._starting = False
        self._hanging = False
        self.confirm_box: QMessageBox | None = None  # the last question asked (tests answer it)
        self._start_task: asyncio.Future[Any] | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._shut_down = False
        # The call factory; tests swap it for smaller media.
        self.make_call: Callable[[], VideoCall] = lambda: VideoCall(
            services.settings,
            services.actor(),
            services.runner,
            media=MediaConfig.from_settings(services.settings),
        )
        self.message = MessageBar("case_actions_message", self)
        self.dispatch_panel: DispatchPanel | None = None
        self.dispatch_button: QPushButton
        self._build(opener)

    # --- construction --------------------------------------------------------------------
    def _build(self, opener: Opener | None) -> None:
        layout = QVBoxLayout(self)
        self.dispatch_error = ""
        try:
            service = self._service(opener)
        except DomainError as exc:
            self.dispatch_error = exc.message
            button = named(QPushButton("一键呼叫并发送验证码", self), "dispatch_button")
            button.setEnabled(False)
            button.setToolTip(f"呼叫与短信未配置：{exc.message}")
            self.dispatch_button = button
            layout.addWidget(button)
        else:
            self.dispatch_panel = DispatchPanel(self.services, service, self)
            self.dispatch_panel.setMinimumHeight(200)
            self.dispatch_panel.appointment_changed.connect(self._changed)
            self.dispatch_button = self.dispatch_panel.dispatch_button
            layout.addWidget(self.dispatch_panel)
        self.config_error = named(QLabel(self), "dispatch_config_error")
        self.config_error.setWordWrap(True)
        self.config_error.setStyleSheet("color:#b71c1c;")
        self.config_error.setText(
            f"呼叫与短信未配置，无法一键呼叫：{self.dispatch_error}" if self.dispatch_error else ""
        )
        self.config_error.setVisible(bool(self.dispatch_error))
        layout.addWidget(self.config_error)
        self.start_video_button = named(QPushButton("开始视频", self), "start_video_button")
        self.start_video_button.setToolTip(
            "打开视频房间并开始录像，等待当事人凭验证码加入（仅限认领民警，联系中或视频中）"
        )
        self.start_video_button.clicked.connect(self._on_start_video)
        self.video_hint = named(QLabel(self), "start_video_hint")
        self.video_hint.setStyleSheet("color:#757575;")
        self.video_hint.setWordWrap(True)
        self.waiting = WaitingIndicator(self.services, self)
        layout.addWidget(self.waiting)
        row = QHBoxLayout()
        row.addWidget(self.start_video_button)
        row.addWidget(self.video_hint, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.outcomes = CaseOutcomes(
            self.services,
            self.message.show_message,
            lambda: self.call_appointment if self.call is not None else None,
            self.close_call,
            self,
        )
        self.outcomes.changed.connect(lambda c: self._changed(c.appointment_id))
        layout.addWidget(self.outcomes)
        self.video_pane = VideoPane(self)
        self.video_pane.setMaximumHeight(560)  # 4:3 at the panel's width, plus controls
        self.video_pane.hangup_requested.connect(self._on_hangup)
        self.video_pane.resend_code_requested.connect(self._on_resend)
        self._pane_index = layout.count()
        layout.addWidget(self.video_pane)
        # The procedure panel's place (the wizard's ProcedurePanel, objectName procedure_panel).
        self.procedure_slot = named(QWidget(self), "procedure_slot")
        slot = QVBoxLayout(self.procedure_slot)
        slot.setContentsMargins(0, 0, 0, 0)
        self.wizard_placeholder: QWidget | None = None
        self.procedure_panel: QWidget | None = None
        self._slot_index = layout.count()
        layout.addWidget(self.procedure_slot)
        self.procedure = ProcedureWiring(self.services)
        self.install_procedure_panel(self.procedure.panel)
        self._refresh()

    def _service(self, opener: Opener | None) -> DispatchService:
        return self.services.dispatch_service(opener or DesktopOpener(self))

    def install_procedure_panel(self, panel: QWidget) -> None:
        """Put the procedure panel in its slot (replacing the disabled step placeholder)."""
        layout = self.procedure_slot.layout()
        assert layout is not None
        for old in (self.wizard_placeholder, self.procedure_panel):
            if old is not None:
                layout.removeWidget(old)
                old.deleteLater()
        self.wizard_placeholder = None
        self.procedure_panel = panel
        panel.setParent(self.procedure_slot)
        layout.addWidget(panel)
        panel.show()

    def restore_call_widgets(self) -> None:
        """The call is over: the (detached) video pane and the procedure slot come back here."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(self._pane_index, self.video_pane)
        layout.insertWidget(self._slot_index, self.procedure_slot)

    def set_live(self, live: bool) -> None:
        """During a call the dispatch log folds away so the video and 挂断 fit the screen."""
        if self.dispatch_panel is not None:
            self.dispatch_panel.set_compact(live)
            self.dispatch_panel.setMinimumHeight(0 if live else 200)

    # --- public interface ----------------------------------------------------------------
    def set_case(self, appointment: AppointmentPart | None) -> None:
        """The appointment shown (None: nothing); called after every (re)load of the case."""
        before = self.appointment
        previous = before.id if before else None
        self.appointment = appointment
        ended_now = (
            appointment is not None
            and rules.is_closed(appointment.status)
            and not (before is not None and rules.is_closed(before.status))
        )
        stale_error = ended_now and self.message.kind == "error"  # e.g. an old dialer error
        if appointment is None or appointment.id != previous or stale_error:
            self.message.clear_message()
        if self.dispatch_panel is not None:
            if appointment is None:
                self.dispatch_panel.set_appointment(None, None)
            else:
                self.dispatch_panel.set_appointment(appointment.id, appointment.version)
        self.outcomes.set_case(appointment)
        self.procedure.case_loaded(appointment)
        self._watch_waiting()
        self._refresh()

    def _watch_waiting(self) -> None:
        """Before the call, for the assigned officer of a case 联系中: is the citizen waiting?"""
        a = self.appointment
        if self.call is not None:
            self.waiting.stop_watching()  # the session's messages say it from now on
        elif a is not None and a.status == Status.CONTACTING and self._is_assigned():
            self.waiting.watch(a.id)
        else:
            self.waiting.watch(None)

    def clear_for_lock(self) -> None:
        """No citizen text stays; a running call keeps running (video only, see module doc)."""
        self.set_case(None)
        self.message.clear_message()

    def shutdown(self) -> None:
        """Idempotent: stop dispatch work, cancel a starting call, schedule the hang-up."""
        if self._shut_down:
            return
        self._shut_down = True
        self.waiting.watch(None)
        self.procedure.shutdown()
        if self.dispatch_panel is not None:
            self.dispatch_panel.shutdown()
        call, running = self.call, self._loop()
        if call is None:
            return
        if running is None:
            log.warning("no running event loop: the video call cannot be hung up cleanly")
            return
        self._spawn(self.close_call(), running)
