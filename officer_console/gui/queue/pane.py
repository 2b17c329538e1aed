"""The squad queue pane: filters, the live table, claim and reassign.

Everything that touches the database goes through the op runner; the pane only reacts to
answers. Changes arrive on the one change signal (``Services.hub``): the pane re-reads only
rows older than the reported version and publishes what other workstations changed (from
its live-update watcher) on the same signal, so the case panel follows without echo reloads.
Live updates are applied row by row (see QueueModel), and the table
(:class:`~officer_console.gui.queue.table.QueueTable`) keeps the row at the top of the
viewport where it was, so a colleague's claim never makes the list jump.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, QModelIndex, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Changed, Services
from officer_console.gui.common.widgets import MessageBar, named
from officer_console.gui.queue.filters import QueueFilterBar
from officer_console.gui.queue.live_updates import ChangeWatcher
from officer_console.gui.queue.model import QueueModel
from officer_console.gui.queue.reassign_dialog import ReassignDialog
from officer_console.gui.queue.table import QueueTable
from officer_console.store.appointments import queue
from officer_console.store.appointments.queue import QueueFilter, QueueRow
from officer_console.store.people import directory
from officer_console.store.people.directory import OfficerRef, SquadRef

CLAIM_ROLES = ("officer", "shift_lead")
MOVABLE = rules.BEFORE_PROCEDURE  # what a shift lead may still reassign
REASSIGN_ROLES = ("shift_lead", "admin")
# Admins and auditors pick a squad and see its queue read-only (no claim, no reassign).
PICKER_ROLES = ("admin", "auditor")


class QueuePane(QWidget):
    appointment_selected = Signal(int)  # -1 when nothing is selected

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queue_pane")
        self.services = services
        officer = services.officer
        self.role = officer.role if officer else ""
        self.read_only = self.role in PICKER_ROLES
        self.squad_id = officer.squad_id if officer else None
        self.officer_id = officer.id if officer else None
        self._zone = ZoneInfo(services.settings.timezone)
        self._selected = -1
        self._locked = False
        self._restore: tuple[int, list[int]] | None = None  # (current, selected ids) at lock
        self._publishing = False
        self.model = QueueModel(
            services.runner,
            self.squad_id,
            officer_id=self.officer_id,
            tz=services.settings.timezone,
            clock=services.clock,
            parent=self,
        )
        self.watcher = ChangeWatcher(
            services, self.squad_id, self, tracked=lambda i: self.model.row_of(i) >= 0
        )
        self.squad_picker: QComboBox | None = None
        self._build()
        self._connect()
        self.reload()
        if self.squad_id is not None:
            self.watcher.start()
        if self.read_only:
            self._load_squads()

    # --- construction --------------------------------------------------------------------

    def _build(self) -> None:
        can_claim = self.role in CLAIM_ROLES
        self.filters = QueueFilterBar(self.officer_id if can_claim else None, self)
        bar = self.filters
        self.day_filter, self.status_filter = bar.day_filter, bar.status_filter
        self.officer_filter, self.plate_search = bar.officer_filter, bar.plate_search
        self.count_label = bar.count_label
        self.queue_message = MessageBar("queue_message", self)
        self.queue_view = QueueTable(self.model, self, multi=self.role in REASSIGN_ROLES)
        view = self.queue_view
        self.claim_button = named(QPushButton(self.tr("Claim"), self), "claim_button")
        self.claim_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.claim_button.setToolTip(self.tr("Claim the selected appointment (Ctrl+Enter)"))
        self.claim_button.setEnabled(False)
        self.claim_button.setVisible(not self.read_only)
        # Officers must not see reassignment at all: their button never enters the widget tree.
        allowed = self.role in REASSIGN_ROLES and not self.read_only
        self.reassign_button = named(
            QPushButton(self.tr("Reassign…"), self if allowed else None), "reassign_button"
        )
        self.reassign_button.setVisible(allowed)
        self.reassign_button.setEnabled(False)
        self.refresh_button = named(QPushButton(self.tr("Refresh"), self), "refresh_button")
        buttons = QHBoxLayout()
        buttons.addWidget(self.claim_button)
        if allowed:
            buttons.addWidget(self.reassign_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        if self.read_only:
            layout.addLayout(self._build_picker())
        layout.addWidget(self.filters)
        layout.addWidget(self.queue_message)
        layout.addWidget(view, 1)
        layout.addLayout(buttons)

    def _build_picker(self) -> QHBoxLayout:
        picker = named(QComboBox(self), "squad_picker")
        picker.setPlaceholderText("请选择大队")
        picker.setMinimumContentsLength(10)
        picker.activated.connect(lambda _i: self._pick_squad())
        self.squad_picker = picker
        note = named(QLabel("只读查看：不能认领或改派", self), "squad_picker_note")
        note.setStyleSheet("color:#616161;")
        row = QHBoxLayout()
        row.addWidget(QLabel("大队", self))
        row.addWidget(picker)
        row.addWidget(note, 1)
        return row

    def _load_squads(self) -> None:
        self.services.runner.run(
            directory.list_squads, self._fill_squads, self._on_load_failed, write=False
        )

    def _fill_squads(self, squads: list[SquadRef]) -> None:
        picker = self.squad_picker
        if picker is None:
            return
        picker.clear()
        for squad in squads:
            picker.addItem(squad.name, squad.id)
        index = picker.findData(self.squad_id) if self.squad_id is not None else -1
        picker.setCurrentIndex(index)
        if index < 0 and squads:  # start with the first squad rather than an empty table
            picker.setCurrentIndex(0)
            self._pick_squad()

    def _pick_squad(self) -> None:
        """Show the picked squad's queue (read-only)."""
        if self.squad_picker is None or self.squad_picker.currentData() is None:
            return
        squad_id = int(self.squad_picker.currentData())
        if squad_id == self.squad_id:
            return
        self.squad_id = squad_id
        self.model.squad_id = squad_id
        self.watcher.squad_id = squad_id
        self.queue_message.clear_message()
        if not self._locked:
            self.watcher.start()  # idempotent
        self.reload()

    def _connect(self) -> None:
        self.filters.changed.connect(self._apply_filter)
        selection = self.queue_view.selectionModel()
        selection.selectionChanged.connect(self._on_selection)
        selection.currentRowChanged.connect(lambda *_: self._on_selection())
        self.queue_view.activated.connect(self._on_activated)
        self.claim_button.clicked.connect(self.claim_selected)
        self.reassign_button.clicked.connect(self.open_reassign)
        self.refresh_button.clicked.connect(self.reload)
        self.watcher.changed.connect(self._on_changed)
        self.services.hub.changed.connect(self._on_hub)
        self.model.rows_fetched.connect(self._on_rows_fetched)
        self.model.total_changed.connect(lambda _n: self._update_count())
        self.model.rowsInserted.connect(lambda *_: self._update_count())
        self.model.rowsRemoved.connect(lambda *_: self._update_count())
        self.model.modelReset.connect(self._update_count)
        self.model.load_failed.connect(self._on_load_failed)
        self.model.rows_refreshed.connect(self._on_rows_refreshed)

    # --- public interface ----------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the queue from scratch (filters kept; the day list follows the date)."""
        if self._locked:
            return
        if self.squad_id is None and self.read_only:
            self.queue_message.show_message("请在上方选择要查看的大队。", "hint")
        elif self.squad_id is None:
            self.queue_message.show_message(
                self.tr("This account belongs to no squad, so there is no queue to show."), "hint"
            )
        self.filters.fill_days(self._today())
        self._load_officers()
        self._apply_filter()

    def clear_for_lock(self) -> None:
        """Drop every row and message: nothing about a citizen stays in the widget tree."""
        self._locked = True
        self._restore = (self._selected, [r.id for r in self.selected_rows()])  # ids only
        self.watcher.stop()
        self.model.clear()
        self.queue_message.clear_message()
        self.count_label.clear()
        self.filters.clear_plate()  # a typed plate is personal data too
        self._emit_selected(-1)
        self._update_buttons()

    def restore_after_lock(self) -> None:
        """Reload; the selection (and so the case panel) comes back as it was at the lock."""
        self._locked = False
        self.reload()
        if self.squad_id is not None:
            self.watcher.start()
        restore, self._restore = self._restore, None
        if restore is None or restore[0] < 0:
            return
        current, ids = restore
        self._emit_selected(current)  # the right panel reloads it at once

        def reselect(loading: bool) -> None:
            if loading:
                return
            self.model.loading_changed.disconnect(reselect)
            self._reselect(current, ids)

        self.model.loading_changed.connect(reselect)

    def _reselect(self, current: int, ids: list[int]) -> None:
        """Select ``ids`` again where they are loaded, ``current`` as the current row."""
        if self._locked or self._selected != current:
            return  # locked again, or the user already chose something else
        view, selection = self.queue_view, self.queue_view.selectionModel()
        rows = [r for r in (self.model.row_of(i) for i in ids) if r >= 0]
        current_row = self.model.row_of(current)
        if current_row >= 0:
            selection.setCurrentIndex(
                self.model.index(current_row, 0), selection.SelectionFlag.NoUpdate
            )
        for row in rows:
            selection.select(
                self.model.index(row, 0),
                selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
            )
        if current_row >= 0:
            view.scrollTo(self.model.index(current_row, 0))
        self._update_buttons()

    def shutdown(self) -> None:
        """Stop the live-update watcher (its thread and connection); idempotent."""
        self.watcher.stop()

    def selected_rows(self) -> list[QueueRow]:
        rows = (self.model.row_at(i.row()) for i in self.queue_view.selectionModel().selectedRows())
        return sorted((r for r in rows if r is not None), key=lambda r: (r.slot_start, r.id))

    def current_row(self) -> QueueRow | None:
        index = self.queue_view.currentIndex()
        selection = self.queue_view.selectionModel()
        if not index.isValid() or not selection.isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.row_at(index.row())

    # --- filters -------------------------------------------------------------------------

    def _today(self) -> date:
        return self.services.clock().astimezone(self._zone).date()

    def current_filter(self) -> QueueFilter:
        return self.filters.current_filter(self._today())

    def _apply_filter(self) -> None:
        if self._locked:
            return
        self.model.set_filter(self.current_filter())
        self._emit_selected(-1)
        self._update_buttons()

    def _load_officers(self) -> None:
        if self.squad_id is None:
            return
        squad_id = self.squad_id

        def work(s: Session) -> list[OfficerRef]:
            return directory.list_officers(s, squad_id)

        self.services.runner.run(
            work, self.filters.fill_officers, self._on_load_failed, write=False
        )

    # --- selection and buttons -----------------------------------------------------------

    def _on_selection(self, *_args: QItemSelection) -> None:
        row = self.current_row()
        self._emit_selected(row.id if row else -1)
        self._update_buttons()

    def _emit_selected(self, appointment_id: int, *, again: bool = False) -> None:
        if appointment_id != self._selected or again:
            self._selected = appointment_id
            self.appointment_selected.emit(appointment_id)

    def _on_activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self._emit_selected(row.id, again=True)

    def _claimable(self, row: QueueRow | None) -> bool:
        return (
            row is not None
            and self.role in CLAIM_ROLES
            and row.status == Status.WAITING
            and row.squad_id == self.squad_id
        )

    def _update_buttons(self) -> None:
        self.claim_button.setEnabled(self._claimable(self.current_row()))
        movable = [r for r in self.selected_rows() if r.status in MOVABLE]
        self.reassign_button.setEnabled(self.role in REASSIGN_ROLES and bool(movable))

    def _update_count(self) -> None:
        if self._locked:
            return
        shown, total = self.model.rowCount(), self.model.total
        text = self.tr("%1 appointments").replace("%1", str(total))
        if shown < total:
            text += self.tr(" (%1 loaded)").replace("%1", str(shown))
        self.count_label.setText(text)

    # --- claim and reassign --------------------------------------------------------------

    def claim_selected(self) -> None:
        row = self.current_row()
        if not self._claimable(row) or self.squad_id is None:
            return
        assert row is not None
        actor, squad_id = self.services.actor(), self.squad_id

        def work(s: Session) -> int:
            return queue.claim(s, actor, squad_id, row.id, row.version)

        self.claim_button.setEnabled(False)
        self.services.runner.run(
            work, lambda v: self._on_claimed(row, v), lambda e: self._on_claim_failed(row, e)
        )

    def _on_claimed(self, row: QueueRow, version: int) -> None:
        when = row.slot_start.astimezone(self._zone).strftime("%H:%M")
        text = self.tr("Claimed the %1 appointment (%2).").replace("%1", when)
        self.queue_message.show_message(text.replace("%2", row.plate), "info", timeout_ms=8000)
        self.services.hub.publish([(row.id, version)])

    def _on_claim_failed(self, row: QueueRow, error: BaseException) -> None:
        self.model.refresh_ids([row.id])
        self._show_error(error)

    def open_reassign(self) -> None:
        rows = [r for r in self.selected_rows() if r.status in MOVABLE]
        if self.role not in REASSIGN_ROLES or not rows or self.squad_id is None:
            return
        dialog = ReassignDialog(self.services, self.squad_id, rows, self)
        dialog.reassigned.connect(self._on_reassigned)
        dialog.open()

    def _on_reassigned(self, ids: list[int], target: str) -> None:
        text = self.tr("Reassigned %1 appointment(s) to %2.").replace("%1", str(len(ids)))
        self.queue_message.show_message(text.replace("%2", target), "info", timeout_ms=8000)
        self.services.hub.publish([(i, None) for i in ids])

    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            self.queue_message.show_message(error.message, "error")
        else:
            self.services.runner.unhandled_error.emit(error)

    def _on_load_failed(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            self._show_error(error)
            return
        self.queue_message.show_message(
            self.tr(
                "Could not read the queue from the database. Check the connection, then press Refresh."
            ),
            "error",
        )

    # --- live updates --------------------------------------------------------------------

    def _on_changed(self, ids: list[int]) -> None:
        """Other workstations' changes (the watcher): read the rows, then publish them."""
        if not self._locked:
            self.model.refresh_ids(ids)

    def _on_hub(self, items: list[Changed]) -> None:
        """The change signal: re-read rows older than the reported version."""
        if self._locked or self._publishing:
            return
        stale = [i for i, v in items if v is None or self.model.version_of(i) != v]
        if stale:
            self.model.refresh_ids(stale)

    def _on_rows_fetched(self, rows: list[QueueRow], asked: list[int]) -> None:
        found = {r.id: r.version for r in rows}
        self._publishing = True
        try:
            self.services.hub.publish([(i, found.get(i)) for i in asked])
        finally:
            self._publishing = False

    def _on_rows_refreshed(self, ids: list[int]) -> None:
        row = self.current_row()
        if row is None and self._selected >= 0 and self._selected in ids:
            self._emit_selected(-1)  # the selected row left the view
        self._update_buttons()
