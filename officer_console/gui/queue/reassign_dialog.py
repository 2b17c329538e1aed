"""Shift leads move selected appointments to an officer of the squad or to another squad.

Opened with ``open()`` (never ``exec()``, which would nest an event loop inside qasync). The
store does every check (role, reason, versions) so the rules live in one place; this dialog
only collects the choice and shows the answer — on failure it stays open with the message.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import MessageBar, local_text, named
from officer_console.store.appointments import queue
from officer_console.store.appointments.queue import QueueRow
from officer_console.store.people import directory
from officer_console.store.people.directory import OfficerRef, SquadRef


class ReassignDialog(QDialog):
    reassigned = Signal(list, str)  # appointment ids, target description

    def __init__(
        self,
        services: Services,
        squad_id: int,
        rows: list[QueueRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reassign_dialog")
        self.setWindowTitle(self.tr("Reassign appointments"))
        self.setMinimumWidth(460)
        self.services = services
        self.squad_id = squad_id
        self.rows = rows
        self._busy = False

        tz = services.settings.timezone
        summary = ", ".join(
            f"{local_text(r.slot_start, tz, '%m-%d %H:%M')} {r.plate}" for r in rows[:4]
        )
        if len(rows) > 4:
            summary += " …"
        count = self.tr("%1 appointment(s) selected: ").replace("%1", str(len(rows)))
        self.summary_label = named(QLabel(count + summary, self), "summary_label")
        self.summary_label.setWordWrap(True)
        self.to_officer_radio = named(
            QRadioButton(self.tr("To an officer of this squad"), self), "to_officer_radio"
        )
        self.to_squad_radio = named(
            QRadioButton(self.tr("To another squad"), self), "to_squad_radio"
        )
        self.to_officer_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.to_officer_radio)
        group.addButton(self.to_squad_radio)
        self.officer_combo = named(QComboBox(self), "officer_combo")
        self.squad_combo = named(QComboBox(self), "squad_combo")
        self.reason_edit = named(QLineEdit(self), "reason_edit")
        self.reason_edit.setMaxLength(200)
        self.reason_edit.setPlaceholderText(self.tr("Required, e.g. officer on leave"))
        self.reassign_error = MessageBar("reassign_error", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Reassign"))
        self.ok_button.setEnabled(False)

        form = QFormLayout()
        form.addRow(self.to_officer_radio, self.officer_combo)
        form.addRow(self.to_squad_radio, self.squad_combo)
        form.addRow(self.tr("Reason"), self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addLayout(form)
        layout.addWidget(self.reassign_error)
        layout.addWidget(self.buttons)

        self.to_officer_radio.toggled.connect(self._sync)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._sync()
        self._load()

    def _load(self) -> None:
        squad_id = self.squad_id

        def work(s: Session) -> tuple[list[OfficerRef], list[SquadRef]]:
            return directory.list_officers(s, squad_id), directory.list_squads(s)

        self.services.runner.run(work, self._fill, self._on_failed, write=False)

    def _fill(self, result: tuple[list[OfficerRef], list[SquadRef]]) -> None:
        officers, squads = result
        for o in officers:
            self.officer_combo.addItem(o.label, o.id)
        for q in squads:
            if q.id != self.squad_id:
                self.squad_combo.addItem(q.name, q.id)
        # Nothing is pre-selected: the shift lead picks the target on purpose.
        for combo, hint in ((self.officer_combo, "请选择民警"), (self.squad_combo, "请选择大队")):
            combo.setPlaceholderText(hint)
            combo.setCurrentIndex(-1)
        self.ok_button.setEnabled(True)
        self._sync()

    def _sync(self) -> None:
        to_officer = self.to_officer_radio.isChecked()
        self.officer_combo.setEnabled(to_officer)
        self.squad_combo.setEnabled(not to_officer)

    def submit(self) -> None:
        if self._busy:
            return
        to_officer = self.to_officer_radio.isChecked()
        combo = self.officer_combo if to_officer else self.squad_combo
        target_id, target_label = combo.currentData(), combo.currentText()
        if target_id is None:
            self.reassign_error.show_message(self.tr("Choose where to reassign to."), "error")
            return
        actor = self.services.actor()
        officer = self.services.officer
        role = officer.role if officer else ""
        actor_squad = officer.squad_id if officer else None
        items = [(r.id, r.version) for r in self.rows]
        reason = self.reason_edit.text()

        def work(s: Session) -> None:
            queue.reassign(
                s,
                actor,
                role,
                actor_squad,
                items,
                reason=reason,
                to_officer_id=target_id if to_officer else None,
                to_squad_id=None if to_officer else target_id,
            )

        self._busy = True
        self.ok_button.setEnabled(False)
        self.services.runner.run(work, lambda _r: self._done(target_label), self._on_failed)

    def _done(self, target_label: str) -> None:
        self._busy = False
        self.reassigned.emit([r.id for r in self.rows], target_label)
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        if isinstance(error, DomainError):
            self.reassign_error.show_message(error.message, "error")
        else:
            self.reassign_error.show_message(
                self.tr("The database could not be reached. Try again."), "error"
            )
            self.services.runner.unhandled_error.emit(error)
