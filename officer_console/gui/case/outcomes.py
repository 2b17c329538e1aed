"""Every way a case can end, as buttons of the live case: 未到场, 转窗口办理, 释放, 改派.

The buttons ask the lifecycle rules (:mod:`officer_console.domain.appointment`) only to
enable themselves; the store checks again and audits, including refusals. An outcome for the
appointment whose video call is live first asks, then ends the call cleanly (the recording is
hashed and stored) and only then changes the case. Each success is published on the one
change signal, so the queue, the case panel and other workstations follow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.errors import DomainError
from officer_console.gui.common.confirm import ask
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import MessageBar, named, run_keeping_denials
from officer_console.store.appointments import lifecycle, queue
from officer_console.store.appointments.casefile import AppointmentPart
from officer_console.store.appointments.lifecycle import AppointmentChange
from officer_console.store.appointments.queue import QueueRow

__all__ = ["CaseOutcomes", "HandOverDialog"]

Op = Callable[[Session], AppointmentChange]
Show = Callable[[str, str], None]


NO_SHOW_QUESTION = (
    "no_show_confirm",
    "记为当事人未到场后，本预约结束，远程办理通道关闭，违法记录须到窗口处理。\n确定记为未到场吗？",
    "记为未到场",
)
RELEASE_QUESTION = (
    "release_confirm",
    "释放后本预约回到大队队列，其他民警可以认领；已发送的验证码仍然有效。\n确定释放吗？",
    "释放",
)


class HandOverDialog(QDialog):
    """转窗口办理: a reason from the list plus free text (required for 其他)."""

    chosen = Signal(str, str)  # reason code, text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hand_over_dialog")
        self.setWindowTitle("转窗口办理")
        self.setMinimumWidth(420)
        self.reason_combo = named(QComboBox(self), "hand_over_reason")
        for code, text in rules.HANDOVER_REASONS.items():
            self.reason_combo.addItem(text, code)
        self.text_edit = named(QLineEdit(self), "hand_over_text")
        self.text_edit.setMaxLength(rules.REASON_MAX)
        self.text_edit.setPlaceholderText("补充说明（选择“其他”时必填）")
        self.error = MessageBar("hand_over_error", self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("转窗口办理")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        form = QFormLayout()
        form.addRow("原因", self.reason_combo)
        form.addRow("说明", self.text_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("当事人将到窗口办理，本预约结束。请选择原因（记入案卷历史并审计）。", self)
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)

    def _submit(self) -> None:
        code = str(self.reason_combo.currentData())
        try:
            code, text = rules.check_handover(code, self.text_edit.text())
        except DomainError as exc:
            self.error.show_message(exc.message, "error")
            return
        self.chosen.emit(code, text)
        self.accept()


class CaseOutcomes(QWidget):
    """The outcome buttons of the live case; ``changed(AppointmentChange)`` after each."""

    changed = Signal(object)

    def __init__(
        self,
        services: Services,
        show: Show,
        live_call: Callable[[], int | None],
        end_call: Callable[[], Coroutine[Any, Any, None]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("case_outcomes")
        self.services = services
        self._show = show
        self._live_call = live_call
        self._end_call = end_call
        self.appointment: AppointmentPart | None = None
        self._busy = False
        self._tasks: set[asyncio.Future[None]] = set()
        self.confirm_box: QMessageBox | None = None  # the last question asked (tests answer it)
        self.no_show_button = named(QPushButton("未到场", self), "no_show_button")
        self.no_show_button.setToolTip(
            "预约时段开始且至少联系过一次（或时段已结束）后，记为当事人未到场"
        )
        self.hand_over_button = named(QPushButton("转窗口办理…", self), "hand_over_button")
        self.hand_over_button.setToolTip("当事人有异议、需要听证、须收缴驾驶证或技术故障时")
        self.release_button = named(QPushButton("释放", self), "release_button")
        self.release_button.setToolTip("放回本大队队列，其他民警可以认领")
        role = services.officer.role if services.officer else ""
        lead = role in ("shift_lead", "admin")
        self.reassign_button = named(
            QPushButton("改派…", self if lead else None), "case_reassign_button"
        )
        self.reassign_button.setVisible(lead)
        self.reassign_button.setToolTip("带班领导：开始办理前的任何状态都可以改派")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for button in (self.no_show_button, self.hand_over_button, self.release_button):
            row.addWidget(button)
        if lead:
            row.addWidget(self.reassign_button)
        row.addStretch(1)
        self.no_show_button.clicked.connect(
            lambda: self._guarded("no_show", self._no_show, confirm=NO_SHOW_QUESTION)
        )
        self.hand_over_button.clicked.connect(lambda: self._guarded("hand_over", self._ask_reason))
        self.release_button.clicked.connect(
            lambda: self._guarded("release", self._release, confirm=RELEASE_QUESTION)
        )
        self.reassign_button.clicked.connect(lambda: self._guarded("reassign", self._reassign))
        self.set_case(None)

    # --- state -----------------------------------------------------------------------------
    def _facts(self, a: AppointmentPart) -> rules.Facts:
        return rules.Facts(a.status, a.officer_id, a.squad_id, a.slot_start, a.slot_end)

    def _actor(self) -> rules.Actor:
        o = self.services.officer
        return rules.Actor(o.id, o.role, o.squad_id) if o else rules.Actor(None)

    def set_case(self, appointment: AppointmentPart | None) -> None:
        self.appointment = appointment
        self.refresh()

    def refresh(self) -> None:
        a, actor = self.appointment, self._actor()
        ok = {
            name: a is not None and not self._busy and rules.allowed(name, self._facts(a), actor)
            for name in ("hand_over", "release", "reassign")
        }
        # 未到场 also depends on the clock and on recorded contacts: the store says why not.
        no_show = a is not None and not self._busy
        if a is not None:
            f = rules.Facts(
                a.status, a.officer_id, a.squad_id, a.slot_start, a.slot_end, contact_attempts=1
            )
            no_show = no_show and rules.allowed("no_show", f, actor, now=self.services.clock())
        self.no_show_button.setEnabled(no_show)
        self.hand_over_button.setEnabled(ok["hand_over"])
        self.release_button.setEnabled(ok["release"])
        self.reassign_button.setEnabled(ok["reassign"])

    # --- the live call first ----------------------------------------------------------------
    def _guarded(
        self,
        name: str,
        then: Callable[[int], None],
        *,
        confirm: tuple[str, str, str] | None = None,
    ) -> None:
        """Run ``then(appointment id)``; with a live call on this case: ask, hang up, go on.

        ``confirm`` (name, question, yes) asks first when there is no call to ask about.
        """
        a = self.appointment
        if a is None or self._busy:
            return
        if self._live_call() != a.id:
            appointment_id = a.id
            if confirm is None:
                then(appointment_id)
                return
            box_name, question, yes = confirm
            label = rules.TRANSITIONS[name].label
            self.confirm_box = ask(
                self,
                box_name,
                title=label,
                text=question,
                yes_text=yes,
                on_yes=lambda: then(appointment_id),
            )
            return
        label = rules.TRANSITIONS[name].label
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"{label}：结束视频通话",
            f"该预约的视频通话仍在进行并录像。\n{label}前将挂断通话并保存录像，确定继续吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("end_call_confirm")
        box.button(QMessageBox.StandardButton.Yes).setText("挂断并继续")
        box.button(QMessageBox.StandardButton.Cancel).setText("取消")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        appointment_id = a.id

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self._hang_up_then(lambda: then(appointment_id))

        box.finished.connect(answered)
        box.open()

    def _hang_up_then(self, then: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._show("视频通话需要控制台的事件循环（qasync）正在运行。", "error")
            return
        self._busy = True
        self.refresh()

        async def run() -> None:
            try:
                await self._end_call()
            finally:
                self._busy = False
                self.refresh()
            then()

        task = asyncio.ensure_future(run(), loop=loop)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the outcomes ------------------------------------------------------------------------
    def _run(self, op: Op, done_text: str) -> None:
        self._busy = True
        self.refresh()
        run_keeping_denials(self.services.runner, op, self._on_done(done_text), self._on_failed)

    def _on_done(self, text: str) -> Callable[[AppointmentChange], None]:
        def done(change: AppointmentChange) -> None:
            self._busy = False
            self._show(f"{text}（预约现为“{change.status_label}”）。", "info")
            self.services.hub.publish_change(change)
            self.changed.emit(change)
            self.refresh()

        return done

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        if isinstance(error, DomainError):
            self._show(error.message, "error")
            if self.appointment is not None:  # show what the case really is now
                self.services.hub.publish([(self.appointment.id, None)])
        else:
            self._show("操作失败，详情已记录。", "error")
            self.services.runner.unhandled_error.emit(error)
        self.refresh()

    def _version(self, appointment_id: int) -> int | None:
        a = self.appointment
        return a.version if a is not None and a.id == appointment_id else None

    def _no_show(self, appointment_id: int) -> None:
        actor, version = self.services.actor(), self._version(appointment_id)
        now = self.services.clock()
        self._run(
            lambda s: lifecycle.no_show(
                s, appointment_id, actor, expected_version=version, now=now
            ),
            "已记为当事人未到场",
        )

    def _release(self, appointment_id: int) -> None:
        actor, version = self.services.actor(), self._version(appointment_id)
        self._run(
            lambda s: lifecycle.release(s, appointment_id, actor, expected_version=version),
            "已释放回大队队列",
        )

    def _ask_reason(self, appointment_id: int) -> None:
        dialog = HandOverDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(lambda code, text: self._hand_over(appointment_id, code, text))
        dialog.open()
        self.hand_over_dialog = dialog

    def _hand_over(self, appointment_id: int, code: str, text: str) -> None:
        actor, version = self.services.actor(), self._version(appointment_id)
        self._run(
            lambda s: lifecycle.hand_over(
                s, appointment_id, actor, reason_code=code, text=text, expected_version=version
            ),
            "已转窗口办理",
        )

    def _reassign(self, appointment_id: int) -> None:
        from officer_console.gui.queue.reassign_dialog import ReassignDialog

        officer = self.services.officer
        if officer is None or officer.squad_id is None:
            return
        squad_id = officer.squad_id

        def opened(rows: list[QueueRow]) -> None:
            if not rows:
                return
            dialog = ReassignDialog(self.services, squad_id, rows, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.reassigned.connect(self._on_reassigned)
            dialog.open()
            self.reassign_dialog = dialog

        self.services.runner.run(
            lambda s: queue.get_rows(s, [appointment_id]), opened, self._on_failed, write=False
        )

    def _on_reassigned(self, ids: list[int], target: str) -> None:
        self._show(f"已改派给 {target}。", "info")
        self.services.hub.publish([(i, None) for i in ids])
