"""The case panel: the live case (worked on, with its actions and call) and a read-only browse
view of other rows — never mixed.

* ``live_case_view``: the appointment being worked on — its case file
  (:class:`~officer_console.gui.case.details.CaseDetails`) and the "办理" box
  (:mod:`~officer_console.gui.case.actions`: dispatch, video call, outcomes, procedure slot),
  under a header labelled with that appointment (``live_case_header``).
* ``case_browse_view``: another selected row, read-only, no actions, no reveal.

Without a call the live case follows the queue selection. From the moment a call starts until
it is over the live case is pinned to the call's appointment and its video pane sits in the
fixed ``live_call_area`` at the top with the procedure panel beside it, under the header naming
the call's appointment (the case panel takes most of the window's width meanwhile): selecting
other rows shows them below it in the browse view (never in the live view), the call keeps
running and stays visible, and ``active_case_button`` brings the live case's actions back in
one click. During the call the live case file condenses (title and masked citizen only) so the
video, 挂断 and the procedure slot fit a 1366×768 screen.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from officer_console.domain.appointment import Status
from officer_console.gui.case.actions import CaseActions
from officer_console.gui.case.details import REVEAL_SECONDS, CaseDetails
from officer_console.gui.common.services import Opener, Services
from officer_console.gui.common.widgets import named
from officer_console.store.appointments.casefile import CaseFile

__all__ = ["REVEAL_SECONDS", "CasePanel"]

LIVE_STYLE = "#live_case_header { background:#e3f2fd; border-left:4px solid #1565c0; }"
QUEUE_KEY = "F9"  # shows / hides the queue during a call
BROWSE_STYLE = "#browse_banner { background:#fff8e1; border-left:4px solid #f9a825; }"


def _scroll(widget: QWidget, parent: QWidget) -> QScrollArea:
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(widget)
    return scroll


class CasePanel(QWidget):
    """``active_case_requested(appointment_id)``: the officer went back to the live case."""

    active_case_requested = Signal(int)
    queue_shown = Signal()  # during a call the queue was brought up (F9)

    def __init__(
        self, services: Services, parent: QWidget | None = None, *, opener: Opener | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("case_panel")
        self.services = services
        self.tz = services.settings.timezone
        self.pinned: int | None = None  # the live call's appointment while a call runs
        self._sizes: list[int] | None = None  # the window's split before the call widened us
        self._seen: tuple[int, str] | None = None  # the live case's last (id, status)
        self._queue: QWidget | None = None  # the queue pane while a call borrows it
        self._queue_home: tuple[QSplitter, int] | None = None
        self._build(opener)
        self._alias_live_parts()
        self._show_live()
        self.live.show_appointment(None, placeholder=self.tr("Select an appointment in the queue."))

    # --- construction --------------------------------------------------------------------
    def _build(self, opener: Opener | None) -> None:
        self.live = CaseDetails(self.services, self, prefix="case", revealable=True)
        self.browse = CaseDetails(self.services, self, prefix="browse", revealable=False)
        self.handling = CaseActions(self.services, self, opener=opener)

        # The header naming the live case, and the call area the video pane moves into.
        self.live_header = named(QLabel(self), "live_case_header")
        self.live_header.setStyleSheet(LIVE_STYLE)
        self.live_header.setContentsMargins(8, 4, 8, 4)
        self.live_header.setWordWrap(True)
        self.live_header.hide()
        # During a call the queue gives way to the video and the procedure; one key (or this
        # button) brings it back for browsing, and the hang-up restores it.
        self.queue_toggle = named(QPushButton(self), "queue_toggle_button")
        self.queue_toggle.setToolTip(f"显示或隐藏左侧预约队列（{QUEUE_KEY}）")
        self.queue_toggle.hide()
        self.queue_toggle.clicked.connect(self.toggle_queue)
        self.queue_shortcut = QShortcut(QKeySequence(QUEUE_KEY), self)
        self.queue_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.queue_shortcut.activated.connect(self.toggle_queue)
        self.call_area = named(QWidget(self), "live_call_area")
        self.call_layout = QHBoxLayout(self.call_area)
        self.call_layout.setContentsMargins(0, 0, 0, 0)
        self.call_area.hide()
        live_body = QWidget(self)
        body = QVBoxLayout(live_body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.live)
        body.addWidget(self.handling)
        body.addStretch(1)
        self.live_scroll = _scroll(live_body, self)
        self.live_view = named(QWidget(self), "live_case_view")
        lv = QVBoxLayout(self.live_view)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.live_scroll, 1)

        # The browse view: a banner saying whose case this is not, and the way back.
        self.browse_banner = named(QWidget(self), "browse_banner")
        self.browse_banner.setStyleSheet(BROWSE_STYLE)
        self.browse_label = named(QLabel(self.browse_banner), "browse_banner_label")
        self.browse_label.setWordWrap(True)
        self.active_case_button = named(
            QPushButton("返回当前通话", self.browse_banner), "active_case_button"
        )
        self.active_case_button.setToolTip("回到正在通话的预约（视频一直在进行）")
        banner = QHBoxLayout(self.browse_banner)
        banner.setContentsMargins(8, 4, 8, 4)
        banner.addWidget(self.browse_label, 1)
        banner.addWidget(self.active_case_button)
        self.browse_view = named(QWidget(self), "case_browse_view")
        bv = QVBoxLayout(self.browse_view)
        bv.setContentsMargins(0, 0, 0, 0)
        bv.addWidget(self.browse_banner)
        self.browse_scroll = _scroll(self.browse, self)
        bv.addWidget(self.browse_scroll, 1)

        self.stack = named(QStackedWidget(self), "case_stack")
        self.stack.addWidget(self.live_view)
        self.stack.addWidget(self.browse_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(self.queue_toggle, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.live_header, 1)
        layout.addLayout(top)
        layout.addWidget(self.call_area, 5)
        layout.addWidget(self.stack, 2)

        self.live.loaded.connect(self._on_live_loaded)
        self.live.cleared.connect(self._on_live_cleared)
        self.handling.call_started.connect(self._pin)
        self.handling.call_ended.connect(self._unpin)
        self.active_case_button.clicked.connect(self.show_live_case)

    # --- compatibility: the live case file's parts under the panel's historic names ---
    def _alias_live_parts(self) -> None:
        live = self.live
        self.title_label, self.state_label, self.case_error = (
            live.title_label,
            live.state_label,
            live.case_error,
        )
        self.reveal_button, self.content = live.reveal_button, live.content
        self.violations_model, self.violations_view = live.violations_model, live.violations_view
        self.violations_total = live.violations_total
        self.history_model, self.history_view = live.history_model, live.history_view
        self._fields = live._fields
        self._toggle_reveal = live._toggle_reveal

    @property
    def case(self) -> CaseFile | None:
        return self.live.case

    @property
    def appointment_id(self) -> int | None:
        return self.live.appointment_id

    # --- public interface ----------------------------------------------------------------
    def show_appointment(self, appointment_id: int | None) -> None:
        """The queue selection (None or -1: nothing). During a call only the browse view moves."""
        if self.pinned is not None:
            if appointment_id is None or appointment_id < 0 or appointment_id == self.pinned:
                self.show_live_case()  # (after a screen lock it reloads the call's case)
            else:
                if appointment_id != self.browse.appointment_id:
                    self.browse_scroll.verticalScrollBar().setValue(0)  # a new row: its top
                self.browse.show_appointment(appointment_id)
                self._show_browse()
            return
        self.browse.show_appointment(None)
        self._show_live()
        if appointment_id != self.live.appointment_id:
            self.live_scroll.verticalScrollBar().setValue(0)  # a new selection starts at the top
        if appointment_id is None or appointment_id < 0:
            self.live.show_appointment(
                None, placeholder=self.tr("Select an appointment in the queue.")
            )
        else:
            self.live.show_appointment(appointment_id)

    def show_live_case(self) -> None:
        """``active_case_button``: back to the live case in one click."""
        self.browse.show_appointment(None)
        self._show_live()
        if self.pinned is not None:
            if self.live.appointment_id != self.pinned:  # e.g. after a screen lock
                self.live.show_appointment(self.pinned)
            self.active_case_requested.emit(self.pinned)

    def install_procedure_panel(self, panel: QWidget) -> None:
        """The wizard's ProcedurePanel (objectName ``procedure_panel``) into the live case."""
        self.handling.install_procedure_panel(panel)

    def clear_for_lock(self) -> None:
        """Forget every case text (a running call goes on, its pane shows video only)."""
        self.live.stop()
        self.browse.stop()
        self.live.show_appointment(None)
        self.browse.show_appointment(None)
        self.handling.clear_for_lock()
        self.live_header.clear()
        self.browse_label.clear()

    def shutdown(self) -> None:
        """Idempotent: stop dispatch work and schedule the hang-up of a running call; pending
        reloads are dropped (the op runner may be gone before their timers fire)."""
        self.live.stop()
        self.browse.stop()
        self.handling.shutdown()

    @property
    def call_live(self) -> bool:
        return self.handling.call is not None

    # --- pinning -------------------------------------------------------------------------
    def _pin(self, appointment_id: int) -> None:
        """The call started: pin its case, move the video pane up where it always shows."""
        self.pinned = appointment_id
        self.live.set_condensed(True)
        self.handling.set_live(True)
        self.call_layout.addWidget(self.handling.video_pane, 2)
        self.call_layout.addWidget(self.handling.procedure_slot, 3)
        self.call_area.show()
        self._widen(True)
        self._update_header()

    def _unpin(self, appointment_id: int) -> None:
        if self.pinned != appointment_id:
            return
        self.pinned = None
        self.call_area.hide()
        self._widen(False)
        self.handling.restore_call_widgets()
        self.live.set_condensed(False)
        self.handling.set_live(False)
        self._update_header()

    def _widen(self, on: bool) -> None:
        """During a call the video and the procedure get the whole window: the queue leaves
        the window's splitter; ``queue_toggle_button`` / F9 show it below the call (where the
        case file is), so the window never grows past the screen; the hang-up puts it back."""
        if on:
            split = self.parentWidget()
            if not isinstance(split, QSplitter) or split.count() != 2:
                return
            self._sizes = split.sizes()
            queue = split.widget(1 - split.indexOf(self))
            if queue is None:
                return
            self._queue_home = (split, split.indexOf(queue))
            self._queue = queue
            self.stack.addWidget(queue)  # reparented: out of the splitter, into our stack
            self.queue_toggle.show()
        else:
            queue, home = self._queue, self._queue_home
            self._queue = self._queue_home = None
            if queue is not None and home is not None:
                if self.stack.currentWidget() is queue:
                    self.stack.setCurrentWidget(self.live_view)
                self.stack.removeWidget(queue)
                home[0].insertWidget(home[1], queue)
                queue.show()
                if self._sizes is not None:
                    home[0].setSizes(self._sizes)
            self._sizes = None
            self.queue_toggle.hide()
        self._label_toggle()

    def toggle_queue(self) -> None:
        """F9 / ``queue_toggle_button``: during a call show or hide the queue."""
        queue = self._queue
        if queue is None:
            return
        if self.stack.currentWidget() is queue:
            self.show_live_case()
        else:
            self.stack.setCurrentWidget(queue)
            self.queue_shown.emit()
        self._label_toggle()

    @property
    def queue_visible(self) -> bool:
        queue = self._queue
        return queue is None or self.stack.currentWidget() is queue

    def _label_toggle(self) -> None:
        shown = self._queue is not None and self.stack.currentWidget() is self._queue
        self.queue_toggle.setText(f"{'隐藏' if shown else '显示'}队列（{QUEUE_KEY}）")

    def _show_live(self) -> None:
        self.stack.setCurrentWidget(self.live_view)
        self._label_toggle()

    def _show_browse(self) -> None:
        self.stack.setCurrentWidget(self.browse_view)
        self._label_toggle()
        self.browse_label.setText(
            f"只读浏览其他预约 · 视频通话仍在进行：{self._live_text()}"
            if self.pinned is not None
            else "只读浏览"
        )

    def _live_text(self) -> str:
        cf = self.live.case
        if cf is None:
            return ""
        a = cf.appointment
        plate = cf.vehicle.plate if cf.vehicle else ""
        when = a.slot_start.astimezone(ZoneInfo(self.tz)).strftime("%H:%M")
        return f"{when} {plate} {cf.citizen.name_masked}".strip()

    def _update_header(self) -> None:
        cf = self.live.case
        if cf is None:
            self.live_header.clear()
            self.live_header.hide()
            return
        prefix = "视频通话中" if self.pinned is not None else "当前办理"
        self.live_header.setText(f"{prefix}：{self._live_text()} · {cf.appointment.status_label}")
        self.live_header.show()

    def _on_live_loaded(self, cf: CaseFile) -> None:
        a = cf.appointment
        before, self._seen = self._seen, (a.id, a.status)
        self.handling.set_case(a)
        self._update_header()
        officer = self.services.officer
        claimed_now = (
            before == (a.id, Status.WAITING)
            and a.status == Status.CLAIMED
            and officer is not None
            and a.officer_id == officer.id
        )
        if claimed_now:  # 认领 done: the next action (一键呼叫) without scrolling
            QTimer.singleShot(0, self._reveal_dispatch)

    def _reveal_dispatch(self) -> None:
        self.live_scroll.ensureWidgetVisible(self.handling.dispatch_button, 0, 24)

    def _on_live_cleared(self) -> None:
        if self.pinned is None:
            self.handling.set_case(None)
        self._update_header()
