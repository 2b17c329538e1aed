"""Weekly slot schedules and capacity per squad, for admins.

The dialog only collects values; ``admin_ops.save_schedule`` validates them (end after start,
slot length, capacity, no overlaps) and its Chinese message is shown as it is.
"""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.domain.booking import WEEKDAY_LABELS
from officer_console.domain.errors import DomainError
from officer_console.gui.admin.common import add_footer, picker_table
from officer_console.gui.common import crash
from officer_console.gui.common.services import Services
from officer_console.store.people import admin_ops
from officer_console.store.people.admin_ops import (
    CAPACITY_RANGE,
    SLOT_MINUTES_RANGE,
    ScheduleRow,
    SquadRow,
)


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _time(value: QTime) -> time:
    return time(value.hour(), value.minute())


class SchedulesDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("schedules_dialog")
        self.setWindowTitle(self.tr("Schedules and capacity"))
        self.resize(760, 620)
        self._services = services
        self.rows: list[ScheduleRow] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Squad")))
        self.squad_combo = QComboBox()
        self.squad_combo.setObjectName("squad_combo")
        self.squad_combo.currentIndexChanged.connect(self.reload)
        top.addWidget(self.squad_combo, 1)
        layout.addLayout(top)
        self.table = picker_table(
            "schedule_table",
            [
                self.tr("Weekday"),
                self.tr("Start"),
                self.tr("End"),
                self.tr("Slot (min)"),
                self.tr("Capacity per slot"),
            ],
        )
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._build_form())
        self.message_label = add_footer(self, layout, "schedule_message_label")
        self._selection_changed()
        self._load_squads()

    def _build_form(self) -> QFormLayout:
        form = QFormLayout()
        self.weekday_combo = QComboBox()
        self.weekday_combo.setObjectName("weekday_combo")
        for day, label in enumerate(WEEKDAY_LABELS):
            self.weekday_combo.addItem(label, day)
        self.start_edit = QTimeEdit(QTime(9, 0))
        self.start_edit.setObjectName("start_time_edit")
        self.end_edit = QTimeEdit(QTime(12, 0))
        self.end_edit.setObjectName("end_time_edit")
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat("HH:mm")
        self.slot_spin = QSpinBox()
        self.slot_spin.setObjectName("slot_minutes_spin")
        self.slot_spin.setRange(*SLOT_MINUTES_RANGE)
        self.slot_spin.setSingleStep(5)
        self.slot_spin.setValue(30)
        self.slot_spin.setSuffix(self.tr(" min"))
        self.capacity_spin = QSpinBox()
        self.capacity_spin.setObjectName("capacity_spin")
        self.capacity_spin.setRange(*CAPACITY_RANGE)
        self.capacity_spin.setValue(2)
        form.addRow(self.tr("Weekday"), self.weekday_combo)
        form.addRow(self.tr("Start"), self.start_edit)
        form.addRow(self.tr("End"), self.end_edit)
        form.addRow(self.tr("Slot length"), self.slot_spin)
        form.addRow(self.tr("Capacity per slot"), self.capacity_spin)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setObjectName("add_schedule_button")
        self.add_button.clicked.connect(lambda: self.save(new=True))
        self.save_button = QPushButton(self.tr("Save changes"))
        self.save_button.setObjectName("save_schedule_button")
        self.save_button.clicked.connect(lambda: self.save(new=False))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setObjectName("remove_schedule_button")
        self.remove_button.clicked.connect(self.remove)
        for button in (self.add_button, self.save_button, self.remove_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        form.addRow("", buttons)
        return form

    # --- data -----------------------------------------------------------------------------

    def _role(self) -> str:
        return self._services.officer.role if self._services.officer else ""

    def squad_id(self) -> int | None:
        value = self.squad_combo.currentData()
        return int(value) if value is not None else None

    def _load_squads(self) -> None:
        self._services.runner.run(
            admin_ops.list_squads, self._squads_loaded, self._failed, write=False
        )

    def _squads_loaded(self, squads: list[SquadRow]) -> None:
        self.squad_combo.blockSignals(True)
        self.squad_combo.clear()
        for squad in squads:
            self.squad_combo.addItem(f"{squad.name}（{squad.code}）", squad.id)
        own = self._services.officer.squad_id if self._services.officer else None
        index = self.squad_combo.findData(own) if own is not None else 0
        self.squad_combo.setCurrentIndex(max(0, index))
        self.squad_combo.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        squad_id, actor, role = self.squad_id(), self._services.actor(), self._role()
        if squad_id is None:
            self._loaded([])
            return

        def work(session: Session) -> list[ScheduleRow]:
            return admin_ops.list_schedules(session, actor, role, squad_id)

        self._services.runner.run(work, self._loaded, self._failed, write=False)

    def _loaded(self, rows: list[ScheduleRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = (
                row.weekday_label,
                f"{row.start:%H:%M}",
                f"{row.end:%H:%M}",
                str(row.slot_minutes),
                str(row.capacity),
            )
            for c, value in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self._selection_changed()

    def selected(self) -> ScheduleRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def _selection_changed(self) -> None:
        row = self.selected()
        self.save_button.setEnabled(row is not None)
        self.remove_button.setEnabled(row is not None)
        if row is None:
            return
        self.weekday_combo.setCurrentIndex(row.weekday)
        self.start_edit.setTime(_qtime(row.start))
        self.end_edit.setTime(_qtime(row.end))
        self.slot_spin.setValue(row.slot_minutes)
        self.capacity_spin.setValue(row.capacity)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")
        self.message_label.setText(text)

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            crash.report(error)
            return
        self._say(error.message, error=True)

    # --- actions --------------------------------------------------------------------------

    def save(self, *, new: bool) -> None:
        squad_id, actor, role = self.squad_id(), self._services.actor(), self._role()
        selected = None if new else self.selected()
        if squad_id is None or (not new and selected is None):
            return
        schedule_id = selected.id if selected else None
        weekday = int(self.weekday_combo.currentData())
        start, end = _time(self.start_edit.time()), _time(self.end_edit.time())
        slot_minutes, capacity = self.slot_spin.value(), self.capacity_spin.value()

        def work(session: Session) -> int:
            return admin_ops.save_schedule(
                session,
                actor,
                role,
                squad_id=squad_id,
                schedule_id=schedule_id,
                weekday=weekday,
                start=start,
                end=end,
                slot_minutes=slot_minutes,
                capacity=capacity,
            )

        def saved(_id: int) -> None:
            self._say(self.tr("Schedule saved.") if not new else self.tr("Schedule added."))
            self.reload()

        self._services.runner.run(work, saved, self._failed)

    def remove(self) -> None:
        selected, actor, role = self.selected(), self._services.actor(), self._role()
        if selected is None:
            return
        schedule_id = selected.id

        def removed(_none: None) -> None:
            self._say(self.tr("Schedule removed."))
            self.reload()

        self._services.runner.run(
            lambda s: admin_ops.remove_schedule(s, actor, role, schedule_id), removed, self._failed
        )
