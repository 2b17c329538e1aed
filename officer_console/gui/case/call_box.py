"""The video-call half of the "办理" box (:class:`~officer_console.gui.case.actions.CaseActions`).

:class:`CallBox` owns one call's life: 开始视频 runs :meth:`VideoCall.start` as a task on the
running qasync loop, attaches the :class:`VideoPane`, moves the appointment to 视频中 through
the lifecycle on the op runner (again whenever the citizen reconnects while it is *contacting*
again), asks before hanging up during a procedure, stores the recording on hang-up and says
what happened in the box's message bar. ``call_started`` / ``call_ended`` bracket it.
:class:`CaseActions` builds the widgets this class drives (see its ``_build``) and adds the
dispatch panel, the outcomes and the procedure slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QMessageBox, QPushButton, QScrollArea
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import DomainError
from officer_console.gui.call.video_pane import VideoPane
from officer_console.gui.call.waiting_room import WaitingIndicator
from officer_console.gui.case.dispatch_panel import DispatchPanel
from officer_console.gui.case.wizard import ProcedureWiring
from officer_console.gui.common.confirm import ask
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import MessageBar
from officer_console.store.appointments import lifecycle
from officer_console.store.appointments.casefile import AppointmentPart
from officer_console.store.appointments.lifecycle import AppointmentChange
from officer_console.video.call import VideoCall
from officer_console.video.evidence import RecordingTarget
from officer_console.video.session import CallState

log = logging.getLogger("officer_console.gui.case.actions")

VIDEO_STATUSES = rules.TRANSITIONS["open_video"].sources
NO_LOOP = "视频通话需要控制台的事件循环（qasync）正在运行；当前没有运行的事件循环，无法开始。"


class CallBox(QGroupBox):
    """``case_changed(appointment_id)``: an action here changed the appointment shown.

    ``call_started(appointment_id)`` / ``call_ended(appointment_id)``: a video call began
    (the room is being opened) / is over — the case panel pins the live case in between.
    """

    case_changed = Signal(int)
    call_started = Signal(int)
    call_ended = Signal(int)

    # Set by CaseActions.__init__ / _build before any of the methods below runs.
    services: Services
    appointment: AppointmentPart | None
    call: VideoCall | None
    call_appointment: int | None
    make_call: Callable[[], VideoCall]
    confirm_box: QMessageBox | None
    message: MessageBar
    waiting: WaitingIndicator
    video_pane: VideoPane
    procedure: ProcedureWiring
    dispatch_panel: DispatchPanel | None
    dispatch_button: QPushButton
    dispatch_error: str
    start_video_button: QPushButton
    video_hint: QLabel
    _starting: bool
    _hanging: bool
    _shut_down: bool
    _start_task: asyncio.Future[Any] | None
    _tasks: set[asyncio.Future[Any]]

    def _is_assigned(self) -> bool:
        a, officer = self.appointment, self.services.officer
        return a is not None and officer is not None and a.officer_id == officer.id

    def _refresh(self) -> None:
        a = self.appointment
        busy = self._starting or self.call is not None
        ok = self._is_assigned() and a is not None and a.status in VIDEO_STATUSES
        self.start_video_button.setEnabled(ok and not busy and not self._shut_down)
        self.start_video_button.setText("正在连接…" if self._starting else "开始视频")
        if self.call is not None and a is not None and a.id != self.call_appointment:
            hint = "另一预约的视频通话仍在进行，挂断后才能开始新的通话"
        elif self.call is not None:
            hint = "视频通话进行中"
        elif a is not None and not self._is_assigned():
            hint = "只有认领该预约的民警可以开始视频"
        elif a is not None and a.status not in VIDEO_STATUSES:
            hint = "先一键呼叫并发送验证码，预约进入“联系中”后可开始视频"
        else:
            hint = ""
        self.video_hint.setText(hint)

    def _changed(self, appointment_id: int) -> None:
        if self.appointment is not None and self.appointment.id == appointment_id:
            self.case_changed.emit(appointment_id)

    async def close_call(self) -> None:
        """Hang up whatever call runs (a start still in progress is cancelled)."""
        starting = self._start_task
        if starting is not None and not starting.done():
            starting.cancel()
            with contextlib.suppress(BaseException):
                await starting
        call = self.call
        if call is not None:
            with contextlib.suppress(Exception):
                await call.hang_up()
            self._forget(call)

    @staticmethod
    def _loop() -> asyncio.AbstractEventLoop | None:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def _spawn(
        self, coro: Coroutine[Any, Any, None], loop: asyncio.AbstractEventLoop
    ) -> asyncio.Future[None]:
        task = asyncio.ensure_future(coro, loop=loop)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_start_video(self) -> None:
        a = self.appointment
        if a is None or self.call is not None or self._starting or not self._is_assigned():
            return
        loop = self._loop()
        if loop is None:
            self.message.show_message(NO_LOOP, "error")
            return
        self.message.clear_message()
        self._starting = True
        self._refresh()
        call = self.make_call()
        self.call, self.call_appointment = call, a.id
        self.waiting.stop_watching()  # from now on the call's own messages say it
        self.call_started.emit(a.id)
        self._start_task = self._spawn(self._start(call, a.id), loop)

    async def _start(self, call: VideoCall, appointment_id: int) -> None:
        try:
            session = await call.start(RecordingTarget(appointment_id))
        except asyncio.CancelledError:
            self._forget(call)
            raise
        except Exception as exc:
            self._forget(call)
            self._show_error(exc, "视频通话未能开始，详情已记录。")
            return
        finally:
            self._starting = False
            self._refresh()
        if self._shut_down or self.call is not call:
            await call.hang_up()
            return
        self.video_pane.attach(session)
        session.state_changed.connect(self._on_call_state)
        session.message_received.connect(self.waiting.on_message)
        self.procedure.attach(session)
        self._scroll_to_pane()
        if self.waiting.since is not None:
            self.message.show_message(
                "视频房间已打开，正在录像，当事人已在等候，正在接通。", "info"
            )
        else:
            self.message.show_message("视频房间已打开，正在录像，等待当事人凭验证码加入。", "info")
        self._move_to_in_call()

    def _scroll_to_pane(self) -> None:
        """In the case panel's scroll area the pane may be below the fold: bring it in."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.ensureWidgetVisible(self.video_pane, 0, 0)

    def _on_call_state(self, state: CallState) -> None:
        if state == CallState.CONNECTED:
            self.waiting.set_since(None)
            self.message.clear_message()
            self._move_to_in_call()
        elif state == CallState.FAILED:
            self.message.show_message(
                "当事人网络中断：可点击“重新发送验证码”，当事人凭新验证码重新加入。", "error"
            )
        elif state == CallState.CLOSED:
            self._on_hangup()  # ended from elsewhere: still store the recording

    def _move_to_in_call(self) -> None:
        a = self.appointment
        if a is None or a.id != self.call_appointment or a.status != Status.CONTACTING:
            return
        actor, appointment_id, version = self.services.actor(), a.id, a.version

        def work(s: Session) -> AppointmentChange:
            return lifecycle.open_video(s, appointment_id, actor, expected_version=version)

        self.services.runner.run(
            work,
            self._on_moved,
            lambda e: self._on_status_failed(appointment_id, e),
        )

    def _on_moved(self, change: AppointmentChange) -> None:
        self.services.hub.publish_change(change)
        self._changed(change.appointment_id)

    def _on_status_failed(self, appointment_id: int, error: BaseException) -> None:
        self._show_error(error, "无法更新预约状态。")
        self.services.hub.publish([(appointment_id, None)])  # reload: the next reconnect retries

    def _on_hangup(self) -> None:
        """During a procedure ask first (the steps done are kept; the citizen leaves)."""
        call = self.call
        if call is None or self._hanging:
            return
        if not self._procedure_running():
            self._hang_up_now()
            return
        text = (
            "程序正在办理中。挂断后当事人离开视频，录像保存并存证；"
            "已完成的步骤不会丢失，当事人可凭新验证码重新加入后继续。\n确定挂断吗？"
        )
        self.confirm_box = ask(
            self,
            "hangup_confirm",
            title="挂断视频通话",
            text=text,
            yes_text="挂断",
            on_yes=self._hang_up_now,
        )

    def _procedure_running(self) -> bool:
        """The call's case is 办理中 (as loaded here, or open in the procedure panel)."""
        a, panel = self.appointment, self.procedure.panel
        if a is not None and a.id == self.call_appointment and a.status == Status.IN_PROCEDURE:
            return True
        if panel.appointment_id != self.call_appointment:
            return False
        view = panel.view
        return panel.appointment_status == Status.IN_PROCEDURE or (
            view is not None and view.is_open
        )

    def _hang_up_now(self) -> None:
        call, loop = self.call, self._loop()
        if call is None or self._hanging:
            return
        if loop is None:
            self.message.show_message(NO_LOOP, "error")
            return
        self._hanging = True
        self._spawn(self._hang_up(call), loop)

    async def _hang_up(self, call: VideoCall) -> None:
        try:
            evidence_id = await call.hang_up()
        except Exception as exc:
            self._show_error(exc, "挂断时出现错误，详情已记录。")
        else:
            if evidence_id is not None:
                self.message.show_message(f"通话已结束，录像已存证（证据编号 {evidence_id}）。")
            else:
                self.message.show_message("通话已结束。")
        finally:
            appointment_id, self._hanging = self.call_appointment, False
            self._forget(call)
            if appointment_id is not None:
                self.services.hub.publish([(appointment_id, None)])  # history: 录像已存证

    def _forget(self, call: VideoCall) -> None:
        if self.call is not call:
            return
        session = self.video_pane.session
        if session is not None:
            with contextlib.suppress(ValueError, KeyError):
                session.state_changed.disconnect(self._on_call_state)
            session.message_received.disconnect(self.waiting.on_message)
        self.procedure.attach(None)
        self.waiting.set_since(None)
        self.video_pane.detach()
        ended = self.call_appointment
        self.call = self.call_appointment = None
        self._refresh()
        if ended is not None:
            self.call_ended.emit(ended)

    def _on_resend(self) -> None:
        a, panel = self.appointment, self.dispatch_panel
        if panel is None:
            self.message.show_message(f"无法重新发送验证码：{self.dispatch_error}", "error")
        elif a is None or a.id != self.call_appointment:
            self.message.show_message("请先在队列中选中正在通话的预约，再重新发送验证码。", "error")
        elif not self.dispatch_button.isEnabled():
            self.message.show_message("正在发送或当前不能发送验证码，请稍候再试。", "error")
        else:
            self.dispatch_button.click()

    def _show_error(self, error: BaseException, fallback: str) -> None:
        if isinstance(error, DomainError):
            self.message.show_message(error.message, "error")
            return
        log.error("case action failed", exc_info=error)
        self.message.show_message(fallback, "error")
        self.services.runner.unhandled_error.emit(error)
